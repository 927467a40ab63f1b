import { LRUCache } from 'lru-cache';
import type { Registry } from 'prom-client';
import type { Logger } from './logger.ts';
import { cacheRequests } from './metrics.ts';
import { connectRedis, outageLog, type Redis, type RedisTarget } from './redis.ts';

/** A result cache shared by a service's replicas (Redis) or kept in this process. */
export interface Cache {
  get<T>(key: string): Promise<T | undefined>;
  set(key: string, value: unknown, ttlSeconds: number): Promise<void>;
  /** Several keys at once, in one round trip on Redis (MGET): undefined where there is none. */
  getMany<T>(keys: readonly string[]): Promise<Array<T | undefined>>;
  /** Several entries at once, in one round trip on Redis (a pipeline). */
  setMany(entries: ReadonlyArray<readonly [key: string, value: unknown]>, ttlSeconds: number): Promise<void>;
  close(): Promise<void>;
}

/** With a registry, its lookups are counted as `cache_requests_total{cache=<namespace>}`. */
export function createCache(options: { redis?: RedisTarget; namespace: string; logger: Logger; maxEntries?: number; registry?: Registry }): Cache {
  let cache: Cache;
  if (options.redis) {
    const client = connectRedis(options.redis.url, options.logger, `${options.namespace}-cache`);
    cache = redisCache(client, `${options.redis.prefix}cache:${options.namespace}:`, options.logger);
  } else {
    cache = createMemoryCache(options.maxEntries);
  }
  return options.registry ? countedCache(cache, options.namespace, options.registry) : cache;
}

/** The cache, with each lookup counted as a hit or a miss in `cache_requests_total{cache=name}`. */
export function countedCache(cache: Cache, name: string, registry: Registry): Cache {
  const requests = cacheRequests(registry);
  const hit = requests.labels({ cache: name, result: 'hit' });
  const miss = requests.labels({ cache: name, result: 'miss' });
  return {
    async get<T>(key: string) {
      const value = await cache.get<T>(key);
      (value === undefined ? miss : hit).inc();
      return value;
    },
    async getMany<T>(keys: readonly string[]) {
      const values = await cache.getMany<T>(keys);
      for (const value of values) (value === undefined ? miss : hit).inc();
      return values;
    },
    set: (key, value, ttlSeconds) => cache.set(key, value, ttlSeconds),
    setMany: (entries, ttlSeconds) => cache.setMany(entries, ttlSeconds),
    close: () => cache.close(),
  };
}

/** A cache in this process only. */
export function createMemoryCache(maxEntries = 50_000): Cache {
  const entries = new LRUCache<string, { value: unknown }>({ max: maxEntries });
  return {
    get: async <T>(key: string) => entries.get(key)?.value as T | undefined,
    getMany: async <T>(keys: readonly string[]) => keys.map((key) => entries.get(key)?.value as T | undefined),
    set: async (key, value, ttlSeconds) => void entries.set(key, { value }, { ttl: ttlSeconds * 1000 }),
    setMany: async (many, ttlSeconds) => {
      for (const [key, value] of many) entries.set(key, { value }, { ttl: ttlSeconds * 1000 });
    },
    close: async () => entries.clear(),
  };
}

/**
 * A cache that cannot be read is a miss, and one that cannot be written is skipped: never an
 * error, and never a wait beyond the connection's short command timeout.
 */
function redisCache(redis: Redis, prefix: string, logger: Logger): Cache {
  const outage = outageLog(logger, 'the result cache', 'serving without it (every lookup a miss)');
  return {
    async get<T>(key: string) {
      try {
        const raw = await redis.get(prefix + key);
        outage.succeeded();
        return raw === null ? undefined : (JSON.parse(raw) as T);
      } catch (error) {
        outage.failed(error);
        return undefined;
      }
    },
    async getMany<T>(keys: readonly string[]) {
      if (!keys.length) return [];
      try {
        const raws = await redis.mget(keys.map((key) => prefix + key));
        outage.succeeded();
        return raws.map((raw) => (raw === null ? undefined : (JSON.parse(raw) as T)));
      } catch (error) {
        outage.failed(error);
        return keys.map(() => undefined);
      }
    },
    async set(key, value, ttlSeconds) {
      try {
        await redis.set(prefix + key, JSON.stringify(value), 'EX', ttlSeconds);
      } catch (error) {
        outage.failed(error);
      }
    },
    async setMany(entries, ttlSeconds) {
      if (!entries.length) return;
      const pipeline = redis.pipeline();
      for (const [key, value] of entries) pipeline.set(prefix + key, JSON.stringify(value), 'EX', ttlSeconds);
      try {
        // exec() resolves with each command's own error, if any; a failed write is only a skipped one.
        await pipeline.exec();
      } catch (error) {
        outage.failed(error);
      }
    },
    close: async () => {
      await redis.quit().catch(() => undefined);
    },
  };
}
