/**
 * An async iterator object rather than an async generator: a generator's `return()` waits for a
 * pending `next()`, and one never started skips its `finally`. This one runs `close` at once.
 */
export function closableStream<T>(next: () => Promise<IteratorResult<T>>, close: () => Promise<unknown>): AsyncGenerator<T> {
  const stream = {
    next,
    return: async () => {
      await close();
      return { value: undefined, done: true };
    },
    throw: async (error: unknown) => {
      await close();
      throw error;
    },
    [Symbol.asyncIterator]: () => stream,
  } as AsyncGenerator<T>;
  return stream;
}
