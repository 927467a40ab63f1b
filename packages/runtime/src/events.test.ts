import { randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { createEvent, InProcessBus, RedisStreamsBus, type EventBus, type EventEnvelope } from './events.ts';
import { silentLogger, testRedisUrl } from './testing/index.ts';

const waitFor = async (condition: () => boolean, timeoutMs = 10_000) => {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
};

const redisUrl = testRedisUrl();
const buses: EventBus[] = [];
const streamsUsed: string[] = [];
afterEach(async () => {
  await Promise.all(buses.splice(0).map((bus) => bus.close()));
});
afterAll(async () => {
  if (!redisUrl || !streamsUsed.length) return;
  const redis = new Redis(redisUrl);
  await redis.del(...streamsUsed.map(RedisStreamsBus.streamKey));
  await redis.quit();
});

const implementations: Array<[string, () => EventBus]> = [['in-process', () => new InProcessBus(silentLogger)]];
if (redisUrl) {
  implementations.push(['redis streams', () => new RedisStreamsBus({ logger: silentLogger, service: 'test', reclaimIdleMs: 200 }, redisUrl)]);
}

describe.each(implementations)('%s event bus', (_name, createBus) => {
  const open = () => {
    const bus = createBus();
    buses.push(bus);
    return bus;
  };
  const type = () => {
    const eventType = `test.${randomUUID()}`;
    streamsUsed.push(eventType);
    return eventType;
  };

  it('carries the full envelope to every consumer group', async () => {
    const bus = open();
    const eventType = type();
    const billing: EventEnvelope[] = [];
    const audit: EventEnvelope[] = [];
    bus.subscribe(eventType, 'billing', async (event) => void billing.push(event));
    bus.subscribe(eventType, 'audit', async (event) => void audit.push(event));
    await new Promise((resolve) => setTimeout(resolve, 100));
    const event = createEvent({ eventType, source: 'test', tenantId: 'acme', data: { n: 1 }, correlationId: 'corr-1' });
    await bus.publish(event);
    await waitFor(() => billing.length === 1 && audit.length === 1);
    expect(billing[0]).toEqual(event);
    expect(audit[0]).toEqual(event);
  });

  it('gives each event to exactly one consumer within a group', async () => {
    const first = open();
    // In-process there is one bus per process; on Redis each bus is a separate consumer.
    const second = first.kind === 'in-process' ? first : open();
    const eventType = type();
    const seen: Array<[consumer: string, eventId: string]> = [];
    first.subscribe(eventType, 'workers', async (event) => void seen.push(['first', event.eventId]));
    second.subscribe(eventType, 'workers', async (event) => void seen.push(['second', event.eventId]));
    await new Promise((resolve) => setTimeout(resolve, 100));
    for (let n = 0; n < 20; n++) await first.publish(createEvent({ eventType, source: 'test', tenantId: 'acme', data: { n } }));
    await waitFor(() => seen.length >= 20);
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(seen).toHaveLength(20);
    expect(new Set(seen.map(([, eventId]) => eventId)).size).toBe(20);
  });

  it('redelivers an event whose handler failed', async () => {
    const bus = open();
    const eventType = type();
    const attempts: string[] = [];
    bus.subscribe(eventType, 'flaky', async (event) => {
      attempts.push(event.eventId);
      if (attempts.length === 1) throw new Error('transient failure');
    });
    await new Promise((resolve) => setTimeout(resolve, 100));
    const event = createEvent({ eventType, source: 'test', tenantId: 'acme', data: {} });
    await bus.publish(event);
    await waitFor(() => attempts.length === 2);
    expect(attempts).toEqual([event.eventId, event.eventId]);
  });
});
