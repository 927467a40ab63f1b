import { createEvent, createEventBus, RedisStreamsBus, type EventEnvelope } from '@judgify/runtime/events';
import { silentLogger, testRedisPrefix, testRedisUrl } from '@judgify/runtime/testing';
import { startOwnRedis, type OwnRedis } from '@judgify/runtime/testing/redis-server';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EVICTING_EVENTS, inProcessEvictionFeed, redisEvictionFeed, type EvictionFeed } from './response-cache-events.ts';

const waitFor = async (condition: () => boolean, what: string) => {
  const deadline = Date.now() + 15_000;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`${what}: not in time`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
};

/** A gateway's view of the feed: the events it handled and how often it had to start over. */
function replica() {
  const seen: EventEnvelope[] = [];
  let resyncs = 0;
  return { seen, resyncs: () => resyncs, handlers: { event: (event: EventEnvelope) => void seen.push(event), resync: () => void resyncs++ } };
}

const workflowUpdated = (workflowId: string) => createEvent({ eventType: 'workflow.updated', source: 'workflow', tenantId: 'acme', data: { workflowId, version: 2 } });

describe('what evicts', () => {
  it("evicts a changed workflow's answers by id, and its tenant's lists and audit log", () => {
    expect(EVICTING_EVENTS['workflow.updated']!(workflowUpdated('w1'))).toEqual([{ typename: 'Workflow', id: 'w1' }, { typename: 'WorkflowEvent' }]);
    expect(Object.keys(EVICTING_EVENTS)).toEqual(['workflow.created', 'workflow.updated', 'workflow.deactivated', 'workflow.reactivated', 'workflow.deleted']);
  });
});

describe('the in-process eviction feed (npm start)', () => {
  it('hands every event to every gateway of the process', async () => {
    const [a, b] = [replica(), replica()];
    const feeds = [inProcessEvictionFeed(silentLogger, a.handlers), inProcessEvictionFeed(silentLogger, b.handlers)];
    expect(feeds.every((feed) => feed.live)).toBe(true);
    const event = workflowUpdated('w-in-process');
    await createEventBus({ logger: silentLogger, service: 'workflow' }).publish(event);
    await waitFor(() => a.seen.length === 1 && b.seen.length === 1, 'both gateways see the event');
    expect(a.seen[0]).toEqual(event);
    await Promise.all(feeds.map((feed) => feed.close()));
    await createEventBus({ logger: silentLogger, service: 'workflow' }).publish(workflowUpdated('after-close'));
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(a.seen.map((seen) => seen.data)).toEqual([event.data]);
  });
});

describe.runIf(testRedisUrl())('the Redis eviction feed (distributed mode)', () => {
  let redis: OwnRedis;
  const prefix = testRedisPrefix();
  const feeds: EvictionFeed[] = [];
  beforeAll(async () => {
    redis = await startOwnRedis();
  });
  afterAll(async () => {
    await Promise.all(feeds.map((feed) => feed.close()));
    await redis?.kill();
  });

  it('hands every event to every replica, is not live while Redis is gone, and starts over when it is back', async () => {
    const [a, b] = [replica(), replica()];
    feeds.push(redisEvictionFeed({ url: redis.url, prefix }, silentLogger, a.handlers), redisEvictionFeed({ url: redis.url, prefix }, silentLogger, b.handlers));
    await waitFor(() => feeds.every((feed) => feed.live), 'the feeds are live');
    const publisher = new RedisStreamsBus({ logger: silentLogger, service: 'workflow' }, { url: redis.url, prefix });
    const first = workflowUpdated('w1');
    await publisher.publish(first);
    // Another event type the bus carries, which evicts nothing: not read at all.
    await publisher.publish(createEvent({ eventType: 'judgment.completed', source: 'judgment', tenantId: 'acme', data: {} }));
    await waitFor(() => a.seen.length === 1 && b.seen.length === 1, 'both replicas see the event');
    expect(b.seen[0]).toEqual(first);
    // No consumer group is left behind for the replicas: groups would hold the stream's progress back after they go.
    expect(await publisher.progress!('workflow.updated')).toEqual({ epoch: expect.any(String) });
    await publisher.close();

    const resyncsBefore = a.resyncs();
    await redis.kill();
    await waitFor(() => feeds.every((feed) => !feed.live), 'the feeds know Redis is gone');
    await redis.start();
    await waitFor(() => feeds.every((feed) => feed.live) && a.resyncs() > resyncsBefore, 'the feeds start over');
    const again = new RedisStreamsBus({ logger: silentLogger, service: 'workflow' }, { url: redis.url, prefix });
    const second = workflowUpdated('w2');
    await again.publish(second);
    await waitFor(() => a.seen.length === 2 && b.seen.length === 2, 'both replicas see the event after the outage');
    expect(a.seen[1]).toEqual(second);
    await again.close();
  });
});
