import type { ExecutionResult } from 'graphql';
import { describe, expect, it } from 'vitest';
import { SubscriptionHub } from './subscription-hub.ts';

/** A source the test feeds by hand, recording whether it was opened and closed. */
function manualSource() {
  const pending: Array<(result: IteratorResult<ExecutionResult>) => void> = [];
  const backlog: ExecutionResult[] = [];
  const state = { opened: 0, closed: 0 };
  const open = () => {
    state.opened++;
    const source: AsyncGenerator<ExecutionResult> = {
      next: () => {
        const ready = backlog.shift();
        return ready ? Promise.resolve({ value: ready, done: false }) : new Promise((resolve) => pending.push(resolve));
      },
      return: async () => {
        state.closed++;
        for (const resolve of pending.splice(0)) resolve({ value: undefined, done: true });
        return { value: undefined, done: true };
      },
      throw: async (error) => Promise.reject(error),
      [Symbol.asyncIterator]() {
        return this;
      },
    };
    return source;
  };
  const emit = (n: number) => {
    const result = { data: { n } };
    const waiting = pending.shift();
    if (waiting) waiting({ value: result, done: false });
    else backlog.push(result);
  };
  return { open, emit, state };
}

const tick = () => new Promise((resolve) => setTimeout(resolve, 5));

describe('subscription hub', () => {
  it('starts a subscriber who joins a stream of states late with its latest state, and an event stream with nothing old', async () => {
    const states = manualSource();
    const hub = new SubscriptionHub();
    const first = hub.subscribe('dashboard', states.open, { replaysLatest: true });
    states.emit(1);
    expect((await first.next()).value).toEqual({ data: { n: 1 } });
    states.emit(2);
    expect((await first.next()).value).toEqual({ data: { n: 2 } });
    const late = hub.subscribe('dashboard', states.open, { replaysLatest: true });
    expect((await late.next()).value).toEqual({ data: { n: 2 } });
    expect(states.state.opened).toBe(1);

    const events = manualSource();
    const early = hub.subscribe('judgments', events.open);
    events.emit(1);
    await early.next();
    const joiner = hub.subscribe('judgments', events.open);
    events.emit(2);
    expect((await joiner.next()).value).toEqual({ data: { n: 2 } });
    await Promise.all([first.return(undefined), late.return(undefined), early.return(undefined), joiner.return(undefined)]);
  });

  it('shares one upstream between subscribers of the same key and closes it after the last leaves', async () => {
    const hub = new SubscriptionHub();
    const source = manualSource();
    const first = hub.subscribe('tenant:acme|op', source.open);
    const second = hub.subscribe('tenant:acme|op', source.open);
    const other = hub.subscribe('tenant:globex|op', manualSource().open);
    expect(source.state.opened).toBe(1);
    expect(hub.upstreams).toBe(2);

    const a = first.next();
    const b = second.next();
    source.emit(1);
    expect((await a).value).toEqual({ data: { n: 1 } });
    expect((await b).value).toEqual({ data: { n: 1 } });

    await first.return(undefined);
    expect(source.state.closed).toBe(0);
    await second.return(undefined);
    expect(source.state.closed).toBe(1);
    expect(hub.upstreams).toBe(1);
    await other.return(undefined);
    expect(hub.upstreams).toBe(0);
  });

  it('ends a subscriber that falls too far behind, without holding back the others', async () => {
    let dropped = 0;
    const hub = new SubscriptionHub(3, () => dropped++);
    const source = manualSource();
    const slow = hub.subscribe('k', source.open);
    const fast = hub.subscribe('k', source.open);
    const seenByFast: unknown[] = [];
    const reading = (async () => {
      for await (const result of fast) {
        seenByFast.push(result.data?.n);
        if (seenByFast.length === 6) return;
      }
    })();
    void slow.next();
    await tick();
    for (let n = 1; n <= 6; n++) {
      source.emit(n);
      await tick();
    }
    await reading;
    expect(seenByFast).toEqual([1, 2, 3, 4, 5, 6]);
    await expect(slow.next()).rejects.toMatchObject({ extensions: { code: 'SUBSCRIBER_TOO_SLOW' } });
    expect(dropped).toBe(1);
  });

  it('passes an upstream failure to every subscriber', async () => {
    const hub = new SubscriptionHub();
    const failing = async function* (): AsyncGenerator<ExecutionResult> {
      yield { data: { n: 1 } };
      throw new Error('subgraph went away');
    };
    const one = hub.subscribe('k', failing);
    const two = hub.subscribe('k', failing);
    expect((await one.next()).value).toEqual({ data: { n: 1 } });
    expect((await two.next()).value).toEqual({ data: { n: 1 } });
    await expect(one.next()).rejects.toThrow('The upstream subscription failed: subgraph went away');
    await expect(two.next()).rejects.toThrow('The upstream subscription failed: subgraph went away');
    expect(hub.upstreams).toBe(0);
  });
});
