import { randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { comparePositions, createEvent, InProcessBus, RedisStreamsBus, type EventBus, type EventEnvelope } from './events.ts';
import { dropRedisPrefix, silentLogger, testRedisPrefix, testRedisUrl } from './testing/index.ts';

const waitFor = async (condition: () => boolean, timeoutMs = 10_000) => {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
};

const redisUrl = testRedisUrl();
const prefix = testRedisPrefix();
const otherPrefix = testRedisPrefix();
const buses: EventBus[] = [];
afterEach(async () => {
  await Promise.all(buses.splice(0).map((bus) => bus.close()));
});
afterAll(async () => {
  if (!redisUrl) return;
  await Promise.all([dropRedisPrefix(redisUrl, prefix), dropRedisPrefix(redisUrl, otherPrefix)]);
});

const redisBus = (keyPrefix = prefix) => new RedisStreamsBus({ logger: silentLogger, service: 'test', reclaimIdleMs: 200 }, { url: redisUrl!, prefix: keyPrefix });
const implementations: Array<[string, () => EventBus]> = [['in-process', () => new InProcessBus(silentLogger)]];
if (redisUrl) implementations.push(['redis streams', () => redisBus()]);

describe.each(implementations)('%s event bus', (_name, createBus) => {
  const open = () => {
    const bus = createBus();
    buses.push(bus);
    return bus;
  };
  const type = () => `test.${randomUUID()}`;

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

  it('hands a batch handler the events that arrive together', async () => {
    const bus = open();
    const eventType = type();
    const batches: string[][] = [];
    bus.subscribeBatch(eventType, 'read-model', async (events) => void batches.push(events.map((event) => event.eventId)));
    await new Promise((resolve) => setTimeout(resolve, 100));
    const events = Array.from({ length: 20 }, () => createEvent({ eventType, source: 'test', tenantId: 'acme', data: {} }));
    await Promise.all(events.map((event) => bus.publish(event)));
    await waitFor(() => new Set(batches.flat()).size === events.length);
    expect(batches.length).toBeLessThan(events.length);
  });

  it('delivers the events of a batch that failed again, losing none', async () => {
    const bus = open();
    const eventType = type();
    const handled = new Set<string>();
    let failures = 0;
    bus.subscribeBatch(eventType, 'read-model', async (events) => {
      if (failures++ === 0) throw new Error('transient failure');
      for (const event of events) handled.add(event.eventId);
    });
    await new Promise((resolve) => setTimeout(resolve, 100));
    const events = Array.from({ length: 20 }, () => createEvent({ eventType, source: 'test', tenantId: 'acme', data: {} }));
    await Promise.all(events.map((event) => bus.publish(event)));
    await waitFor(() => handled.size === events.length);
    expect(handled).toEqual(new Set(events.map((event) => event.eventId)));
  });

  it('does not let one event that always fails hold back the others of its batch', async () => {
    const bus = open();
    const eventType = type();
    const handled = new Set<string>();
    const poison = createEvent({ eventType, source: 'test', tenantId: 'acme', data: { poison: true } });
    bus.subscribeBatch(eventType, 'read-model', async (events) => {
      if (events.some((event) => event.eventId === poison.eventId)) throw new Error('cannot be handled');
      for (const event of events) handled.add(event.eventId);
    });
    await new Promise((resolve) => setTimeout(resolve, 100));
    const good = Array.from({ length: 10 }, () => createEvent({ eventType, source: 'test', tenantId: 'acme', data: {} }));
    await Promise.all([poison, ...good].map((event) => bus.publish(event)));
    await waitFor(() => good.every((event) => handled.has(event.eventId)));
    expect(handled.has(poison.eventId)).toBe(false);
  });
});

describe.runIf(redisUrl)('redis streams delivery tracking', () => {
  const open = (keyPrefix = prefix) => {
    const bus = redisBus(keyPrefix);
    buses.push(bus);
    return bus;
  };

  it('keeps deployments on different REDIS_PREFIXes apart: same event type, same group, no crossing', async () => {
    const eventType = `test.${randomUUID()}`;
    const [mine, theirs] = [open(prefix), open(otherPrefix)];
    const seen = { mine: [] as string[], theirs: [] as string[] };
    mine.subscribe(eventType, 'judgment', async (event) => void seen.mine.push(event.eventId));
    theirs.subscribe(eventType, 'judgment', async (event) => void seen.theirs.push(event.eventId));
    await new Promise((resolve) => setTimeout(resolve, 100));
    const ours = createEvent({ eventType, source: 'test', tenantId: 'acme', data: {} });
    const other = createEvent({ eventType, source: 'test', tenantId: 'acme', data: {} });
    await mine.publish(ours);
    await theirs.publish(other);
    await waitFor(() => seen.mine.length === 1 && seen.theirs.length === 1);
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(seen).toEqual({ mine: [ours.eventId], theirs: [other.eventId] });
    const redis = new Redis(redisUrl!);
    expect(await redis.exists(`${prefix}events:${eventType}`, `${otherPrefix}events:${eventType}`)).toBe(2);
    redis.disconnect();
  });

  it('reports how far every group has got, holding back at an event a group has not acknowledged', async () => {
    const eventType = `test.${randomUUID()}`;
    const bus = open();
    let failing = true;
    bus.subscribe(eventType, 'steady', async () => {});
    bus.subscribe(eventType, 'stuck', async () => {
      if (failing) throw new Error('not yet');
    });
    await new Promise((resolve) => setTimeout(resolve, 100));
    const first = await bus.publish(createEvent({ eventType, source: 'test', tenantId: 'acme', data: {} }));
    await expect.poll(async () => (await bus.progress!(eventType)).doneBefore).toBeDefined();
    // The stuck group holds the event pending: nothing is done before it.
    await expect.poll(async () => (await bus.progress!(eventType)).doneBefore).toBe(first.position);
    failing = false;
    await expect.poll(async () => comparePositions((await bus.progress!(eventType)).doneBefore!, first.position), { timeout: 10_000 }).toBeGreaterThan(0);
    expect((await bus.progress!(eventType)).epoch).toBe(first.epoch);
  });

  it('starts a new epoch when Redis has lost its data, and publishes again an event it had seen', async () => {
    const keyPrefix = testRedisPrefix();
    const bus = open(keyPrefix);
    const eventType = `test.${randomUUID()}`;
    const event = createEvent({ eventType, source: 'test', tenantId: 'acme', data: {} });
    const before = await bus.publish(event);
    expect(await bus.publish(event)).toEqual(before);
    // What a Redis restarted without persistence looks like to this prefix: nothing.
    await dropRedisPrefix(redisUrl!, keyPrefix);
    const after = await bus.publish(event);
    expect(after.epoch).not.toBe(before.epoch);
    expect((await bus.progress!(eventType)).epoch).toBe(after.epoch);
    await dropRedisPrefix(redisUrl!, keyPrefix);
  });
});
