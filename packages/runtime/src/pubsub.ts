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

  /** The topic's listeners, new when this is its first: who to tell if starting the topic fails. */
  add(topic: string, listener: BoundedStream<unknown>): { started: boolean; listeners: Set<BoundedStream<unknown>> } {
    const listeners = this.byTopic.get(topic);
    if (listeners) return { started: false, listeners: listeners.add(listener) };
    const fresh = new Set([listener]);
    this.byTopic.set(topic, fresh);
    return { started: true, listeners: fresh };
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

  /**
   * Ends these listeners of the topic with the error, if they are still its listeners (not a
   * later start's); the next to listen starts the topic afresh. True when they were.
   */
  failAll(topic: string, listeners: Set<BoundedStream<unknown>>, error: Error): boolean {
    if (this.byTopic.get(topic) !== listeners) return false;
    this.byTopic.delete(topic);
    for (const listener of listeners) listener.fail(error);
    return true;
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
    let payload: unknown;
    try {
      payload = JSON.parse(message);
    } catch (error) {
      return logger.warn({ err: error, topic }, 'live notice is not JSON; skipped');
    }
    listeners.deliver(topic, payload);
  });
  const unsubscribe = (topic: string) =>
    subscriber?.unsubscribe(topic).catch((error: unknown) => logger.warn({ err: error, topic }, 'live unsubscribe failed'));

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
          if (listeners.remove(topic, notices)) unsubscribe(topic);
        },
      });
      const { started, listeners: joined } = listeners.add(topic, notices);
      if (started) {
        subscriber?.subscribe(topic).catch((error: unknown) => {
          // The cause stays in the log: what Redis said names hosts and ports.
          logger.warn({ err: error, topic }, 'live subscribe failed');
          const unavailable = new AppError('LIVE_UPDATES_UNAVAILABLE', `Live updates of ${channel} are unavailable right now. Subscribe again later.`);
          if (listeners.failAll(topic, joined, unavailable)) unsubscribe(topic);
        });
      }
      return notices.stream as AsyncGenerator<TPayload>;
    },
    async close() {
      await Promise.allSettled([publisher?.quit(), subscriber?.quit()]);
    },
  };
}
