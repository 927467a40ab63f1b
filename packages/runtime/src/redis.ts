import { Redis } from 'ioredis';
import type { Logger } from './logger.ts';

export type { Redis };

/** A Redis server and the prefix every key and channel of this deployment carries (REDIS_PREFIX). */
export interface RedisTarget {
  url: string;
  prefix: string;
}

/** How long a command on the request path may take before it counts as failed: Redis is then treated as down. */
export const REDIS_COMMAND_TIMEOUT_MS = 100;

/**
 * What a connection is for:
 * - `commands`, on the request path (caches, limits, fences, publishing): a command fails at once
 *   while disconnected and after REDIS_COMMAND_TIMEOUT_MS when Redis hangs, so callers degrade
 *   instead of waiting;
 * - `blocking`, for loops that block on reads (stream consumers): commands wait for a reconnect;
 * - `subscriber`, for pub/sub: channels are not resubscribed behind the listeners' back, because
 *   what was published in between is lost and they must be told.
 */
export type RedisRole = 'commands' | 'blocking' | 'subscriber';

const pendingConnections = new Set<Promise<boolean>>();

export function connectRedis(url: string, logger: Logger, name: string, role: RedisRole = 'commands'): Redis {
  const client = new Redis(url, {
    connectionName: `judgify-${name}`,
    enableAutoPipelining: role === 'commands',
    // Queued only while the first connection is being made, so a service's first commands wait
    // for it; from the first success or failure on, a command fails at once while disconnected.
    enableOfflineQueue: true,
    maxRetriesPerRequest: role === 'blocking' ? null : 0,
    commandTimeout: role === 'blocking' ? undefined : role === 'commands' ? REDIS_COMMAND_TIMEOUT_MS : 1_000,
    autoResubscribe: role !== 'subscriber',
    // Reconnect soon after Redis returns: events and limits catch up within a second.
    retryStrategy: (attempt) => Math.min(attempt * 100, 1_000),
  });
  if (role !== 'blocking') {
    const failFast = () => void (client.options.enableOfflineQueue = false);
    client.once('ready', failFast);
    client.once('error', failFast);
  }
  let down = false;
  client.on('error', (error) => {
    // ioredis reports every failed reconnect; one line per outage is enough.
    if (down) return;
    down = true;
    logger.warn({ err: error, redis: name }, 'redis unreachable; degrading until it returns');
  });
  client.on('ready', () => {
    if (!down) return;
    down = false;
    logger.info({ redis: name }, 'redis reachable again');
  });
  const connected = new Promise<boolean>((resolve) => {
    client.once('ready', () => resolve(true));
    client.once('end', () => resolve(false));
  });
  pendingConnections.add(connected);
  void connected.finally(() => pendingConnections.delete(connected));
  return client;
}

/**
 * Waits (at most `timeoutMs`) for every Redis connection opened so far to be ready, so a service
 * starts serving with its caches, limits and live updates connected; past the bound it starts
 * degraded, as it would run if Redis went away later.
 */
export async function redisConnectionsReady(timeoutMs = 3_000): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  await Promise.race([
    Promise.all([...pendingConnections]),
    new Promise<void>((resolve) => {
      timer = setTimeout(resolve, timeoutMs);
    }),
  ]);
  clearTimeout(timer);
}

/** Logs the first failure of a degraded path and its recovery, not every failed call in between. */
export function outageLog(logger: Logger, what: string, consequence: string) {
  let failing = false;
  return {
    failed(error: unknown): void {
      if (failing) return;
      failing = true;
      logger.warn({ err: error }, `${what} failed; ${consequence}`);
    },
    succeeded(): void {
      if (!failing) return;
      failing = false;
      logger.info(`${what} works again`);
    },
  };
}
