import { boundedStream, type BoundedStream } from './bounded-stream.ts';
import { AppError } from './errors.ts';
import type { Logger } from './logger.ts';
import { connectRedis } from './redis.ts';

/** Notices one subscriber may leave untaken before its subscription ends as too slow. */
export const MAX_UNTAKEN_NOTICES = 1000;

/**
 * Live updates for subscriptions, by channel and tenant: Redis pub/sub fans them out to every
 * replica, else they stay in this process. Publishing never throws and never waits for a
 * subscriber; a subscriber that falls more than MAX_UNTAKEN_NOTICES behind is ended with
 * SUBSCRIBER_TOO_SLOW.
 */
export interface LiveUpdates {
  publish(channel: string, tenantId: string, payload: unknown): void;
  subscribe<TPayload>(channel: string, tenantId: string): AsyncGenerator<TPayload>;
  close(): Promise<void>;
}

/** Streams listening to each topic (`<channel>:<tenantId>`). */
class Listeners {
  private readonly byTopic = new Map<string, Set<BoundedStream<unknown>>>();

  /** True when it is the topic's first listener. */
  add(topic: string, listener: BoundedStream<unknown>): boolean {
    const listeners = this.byTopic.get(topic);
    if (!listeners) {
      this.byTopic.set(topic, new Set([listener]));
      return true;
    }
    listeners.add(listener);
    return false;
  }

  /** True when it was the topic's last listener. */
  remove(topic: string, listener: BoundedStream<unknown>): boolean {
    const listeners = this.byTopic.get(topic);
    if (!listeners?.delete(listener) || listeners.size) return false;
    this.byTopic.delete(topic);
    return true;
  }

  deliver(topic: string, payload: unknown): void {
    for (const listener of this.byTopic.get(topic) ?? []) listener.push(payload);
  }

  /** Ends every listener of the topic with the error; the next to listen starts the topic afresh. */
  failAll(topic: string, error: Error): void {
    const listeners = this.byTopic.get(topic) ?? [];
    this.byTopic.delete(topic);
    for (const listener of listeners) listener.fail(error);
  }
}

/** Every service hosted in one process shares the in-process topics, as replicas share Redis. */
const inProcess = new Listeners();

export function createLiveUpdates(options: { redisUrl?: string; logger: Logger; service: string }): LiveUpdates {
  const { logger } = options;
  const listeners = options.redisUrl ? new Listeners() : inProcess;
  const publisher = options.redisUrl ? connectRedis(options.redisUrl, logger, `${options.service}-pub`) : undefined;
  const subscriber = options.redisUrl ? connectRedis(options.redisUrl, logger, `${options.service}-sub`) : undefined;
  subscriber?.on('message', (topic: string, message: string) => {
    try {
      listeners.deliver(topic, JSON.parse(message));
    } catch (error) {
      logger.warn({ err: error, topic }, 'live notice is not JSON; skipped');
    }
  });

  return {
    publish(channel, tenantId, payload) {
      const topic = `${channel}:${tenantId}`;
      if (!publisher) return listeners.deliver(topic, payload);
      // What was stored is safe either way; only its live notice is missed while Redis is away.
      publisher.publish(topic, JSON.stringify(payload)).catch((error: unknown) => logger.warn({ err: error, topic }, 'live notice not published'));
    },
    subscribe<TPayload>(channel: string, tenantId: string) {
      const topic = `${channel}:${tenantId}`;
      const notices: BoundedStream<unknown> = boundedStream({
        limit: MAX_UNTAKEN_NOTICES,
        overflow: () =>
          new AppError('SUBSCRIBER_TOO_SLOW', `Subscription closed: it fell more than ${MAX_UNTAKEN_NOTICES} notices behind ${channel}. Subscribe again.`),
        detach: () => {
          if (listeners.remove(topic, notices)) subscriber?.unsubscribe(topic).catch((error: unknown) => logger.warn({ err: error, topic }, 'live unsubscribe failed'));
        },
      });
      if (listeners.add(topic, notices)) {
        subscriber?.subscribe(topic).catch((error: unknown) => {
          logger.warn({ err: error, topic }, 'live subscribe failed');
          listeners.failAll(topic, new AppError('LIVE_UPDATES_UNAVAILABLE', `Live updates of ${channel} are unavailable right now (${error instanceof Error ? error.message : String(error)}). Subscribe again later.`));
        });
      }
      return notices.stream as AsyncGenerator<TPayload>;
    },
    async close() {
      await Promise.allSettled([publisher?.quit(), subscriber?.quit()]);
    },
  };
}
