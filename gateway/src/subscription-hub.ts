import { GraphQLError, type ExecutionResult } from 'graphql';
import { closableStream } from '@judgify/runtime/closable-stream';
import { AppError } from '@judgify/runtime/errors';
import { sharePayload } from './shared-payloads.ts';

export const DEFAULT_MAX_BUFFERED = 100;

/** Why a subscriber was dropped: it fell further behind than its buffer allows. */
export const tooSlow = (limit: number) =>
  new AppError('SUBSCRIBER_TOO_SLOW', `Subscription closed: this client fell more than ${limit} events behind. Resubscribe when you can keep up.`);

interface Subscriber {
  queue: ExecutionResult[];
  /** Resolves the subscriber's pending `next()`, if it is waiting. */
  wake?: () => void;
  failure?: GraphQLError;
  done: boolean;
}

interface SharedStream {
  subscribers: Set<Subscriber>;
  source: AsyncGenerator<ExecutionResult>;
  /** For a stream whose every event is the whole current state: the latest, for subscribers who join later. */
  latest?: ExecutionResult;
  replaysLatest: boolean;
}

/**
 * Subscribers asking the same thing (the caller's key: operation, variables, tenant, roles)
 * share one upstream: it is opened by the first, each event is resolved once and copied to
 * every subscriber's bounded buffer (marked shared, so sockets serialize it once), and it is
 * closed when the last one leaves. A subscriber that lets its buffer overflow is ended with
 * SUBSCRIBER_TOO_SLOW; the others never wait for it. A stream of states (`replaysLatest`: every
 * event is the whole current state, as a live dashboard's) starts a subscriber who joins later
 * with its latest event, as the first one started with its snapshot.
 */
export class SubscriptionHub {
  private readonly streams = new Map<string, SharedStream>();

  constructor(
    private readonly maxBuffered = DEFAULT_MAX_BUFFERED,
    private readonly onTooSlow: () => void = () => undefined,
  ) {}

  /** How many upstreams are open. */
  get upstreams(): number {
    return this.streams.size;
  }

  subscribe(key: string, open: () => AsyncGenerator<ExecutionResult>, options: { replaysLatest?: boolean } = {}): AsyncGenerator<ExecutionResult> {
    let stream = this.streams.get(key);
    if (!stream) {
      stream = { subscribers: new Set(), source: open(), replaysLatest: Boolean(options.replaysLatest) };
      this.streams.set(key, stream);
      void this.pump(key, stream);
    }
    const subscriber: Subscriber = { queue: stream.latest ? [stream.latest] : [], done: false };
    stream.subscribers.add(subscriber);
    return this.listen(key, stream, subscriber);
  }

  private async pump(key: string, stream: SharedStream): Promise<void> {
    let failure: GraphQLError | undefined;
    try {
      for await (const result of stream.source) {
        sharePayload(result);
        if (stream.replaysLatest) stream.latest = result;
        for (const subscriber of stream.subscribers) {
          if (subscriber.queue.length >= this.maxBuffered) {
            subscriber.failure = tooSlow(this.maxBuffered);
            this.onTooSlow();
            subscriber.queue.length = 0;
            stream.subscribers.delete(subscriber);
          } else {
            subscriber.queue.push(result);
          }
          subscriber.wake?.();
        }
        if (!stream.subscribers.size) break;
      }
    } catch (error) {
      failure = error instanceof GraphQLError ? error : new GraphQLError(`The upstream subscription failed: ${error instanceof Error ? error.message : String(error)}`);
    } finally {
      if (this.streams.get(key) === stream) this.streams.delete(key);
      for (const subscriber of stream.subscribers) {
        subscriber.failure ??= failure;
        subscriber.done = true;
        subscriber.wake?.();
      }
    }
  }

  /** Leaving (return) must release the subscriber, and maybe the upstream, even before its first read. */
  private listen(key: string, stream: SharedStream, subscriber: Subscriber): AsyncGenerator<ExecutionResult> {
    const leave = async (): Promise<IteratorReturnResult<undefined>> => {
      subscriber.done = true;
      subscriber.wake?.();
      if (stream.subscribers.delete(subscriber) && !stream.subscribers.size && this.streams.get(key) === stream) {
        this.streams.delete(key);
        await stream.source.return(undefined);
      }
      return { value: undefined, done: true };
    };
    const next = async (): Promise<IteratorResult<ExecutionResult>> => {
      while (true) {
        const value = subscriber.queue.shift();
        if (value) return { value, done: false };
        if (subscriber.failure) {
          const failure = subscriber.failure;
          await leave();
          throw failure;
        }
        if (subscriber.done) return leave();
        await new Promise<void>((resolve) => (subscriber.wake = resolve));
        subscriber.wake = undefined;
      }
    };
    return closableStream(next, leave);
  }
}
