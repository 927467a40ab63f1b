import { LRUCache } from 'lru-cache';
import type { Logger } from './logger.ts';
import { connectRedis, type Redis } from './redis.ts';

/** A result cache shared by a service's replicas (Redis) or kept in this process. */
export interface Cache {
  get<T>(key: string): Promise<T | undefined>;
  set(key: string, value: unknown, ttlSeconds: number): Promise<void>;
  close(): Promise<void>;
}

export function createCache(options: { redisUrl?: string; namespace: string; logger: Logger; maxEntries?: number }): Cache {
  if (options.redisUrl) return redisCache(connectRedis(options.redisUrl, options.logger, `${options.namespace}-cache`), options);
  const entries = new LRUCache<string, { value: unknown }>({ max: options.maxEntries ?? 50_000 });
  return {
    get: async <T>(key: string) => entries.get(key)?.value as T | undefined,
    set: async (key, value, ttlSeconds) => void entries.set(key, { value }, { ttl: ttlSeconds * 1000 }),
    close: async () => entries.clear(),
  };
}

/** A cache that cannot be read is a miss, and one that cannot be written is skipped: never an error. */
function redisCache(redis: Redis, options: { namespace: string; logger: Logger }): Cache {
  const prefixed = (key: string) => `cache:${options.namespace}:${key}`;
  return {
    async get<T>(key: string) {
      try {
        const raw = await redis.get(prefixed(key));
        return raw === null ? undefined : (JSON.parse(raw) as T);
      } catch (error) {
        options.logger.warn({ err: error }, 'cache read failed; treating as a miss');
        return undefined;
      }
    },
    async set(key, value, ttlSeconds) {
      try {
        await redis.set(prefixed(key), JSON.stringify(value), 'EX', ttlSeconds);
      } catch (error) {
        options.logger.warn({ err: error }, 'cache write failed; continuing without it');
      }
    },
    close: async () => {
      await redis.quit().catch(() => undefined);
    },
  };
}
