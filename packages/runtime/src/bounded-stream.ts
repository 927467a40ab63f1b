import { closableStream } from './closable-stream.ts';

export interface BoundedStream<T> {
  push(item: T): void;
  fail(error: unknown): void;
  end(): void;
  stream: AsyncGenerator<T>;
}

/**
 * A push source (a socket, an event listener) as a pull stream holding at most `limit` items not
 * yet taken. A consumer that falls further behind gets the items it holds, then `overflow()` as
 * its error: never a buffer without end, and never an exception thrown at the one pushing.
 * `detach` stops the source; it runs once, on overflow or when the consumer leaves.
 */
export function boundedStream<T>(options: { limit: number; overflow: () => Error; detach: () => void }): BoundedStream<T> {
  const waiting: T[] = [];
  let failure: { error: unknown } | undefined;
  let ended = false;
  let detached = false;
  let wake: (() => void) | undefined;
  const notify = () => {
    wake?.();
    wake = undefined;
  };
  const detach = () => {
    if (detached) return;
    detached = true;
    options.detach();
  };
  return {
    push(item) {
      if (failure || ended) return;
      if (waiting.length < options.limit) waiting.push(item);
      else {
        failure = { error: options.overflow() };
        detach();
      }
      notify();
    },
    fail(error) {
      failure ??= { error };
      notify();
    },
    end() {
      ended = true;
      notify();
    },
    stream: closableStream<T>(
      async () => {
        for (;;) {
          if (waiting.length) return { value: waiting.shift()!, done: false };
          if (failure) {
            const { error } = failure;
            ended = true;
            failure = undefined;
            throw error;
          }
          if (ended) return { value: undefined, done: true };
          await new Promise<void>((resolve) => (wake = resolve));
        }
      },
      async () => {
        ended = true;
        failure = undefined;
        waiting.length = 0;
        detach();
        notify();
      },
    ),
  };
}
