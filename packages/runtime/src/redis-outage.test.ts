import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createCache } from './cache.ts';
import { createEvent, RedisStreamsBus } from './events.ts';
import { createLiveUpdates } from './pubsub.ts';
import { createRateLimiter } from './rate-limiter.ts';
import { silentLogger, testRedisUrl } from './testing/index.ts';
import { startOwnRedis, type OwnRedis } from './testing/redis-server.ts';
import { createVersionFence } from './version-fence.ts';

/**
 * Every use of Redis on the request path fails fast and degrades while Redis is down, and works
 * again once it returns: a Redis of this test's own (where the suites run with Redis) is killed
 * and restarted empty.
 */
const withRedis = Boolean(testRedisUrl());
let redis: OwnRedis;
beforeAll(async () => {
  if (withRedis) redis = await startOwnRedis();
});
afterAll(() => redis?.kill());

const timed = async <T>(call: () => Promise<T>) => {
  const started = performance.now();
  const result = await call();
  return { result, ms: performance.now() - started };
};

describe.runIf(withRedis)('Redis outage', () => {
  it('costs callers nothing visible: caches miss, limits count per process, fences go unread, live subscribers are told', async () => {
    const target = { url: redis.url, prefix: 'outage:' };
    const cache = createCache({ redis: target, namespace: 'test', logger: silentLogger });
    const limiter = createRateLimiter({ redis: target, logger: silentLogger, service: 'test' });
    const fence = createVersionFence({ redis: target, logger: silentLogger, service: 'test' });
    const live = createLiveUpdates({ redis: target, logger: silentLogger, service: 'test' });
    const bus = new RedisStreamsBus({ logger: silentLogger, service: 'test' }, target);
    try {
      await cache.set('k', { v: 1 }, 60);
      expect(await cache.get('k')).toEqual({ v: 1 });
      await fence.raise('workflow', 'acme', 'w1', 3);
      expect(await fence.latest('workflow', 'acme', 'w1')).toBe(3);
      const listening = live.subscribe<{ n: number }>('test.live', 'acme');
      const first = listening.next();
      await expect.poll(async () => (live.publish('test.live', 'acme', { n: 1 }), Promise.race([first, new Promise((r) => setTimeout(() => r('none'), 50))]))).not.toBe('none');
      // Expected before the kill: the rejection may come while the kill is still being awaited.
      const interrupted = expect(listening.next()).rejects.toMatchObject({ extensions: { code: 'LIVE_UPDATES_UNAVAILABLE' } });

      await redis.kill();
      await interrupted;
      const calls = [
        await timed(() => cache.get('k')),
        await timed(() => cache.set('k', 2, 60)),
        await timed(() => limiter.consume('acme:ada', [{ key: 'executeJudgment', cost: 1, limit: { points: 100, windowMs: 60_000 } }])),
        await timed(() => fence.latest('workflow', 'acme', 'w1')),
        await timed(() => fence.raise('workflow', 'acme', 'w1', 4)),
      ];
      expect(calls.map((call) => call.result)).toEqual([undefined, undefined, { allowed: true }, undefined, undefined]);
      // Failing at once while disconnected; the bound for a Redis that hangs is the 100 ms command timeout.
      for (const call of calls) expect(call.ms).toBeLessThan(1_000);
      expect(() => live.publish('test.live', 'acme', { n: 2 })).not.toThrow();
      await expect(live.subscribe('test.live', 'acme').next()).rejects.toMatchObject({ extensions: { code: 'LIVE_UPDATES_UNAVAILABLE' } });
      const publishing = await timed(() => bus.publish(createEvent({ eventType: 'test.outage', source: 'test', tenantId: 'acme', data: {} })).catch((error: Error) => error));
      expect(publishing.result).toBeInstanceOf(Error);
      expect(publishing.ms).toBeLessThan(1_000);

      await redis.start();
      await expect.poll(async () => (await cache.set('k', 3, 60), cache.get('k')), { timeout: 10_000 }).toBe(3);
      await expect.poll(() => fence.raise('workflow', 'acme', 'w1', 5).then(() => fence.latest('workflow', 'acme', 'w1')), { timeout: 10_000 }).toBe(5);
      const again = live.subscribe<{ n: number }>('test.live', 'acme');
      const next = again.next();
      await expect.poll(async () => (live.publish('test.live', 'acme', { n: 3 }), Promise.race([next, new Promise((r) => setTimeout(() => r('none'), 50))])), { timeout: 10_000 }).not.toBe('none');
      expect((await next).value).toEqual({ n: 3 });
      await again.return(undefined);
      const receipt = await bus.publish(createEvent({ eventType: 'test.outage', source: 'test', tenantId: 'acme', data: {} }));
      expect(receipt.position).toMatch(/^\d+-\d+$/);
    } finally {
      await Promise.all([cache.close(), limiter.close(), fence.close(), live.close(), bus.close()]);
    }
  });
});
