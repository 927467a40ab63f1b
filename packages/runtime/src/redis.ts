import { Redis } from 'ioredis';
import type { Logger } from './logger.ts';

export type { Redis };

export function connectRedis(url: string, logger: Logger, name: string): Redis {
  const client = new Redis(url, {
    connectionName: `judgify-${name}`,
    maxRetriesPerRequest: 3,
    enableAutoPipelining: true,
  });
  client.on('error', (error) => logger.warn({ err: error, redis: name }, 'redis connection error'));
  return client;
}
