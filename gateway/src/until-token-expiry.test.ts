import type { ExecutionResult } from 'graphql';
import { describe, expect, it } from 'vitest';
import { untilTokenExpiry } from './until-token-expiry.ts';

/** A stream that yields what it is given and records being closed; a pending read ends when it is. */
function stream(events: ExecutionResult[]) {
  const state = { closed: false };
  let wake: ((result: IteratorResult<ExecutionResult>) => void) | undefined;
  const source: AsyncGenerator<ExecutionResult> = {
    next: () => {
      const event = events.shift();
      if (event) return Promise.resolve({ value: event, done: false });
      return new Promise((resolve) => (wake = resolve));
    },
    return: async () => {
      state.closed = true;
      wake?.({ value: undefined, done: true });
      return { value: undefined, done: true };
    },
    throw: async (error) => Promise.reject(error),
    [Symbol.asyncIterator]() {
      return this;
    },
  } as AsyncGenerator<ExecutionResult>;
  return { source, state };
}

describe('untilTokenExpiry', () => {
  it('passes events until the token expires, then closes the stream, even mid-wait, and ends with UNAUTHENTICATED', async () => {
    const { source, state } = stream([{ data: { n: 1 } }]);
    const guarded = untilTokenExpiry(source, Date.now() + 50);
    expect(await guarded.next()).toEqual({ value: { data: { n: 1 } }, done: false });
    const last = await guarded.next(); // waits for an event that never comes
    expect(state.closed).toBe(true);
    expect(last.value?.errors?.[0]).toMatchObject({ message: 'Token expired: subscribe again with a fresh token.', extensions: { code: 'UNAUTHENTICATED' } });
    expect(await guarded.next()).toEqual({ value: undefined, done: true });
  });

  it('closes the stream when the subscriber leaves first, and leaves streams without an expiry alone', async () => {
    const { source, state } = stream([]);
    const guarded = untilTokenExpiry(source, Date.now() + 60_000);
    await guarded.return(undefined);
    expect(state.closed).toBe(true);
    const development = stream([]).source;
    expect(untilTokenExpiry(development, undefined)).toBe(development);
  });
});
