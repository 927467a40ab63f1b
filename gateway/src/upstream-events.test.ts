import type { Client, Sink } from 'graphql-ws';
import { describe, expect, it } from 'vitest';
import { upstreamEvents } from './upstream-events.ts';

/** The one graphql-ws client method the stream uses, driven by the test. */
function subgraphClient() {
  const state = { sink: undefined as Sink | undefined, unsubscribed: 0 };
  const client: Pick<Client, 'subscribe'> = {
    subscribe: (_payload, sink) => {
      state.sink = sink as Sink;
      return () => void state.unsubscribed++;
    },
  };
  return { client, state };
}

const payload = { query: 'subscription { judgmentCompleted { id } }' };

describe('upstream events', () => {
  it('passes events in order, then the end of the stream', async () => {
    const { client, state } = subgraphClient();
    const events = upstreamEvents(client, payload);
    state.sink!.next({ data: { n: 1 } });
    state.sink!.next({ data: { n: 2 } });
    const pending = events.next();
    expect(await pending).toEqual({ value: { data: { n: 1 } }, done: false });
    expect(await events.next()).toEqual({ value: { data: { n: 2 } }, done: false });
    const waiting = events.next();
    state.sink!.complete();
    expect(await waiting).toEqual({ value: undefined, done: true });
  });

  it('fails with SUBSCRIBER_TOO_SLOW, after the events it holds, once more than the limit wait', async () => {
    const { client, state } = subgraphClient();
    const events = upstreamEvents(client, payload, 2);
    for (let n = 1; n <= 3; n++) state.sink!.next({ data: { n } });
    expect(state.unsubscribed).toBe(1);
    expect((await events.next()).value).toEqual({ data: { n: 1 } });
    expect((await events.next()).value).toEqual({ data: { n: 2 } });
    await expect(events.next()).rejects.toMatchObject({ extensions: { code: 'SUBSCRIBER_TOO_SLOW' } });
    expect(await events.next()).toEqual({ value: undefined, done: true });
  });

  it('unsubscribes and ends a pending read when closed', async () => {
    const { client, state } = subgraphClient();
    const events = upstreamEvents(client, payload);
    const pending = events.next();
    await events.return(undefined);
    expect(await pending).toEqual({ value: undefined, done: true });
    expect(state.unsubscribed).toBe(1);
  });

  it('passes the subgraph’s error on', async () => {
    const { client, state } = subgraphClient();
    const events = upstreamEvents(client, payload);
    const pending = events.next();
    state.sink!.error({ code: 1006, reason: '' });
    await expect(pending).rejects.toEqual({ code: 1006, reason: '' });
  });
});
