import { createServer, type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createSupergraphClient, dataOf } from './supergraph-client.ts';
import { silentLogger } from './testing/index.ts';

/** A stand-in for the gateway's HTTP side that records what a delegated call sends. */
const seen: Array<{ headers: IncomingMessage['headers']; body: unknown }> = [];
const server = createServer((request, response) => {
  let body = '';
  request.on('data', (chunk) => (body += chunk));
  request.on('end', () => {
    seen.push({ headers: request.headers, body: JSON.parse(body) });
    response.writeHead(200, { 'content-type': 'application/graphql-response+json' });
    response.end(JSON.stringify({ data: { workflows: [] } }));
  });
});
let url = '';
beforeAll(async () => {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(() => new Promise((resolve) => server.close(resolve)));

describe('supergraph client', () => {
  it('sends the grant, the request id and any narrowed roles with the operation', async () => {
    const client = createSupergraphClient({ url, service: 'bi', logger: silentLogger });
    const result = await client.execute({ delegation: 'jd1.grant', requestId: 'req-7' }, '{ workflows { id } }', { variables: { a: 1 }, roles: ['viewer'] });
    expect(result).toEqual({ data: { workflows: [] } });
    expect(seen.at(-1)).toMatchObject({
      headers: { 'x-judgify-delegation': 'jd1.grant', 'x-request-id': 'req-7', 'x-judgify-delegation-roles': 'viewer', 'content-type': 'application/json' },
      body: { query: '{ workflows { id } }', variables: { a: 1 } },
    });
  });

  it('refuses to call without a user request behind it (background work has no identity)', async () => {
    const client = createSupergraphClient({ url, service: 'learning', logger: silentLogger });
    await expect(client.execute({ requestId: 'job-1' }, '{ workflows { id } }')).rejects.toMatchObject({
      message:
        'The learning service has no user request to act for here, so it cannot call the supergraph: background work acts only on its own data, in the tenant of the event it handles.',
      extensions: { code: 'UNAUTHENTICATED' },
    });
  });

  it('names the failure when the gateway does not answer', async () => {
    const client = createSupergraphClient({ url: 'http://127.0.0.1:9', service: 'chat', logger: silentLogger, timeoutMs: 500 });
    await expect(client.execute({ delegation: 'g', requestId: 'r' }, '{ x }')).rejects.toMatchObject({ extensions: { code: 'DOWNSTREAM_SERVICE_ERROR' } });
  });

  it('turns a failed result into the error of the call, with its code', () => {
    expect(dataOf({ data: { ok: true } })).toEqual({ ok: true });
    expect(() => dataOf({ data: null, errors: [{ message: 'no', extensions: { code: 'FORBIDDEN', field: 'x' } }] })).toThrow(
      expect.objectContaining({ message: 'no', extensions: { code: 'FORBIDDEN', field: 'x' } }),
    );
  });
});
