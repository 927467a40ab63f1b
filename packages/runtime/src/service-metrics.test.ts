import { randomUUID } from 'node:crypto';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { countedCache, createMemoryCache } from './cache.ts';
import { createEvent, InProcessBus, RedisStreamsBus, type EventBus } from './events.ts';
import { Registry, scrapedGauge } from './metrics.ts';
import { registerServiceMetrics } from './service-metrics.ts';
import { dropRedisPrefix, silentLogger, testRedisPrefix, testRedisUrl } from './testing/index.ts';

/** The value of one series in a registry's exposition, or undefined when it has none. */
async function valueOf(registry: Registry, series: string): Promise<number | undefined> {
  const line = (await registry.metrics()).split('\n').find((text) => text.startsWith(`${series} `));
  return line === undefined ? undefined : Number(line.slice(series.length + 1));
}

const waitFor = async (condition: () => Promise<boolean>, timeoutMs = 10_000) => {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
};

describe('scrapedGauge', () => {
  it('reads at most once per maxAgeMs, however many scrape', async () => {
    const registry = new Registry();
    let reads = 0;
    scrapedGauge({ name: 'reads', help: 'test', registry, maxAgeMs: 60_000, read: async () => [{ value: ++reads }] });
    await Promise.all([registry.metrics(), registry.metrics()]);
    await registry.metrics();
    expect(reads).toBe(1);
    expect(await valueOf(registry, 'reads')).toBe(1);
  });

  it('keeps its last reading when a read fails or hangs, and never fails the scrape', async () => {
    const registry = new Registry();
    const errors: unknown[] = [];
    let behave: 'answer' | 'fail' | 'hang' = 'answer';
    scrapedGauge({
      name: 'flaky',
      help: 'test',
      labelNames: ['stream'],
      registry,
      maxAgeMs: 0,
      timeoutMs: 50,
      read: async () => {
        if (behave === 'fail') throw new Error('database down');
        if (behave === 'hang') await new Promise(() => {});
        return [{ labels: { stream: 'a' }, value: 7 }];
      },
      onError: (error) => errors.push(error),
    });
    expect(await valueOf(registry, 'flaky{stream="a"}')).toBe(7);
    behave = 'fail';
    expect(await valueOf(registry, 'flaky{stream="a"}')).toBe(7);
    behave = 'hang';
    const started = performance.now();
    expect(await valueOf(registry, 'flaky{stream="a"}')).toBe(7);
    expect(performance.now() - started).toBeLessThan(1_000);
    expect(errors.map((error) => (error as Error).message)).toEqual(['database down', 'flaky: no reading within 50 ms']);
  });
});

describe('cache_requests_total', () => {
  it('counts each lookup of a counted cache as a hit or a miss, under its name', async () => {
    const registry = new Registry();
    const cache = countedCache(createMemoryCache(), 'apq', registry);
    await cache.set('known', { query: '{ a }' }, 60);
    await cache.get('known');
    await cache.get('known');
    await cache.get('unknown');
    expect(await valueOf(registry, 'cache_requests_total{cache="apq",result="hit"}')).toBe(2);
    expect(await valueOf(registry, 'cache_requests_total{cache="apq",result="miss"}')).toBe(1);
    // A second cache on the same registry shares the counter.
    await countedCache(createMemoryCache(), 'judgment', registry).get('x');
    expect(await valueOf(registry, 'cache_requests_total{cache="judgment",result="miss"}')).toBe(1);
  });
});

describe('database_connections_active and outbox_backlog', () => {
  it('reads the pool and the outbox when scraped', async () => {
    const registry = new Registry();
    let active = 0;
    let backlog = 0;
    registerServiceMetrics(registry, {
      service: 'test',
      logger: silentLogger,
      database: { activeConnections: () => active },
      outbox: { backlog: async () => backlog },
      readEveryMs: 0,
    });
    expect(await valueOf(registry, 'database_connections_active')).toBe(0);
    expect(await valueOf(registry, 'outbox_backlog')).toBe(0);
    [active, backlog] = [3, 12];
    expect(await valueOf(registry, 'database_connections_active')).toBe(3);
    expect(await valueOf(registry, 'outbox_backlog')).toBe(12);
  });

  it('leaves out what the service does not have', async () => {
    const registry = new Registry();
    registerServiceMetrics(registry, { service: 'gateway', logger: silentLogger });
    expect((await registry.metrics()).trim()).toBe('');
  });
});

const redisUrl = testRedisUrl();
const prefix = testRedisPrefix();
const buses: EventBus[] = [];
afterEach(async () => {
  await Promise.all(buses.splice(0).map((bus) => bus.close()));
});
afterAll(async () => {
  if (redisUrl) await dropRedisPrefix(redisUrl, prefix);
});
const implementations: Array<[string, () => EventBus]> = [['in-process', () => new InProcessBus(silentLogger)]];
if (redisUrl) implementations.push(['redis streams', () => new RedisStreamsBus({ logger: silentLogger, service: 'test' }, { url: redisUrl, prefix })]);

describe.each(implementations)('event_consumer_lag on the %s bus', (_name, createBus) => {
  it('counts the events a group has not handled yet, per stream and group', async () => {
    const bus = createBus();
    buses.push(bus);
    const eventType = `test.${randomUUID()}`;
    let release!: () => void;
    const held = new Promise<void>((resolve) => (release = resolve));
    // The group is named after the service: on the in-process bus, shared by a process's services, each reports its own.
    bus.subscribe(eventType, 'billing', () => held);
    bus.subscribe(eventType, 'someone-else', async () => {});
    const registry = new Registry();
    registerServiceMetrics(registry, { service: 'billing', logger: silentLogger, bus, readEveryMs: 0 });
    const series = `event_consumer_lag{event_type="${eventType}",group="billing"}`;
    if (bus.kind === 'redis') await waitFor(async () => (await valueOf(registry, series)) === 0);
    for (let index = 0; index < 3; index++) await bus.publish(createEvent({ eventType, source: 'test', tenantId: 'acme', data: { index } }));
    await waitFor(async () => (await valueOf(registry, series)) === 3);
    release();
    await waitFor(async () => (await valueOf(registry, series)) === 0);
    if (bus.kind === 'in-process') expect(await registry.metrics()).not.toContain('someone-else');
  });
});
