import { describe, expect, it } from 'vitest';
import { boundedStream } from './bounded-stream.ts';

function source(limit = 2) {
  const state = { detached: 0 };
  const bounded = boundedStream<number>({ limit, overflow: () => new Error('too slow'), detach: () => void state.detached++ });
  return { ...bounded, state };
}

describe('boundedStream', () => {
  it('hands out what was pushed, in order, then the end', async () => {
    const { push, end, stream } = source();
    push(1);
    const second = stream.next().then(() => stream.next());
    push(2);
    end();
    expect(await second).toEqual({ value: 2, done: false });
    expect(await stream.next()).toEqual({ value: undefined, done: true });
  });

  it('holds at most its limit: past it the consumer gets what is held, then the overflow, and the source is detached once', async () => {
    const { push, stream, state } = source(2);
    expect(() => [1, 2, 3, 4].forEach(push)).not.toThrow();
    expect(state.detached).toBe(1);
    expect((await stream.next()).value).toBe(1);
    expect((await stream.next()).value).toBe(2);
    await expect(stream.next()).rejects.toThrow('too slow');
    expect(await stream.next()).toEqual({ value: undefined, done: true });
    await stream.return(undefined);
    expect(state.detached).toBe(1);
  });

  it('ends a pending read when the consumer leaves', async () => {
    const { push, stream, state } = source(1);
    const pending = stream.next();
    await stream.return(undefined);
    expect(await pending).toEqual({ value: undefined, done: true });
    expect(state.detached).toBe(1);
    push(1);
    expect(await stream.next()).toEqual({ value: undefined, done: true });
  });

  it('forgets an overflow the consumer had not taken when it leaves', async () => {
    const { push, stream } = source(1);
    push(1);
    push(2);
    await stream.return(undefined);
    expect(await stream.next()).toEqual({ value: undefined, done: true });
  });
});
