import { describe, expect, it } from 'vitest';
import { createMetrics } from './metrics.ts';
import { countedCache, createCache, createMemoryCache, type Cache } from './cache.ts';
import { dropRedisPrefix, silentLogger, testRedisPrefix, testRedisUrl } from './testing/index.ts';

async function readsAndWritesMany(cache: Cache) {
  await cache.set('a', { n: 1 }, 60);
  await cache.setMany([['b', { n: 2 }], ['c', [3]]], 60);
  expect(await cache.getMany(['a', 'missing', 'b', 'c'])).toEqual([{ n: 1 }, undefined, { n: 2 }, [3]]);
  expect(await cache.get('c')).toEqual([3]);
  expect(await cache.getMany([])).toEqual([]);
  await cache.setMany([], 60);
}

describe('cache getMany / setMany', () => {
  it('reads and writes several entries at once in memory, counting each lookup', async () => {
    const metrics = createMetrics('test');
    const cache = countedCache(createMemoryCache(), 'many', metrics.registry);
    await readsAndWritesMany(cache);
    const text = await metrics.registry.metrics();
    expect(text).toContain('cache_requests_total{cache="many",result="hit",service="test"} 4');
    expect(text).toContain('cache_requests_total{cache="many",result="miss",service="test"} 1');
  });

  it.skipIf(!testRedisUrl())('does so on Redis, in one round trip each (MGET, a pipeline)', async () => {
    const url = testRedisUrl()!;
    const prefix = testRedisPrefix();
    const cache = createCache({ redis: { url, prefix }, namespace: 'many', logger: silentLogger });
    try {
      await readsAndWritesMany(cache);
    } finally {
      await cache.close();
      await dropRedisPrefix(url, prefix);
    }
  });
});
