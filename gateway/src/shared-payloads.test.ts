import { GraphQLError, parse, type ExecutionResult } from 'graphql';
import { makeServer, type WebSocket } from 'graphql-ws';
import { describe, expect, it } from 'vitest';
import { FRAGMENT_BYTES, framesOf, payloadReference, referencesInFlight, sharePayload } from './shared-payloads.ts';

const pause = () => new Promise((resolve) => setTimeout(resolve, 5));

/**
 * graphql-ws's own server wired as the gateway wires it (onNext → payloadReference), with every
 * subscription answered by the given results; the test reads what each socket is handed.
 */
function serverOf(results: ExecutionResult[]) {
  const server = makeServer({
    onSubscribe: () => ({ schema: undefined as never, document: parse('subscription { live }') }),
    subscribe: async function* () {
      for (const result of results) yield sharePayload(result);
    },
    onNext: (_context, _id, _payload, _args, result) => payloadReference(result),
  });
  return async function connect(operationId: string) {
    const written: string[] = [];
    let receive: (data: string) => Promise<void> = async () => undefined;
    const socket: WebSocket = {
      protocol: 'graphql-transport-ws',
      send: (data) => void written.push(data),
      close: () => undefined,
      onMessage: (handler) => void (receive = handler),
    };
    server.opened(socket, {});
    await receive(JSON.stringify({ type: 'connection_init' }));
    await receive(JSON.stringify({ id: operationId, type: 'subscribe', payload: { query: 'subscription { live }' } }));
    await pause();
    return written.filter((message) => message.includes('"next"'));
  };
}

const asText = (frames: ReturnType<typeof framesOf>) => (typeof frames === 'string' ? frames : `${frames[0]}${frames[1].toString()}${frames[2]}`);

describe('shared payloads', () => {
  it('writes exactly the message graphql-ws would, for every subscriber of a shared result', async () => {
    const result: ExecutionResult = { data: { live: { id: 'e-1', decision: 'STOP_LINE', note: 'ünïcode ✓' } } };
    const expected = JSON.parse(JSON.stringify(result));
    const connect = serverOf([result]);
    for (const id of ['first', 'second']) {
      const [message] = await connect(id);
      expect(message).not.toContain('STOP_LINE'); // graphql-ws wrote a reference, not the data
      expect(JSON.parse(asText(framesOf(message!)))).toEqual({ id, type: 'next', payload: expected });
    }
    expect(referencesInFlight()).toBe(0);
  });

  it('frames a large payload once, as one Buffer every socket shares', async () => {
    const result: ExecutionResult = { data: { live: { blob: 'x'.repeat(FRAGMENT_BYTES) } } };
    const connect = serverOf([result]);
    const frames = [(await connect('a'))[0]!, (await connect('b'))[0]!].map(framesOf);
    expect(frames.every(Array.isArray)).toBe(true);
    const [[headA, shared, tail], [headB, sharedAgain]] = frames as [[string, Buffer, string], [string, Buffer, string]];
    expect(sharedAgain).toBe(shared);
    expect(headA).toBe('{"id":"a","type":"next","payload":');
    expect(headB).toBe('{"id":"b","type":"next","payload":');
    expect(tail).toBe('}');
    expect(JSON.parse(shared.toString())).toEqual(result);
  });

  it('keeps errors as graphql-ws formats them', async () => {
    const result: ExecutionResult = { data: null, errors: [new GraphQLError('The judgment subgraph is unavailable', { extensions: { code: 'DOWNSTREAM_SERVICE_ERROR' } })] };
    const [message] = await serverOf([result])('x');
    expect(JSON.parse(asText(framesOf(message!))).payload).toEqual({ data: null, errors: [{ message: 'The judgment subgraph is unavailable', extensions: { code: 'DOWNSTREAM_SERVICE_ERROR' } }] });
  });

  it('leaves a shared result as it is for everyone else (Server-Sent Events, logs)', () => {
    const result = sharePayload({ data: { live: 1 } });
    expect(JSON.stringify(result)).toBe('{"data":{"live":1}}');
    expect(JSON.stringify({ payload: result })).toBe('{"payload":{"data":{"live":1}}}');
    expect(payloadReference({ data: { live: 1 } })).toBeUndefined();
  });

  it('lets a reference copied into data, once its message is written, stand for nothing', async () => {
    const [message] = await serverOf([{ data: { live: 'secret of another tenant' } }])('victim');
    const reference = JSON.parse(message!).payload as string;
    framesOf(message!);
    const forged = JSON.stringify({ id: 'attacker', type: 'next', payload: { data: { echo: reference } } });
    expect(framesOf(forged)).toBe(forged);
    expect(framesOf('{"type":"connection_ack"}')).toBe('{"type":"connection_ack"}');
  });
});
