import { LRUCache } from 'lru-cache';
import type { Logger } from './logger.ts';
import { connectRedis, outageLog, type RedisTarget } from './redis.ts';

/**
 * The latest version of an entity, announced by its owner as a write commits, before the write
 * answers. A read model that learns of writes from events can lag them; comparing against the
 * fence tells it to wait for the event rather than answer from a version older than one the
 * caller may already have seen (read-your-writes across services and replicas).
 */
export interface VersionFence {
  /** Raises the entity's announced version (never lowers it). Never throws: without the fence, readers only lose the guarantee. */
  raise(kind: string, tenantId: string, id: string, version: number): Promise<void>;
  /** The highest announced version; undefined when none was announced or the fence cannot be read. */
  latest(kind: string, tenantId: string, id: string): Promise<number | undefined>;
  close(): Promise<void>;
}

/** Long after any event has arrived; a read model offline longer than this may answer from an older version. */
const FENCE_TTL_SECONDS = 24 * 3600;

const RAISE = `
local current = tonumber(redis.call('GET', KEYS[1]) or '0')
if tonumber(ARGV[1]) > current then redis.call('SET', KEYS[1], ARGV[1], 'EX', ARGV[2]) else redis.call('EXPIRE', KEYS[1], ARGV[2]) end`;

/** Every service hosted in one process shares the in-process fence, as replicas share Redis. */
const inProcess = new LRUCache<string, number>({ max: 100_000, ttl: FENCE_TTL_SECONDS * 1000 });

export function createVersionFence(options: { redis?: RedisTarget; logger: Logger; service: string }): VersionFence {
  const keyOf = (kind: string, tenantId: string, id: string) => `${options.redis?.prefix ?? ''}fence:${kind}:${tenantId}:${id}`;
  if (!options.redis) {
    return {
      raise: async (kind, tenantId, id, version) => {
        const key = keyOf(kind, tenantId, id);
        if (version > (inProcess.get(key) ?? 0)) inProcess.set(key, version);
      },
      latest: async (kind, tenantId, id) => inProcess.get(keyOf(kind, tenantId, id)),
      close: async () => {},
    };
  }
  const redis = connectRedis(options.redis.url, options.logger, `${options.service}-fence`);
  const raising = outageLog(options.logger, 'announcing versions', 'reads right after a write may see the version before it until Redis returns');
  const reading = outageLog(options.logger, 'reading announced versions', 'answering from the local read model, which may lag the latest write');
  return {
    async raise(kind, tenantId, id, version) {
      try {
        await redis.eval(RAISE, 1, keyOf(kind, tenantId, id), String(version), String(FENCE_TTL_SECONDS));
        raising.succeeded();
      } catch (error) {
        raising.failed(error);
      }
    },
    async latest(kind, tenantId, id) {
      try {
        const value = await redis.get(keyOf(kind, tenantId, id));
        reading.succeeded();
        return value === null ? undefined : Number(value);
      } catch (error) {
        reading.failed(error);
        return undefined;
      }
    },
    close: async () => {
      await redis.quit().catch(() => undefined);
    },
  };
}
