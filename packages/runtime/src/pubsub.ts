import { createRedisEventTarget } from '@graphql-yoga/redis-event-target';
import { createPubSub, type PubSub } from 'graphql-yoga';
import type { Logger } from './logger.ts';
import { connectRedis } from './redis.ts';

export type { PubSub };

/** Channels for live updates; Redis fans them out across replicas, else they stay in this process. */
export interface LivePubSub<TChannels extends Record<string, [unknown] | [string | number, unknown]>> {
  pubsub: PubSub<TChannels>;
  close(): Promise<void>;
}

const processEventTarget = new EventTarget();

export function createLivePubSub<TChannels extends Record<string, [unknown] | [string | number, unknown]>>(options: {
  redisUrl?: string;
  logger: Logger;
  service: string;
}): LivePubSub<TChannels> {
  if (!options.redisUrl) {
    return { pubsub: createPubSub<TChannels>({ eventTarget: processEventTarget as never }), close: async () => {} };
  }
  const publishClient = connectRedis(options.redisUrl, options.logger, `${options.service}-pub`);
  const subscribeClient = connectRedis(options.redisUrl, options.logger, `${options.service}-sub`);
  return {
    pubsub: createPubSub<TChannels>({ eventTarget: createRedisEventTarget({ publishClient, subscribeClient }) }),
    close: async () => {
      await Promise.allSettled([publishClient.quit(), subscribeClient.quit()]);
    },
  };
}
