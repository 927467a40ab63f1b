import { boundedStream, type BoundedStream } from './bounded-stream.ts';
import { AppError } from './errors.ts';
import type { Logger } from './logger.ts';
import { connectRedis, outageLog, type RedisTarget } from './redis.ts';

/** Notices one subscriber may leave untaken before its subscription ends as too slow. */
export const MAX_UNTAKEN_NOTICES = 1000;

/**
 * Live updates for subscriptions, by channel and tenant: Redis pub/sub fans them out to every
 * replica, else they stay in this process. Publishing never throws and never waits for a
 * subscriber; a subscriber that falls more than MAX_UNTAKEN_NOTICES behind is ended with
 * SUBSCRIBER_TOO_SLOW. When the Redis connection drops, notices published meanwhile are lost,
 * so every subscriber is ended with LIVE_UPDATES_UNAVAILABLE rather than left to miss them.
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

  /** Ends every listener of every topic; returns the topics. */
  failEverything(error: Error): string[] {
    const topics = [...this.byTopic.keys()];
    for (const [topic, listeners] of this.byTopic) this.failAll(topic, listeners, error);
    return topics;
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

export function createLiveUpdates(options: { redis?: RedisTarget; logger: Logger; service: string }): LiveUpdates {
  const { logger, redis } = options;
  const listeners = redis ? new Listeners() : inProcess;
  const publisher = redis ? connectRedis(redis.url, logger, `${options.service}-pub`) : undefined;
  const subscriber = redis ? connectRedis(redis.url, logger, `${options.service}-sub`, 'subscriber') : undefined;
  const topicOf = (channel: string, tenantId: string) => `${redis?.prefix ?? ''}${channel}:${tenantId}`;
  const publishing = outageLog(logger, 'publishing live notices', 'subscribers miss them until Redis returns (what was stored is safe)');
  subscriber?.on('message', (topic: string, message: string) => {
    let payload: unknown;
    try {
      payload = JSON.parse(message);
    } catch (error) {
      return logger.warn({ err: error, topic }, 'live notice is not JSON; skipped');
    }
    listeners.deliver(topic, payload);
  });
  let closing = false;
  let connected = false;
  subscriber?.on('ready', () => void (connected = true));
  subscriber?.on('close', () => {
    // Notices can only have been missed by a connection that was up; one that never came up refused its subscriptions.
    if (closing || !connected) return;
    connected = false;
    const interrupted = new AppError(
      'LIVE_UPDATES_UNAVAILABLE',
      'Live updates were interrupted: the connection to the event fan-out was lost, so events may have been missed. Subscribe again, and query what changed in between.',
    );
    const topics = listeners.failEverything(interrupted);
    if (topics.length) logger.warn({ topics: topics.length }, 'live updates interrupted: redis connection lost; subscribers told');
  });
  const unsubscribe = (topic: string) => {
    if (subscriber?.status !== 'ready') return;
    subscriber.unsubscribe(topic).catch((error: unknown) => logger.warn({ err: error, topic }, 'live unsubscribe failed'));
  };

  return {
    publish(channel, tenantId, payload) {
      const topic = topicOf(channel, tenantId);
      if (!publisher) return listeners.deliver(topic, payload);
      publisher.publish(topic, JSON.stringify(payload)).then(
        () => publishing.succeeded(),
        (error: unknown) => publishing.failed(error),
      );
    },
    subscribe<TPayload>(channel: string, tenantId: string) {
      const topic = topicOf(channel, tenantId);
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
      closing = true;
      await Promise.allSettled([publisher?.quit(), subscriber?.quit()]);
    },
  };
}
