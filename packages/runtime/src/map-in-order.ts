/**
 * Maps a stream with up to `limit` items in flight at once and yields the results in the
 * stream's order: a slow item holds back the delivery of later ones, never their work. Once
 * the stream fails, the results already started are still delivered, then the failure.
 * Ending the stream ends the mapping (its `return()` cannot interrupt a pending read).
 */
export async function* mapInOrder<T, R>(source: AsyncIterable<T>, map: (item: T) => Promise<R>, limit: number): AsyncGenerator<R> {
  if (!(limit >= 1)) throw new RangeError(`mapInOrder needs a limit of at least 1, got ${limit}`);
  const started: Array<Promise<R>> = [];
  let ended = false;
  let failure: { error: unknown } | undefined;
  let closed = false;
  let resultReady: (() => void) | undefined;
  let roomMade: (() => void) | undefined;

  void (async () => {
    try {
      for await (const item of source) {
        const result = map(item);
        result.catch(() => undefined); // observed when its turn comes
        started.push(result);
        resultReady?.();
        while (started.length >= limit && !closed) await new Promise<void>((resolve) => (roomMade = resolve));
        if (closed) break;
      }
    } catch (error) {
      failure = { error };
    } finally {
      ended = true;
      resultReady?.();
    }
  })();

  try {
    while (true) {
      if (started.length) {
        // Stays counted as in flight until it has settled.
        const value = await started[0]!;
        started.shift();
        roomMade?.();
        yield value;
      } else if (ended) {
        if (failure) throw failure.error;
        return;
      } else {
        await new Promise<void>((resolve) => (resultReady = resolve));
      }
    }
  } finally {
    closed = true;
    roomMade?.();
  }
}
