import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { GraphQLDataSourceProcessOptions } from '@apollo/gateway';
import { createLocalJWKSet } from 'jose';
import { generateGatewayKeyPem, loadGatewayKey } from '@judgify/runtime/gateway-keys';
import { createIdentityMinter, verifyForwardedIdentity } from '@judgify/runtime/forwarded-identity';
import { audienceOf, IDENTITY_HEADER, type Identity } from '@judgify/runtime/identity';
import { createMetrics } from '@judgify/runtime/metrics';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { GatewayContext } from './context.ts';
import { SubgraphDataSource, subgraphMetrics } from './subgraph-data-source.ts';
import { createSubgraphHttp } from './subgraph-http.ts';

const key = await loadGatewayKey(generateGatewayKeyPem());
const mintIdentity = createIdentityMinter(key);

/** A subgraph that answers, once released (`releaseWhen`), with who asked (from the verified identity token) and how many calls it had. */
let calls = 0;
let waiting: Array<() => void> = [];
const subgraph: Server = createServer((req, res) => {
  const chunks: Buffer[] = [];
  req.on('data', (chunk: Buffer) => chunks.push(chunk));
  req.on('end', () => {
    calls++;
    void answer(req, res, Buffer.concat(chunks).toString());
  });
});
const echoCaller = async (req: IncomingMessage, res: ServerResponse, body: string) => {
  await new Promise<void>((release) => waiting.push(release));
  const verified = await verifyForwardedIdentity(String(req.headers[IDENTITY_HEADER]), createLocalJWKSet({ keys: [key.publicJwk] }), audienceOf('workflow'));
  const caller = verified.ok ? verified.identity : undefined;
  res.writeHead(200, { 'content-type': 'application/json' });
  res.end(JSON.stringify({ data: { me: { userId: caller?.userId, tenantId: caller?.tenantId, roles: caller?.roles, query: JSON.parse(body).query } } }));
};
let answer = echoCaller;
let url: string;
const http = createSubgraphHttp();
const metrics = subgraphMetrics(createMetrics('test').registry);

beforeAll(async () => {
  await new Promise<void>((resolve) => subgraph.listen(0, '127.0.0.1', resolve));
  url = `http://127.0.0.1:${(subgraph.address() as AddressInfo).port}/graphql`;
});
afterAll(async () => {
  http.close();
  await new Promise((resolve) => subgraph.close(resolve));
});
beforeEach(() => {
  calls = 0;
  waiting = [];
  answer = echoCaller;
});

const source = (overrides: { deduplicate?: boolean; timeoutMs?: number } = {}) =>
  new SubgraphDataSource({
    name: 'workflow',
    url,
    http,
    mintIdentity,
    mintGrant: () => 'grant',
    timeoutMs: overrides.timeoutMs ?? 5_000,
    deduplicate: overrides.deduplicate ?? true,
    metrics,
  });

const call = (dataSource: SubgraphDataSource, identity: Identity, query = '{ me { userId } }') =>
  dataSource.process({
    kind: 'incoming operation',
    request: { query, variables: {} },
    context: { identity, requestId: 'r' },
    incomingRequestContext: {} as never,
  } as unknown as GraphQLDataSourceProcessOptions<GatewayContext>);

/** Waits until the subgraph holds `count` requests, then answers them all. */
async function releaseWhen(count: number) {
  while (waiting.length < count) await new Promise((resolve) => setTimeout(resolve, 5));
  for (const release of waiting) release();
}

const alice: Identity = { userId: 'alice', tenantId: 'acme', roles: ['viewer'] };

describe('SubgraphDataSource', () => {
  it('sends identical queries in flight for one identity once, and gives each caller a copy of its own', async () => {
    const dataSource = source();
    const pending = Array.from({ length: 5 }, () => call(dataSource, alice));
    await releaseWhen(1);
    const results = await Promise.all(pending);
    expect(calls).toBe(1);
    for (const result of results) expect(result.data).toEqual({ me: { userId: 'alice', tenantId: 'acme', roles: ['viewer'], query: '{ me { userId } }' } });
    (results[0]!.data as { me: { userId: string } }).me.userId = 'changed by one caller';
    expect((results[1]!.data as { me: { userId: string } }).me.userId).toBe('alice');
  });

  it('never joins a query of another user, tenant or role set: each gets what was fetched for it', async () => {
    const dataSource = source();
    const callers: Identity[] = [alice, { ...alice, userId: 'bob' }, { ...alice, tenantId: 'globex' }, { ...alice, roles: ['admin'] }, { ...alice, via: ['judgment'] }];
    const pending = callers.map((identity) => call(dataSource, identity));
    await releaseWhen(callers.length);
    const results = await Promise.all(pending);
    expect(calls).toBe(callers.length);
    results.forEach((result, index) => {
      const { userId, tenantId, roles } = callers[index]!;
      expect(result.data).toMatchObject({ me: { userId, tenantId, roles } });
    });
  });

  it('sends every mutation, and every query when deduplication is off', async () => {
    const mutations = [call(source(), alice, 'mutation { me { userId } }'), call(source(), alice, 'mutation { me { userId } }')];
    const dataSource = source();
    await releaseWhen(2);
    await Promise.all(mutations);
    expect(calls).toBe(2);
    calls = 0;
    waiting = [];
    const undeduplicated = source({ deduplicate: false });
    const queries = [call(undeduplicated, alice), call(undeduplicated, alice)];
    await releaseWhen(2);
    await Promise.all(queries);
    expect(calls).toBe(2);
    // Done: nothing of these stays joinable.
    calls = 0;
    waiting = [];
    const later = call(dataSource, alice);
    await releaseWhen(1);
    await later;
    expect(calls).toBe(1);
  });

  it('names the service, never its URL, when it times out, fails or answers with something else', async () => {
    answer = async () => {};
    await expect(call(source({ timeoutMs: 50 }), alice)).rejects.toMatchObject({
      message: 'The workflow service did not answer within 50 ms.',
      extensions: { code: 'DOWNSTREAM_SERVICE_ERROR', serviceName: 'workflow' },
    });
    answer = async (_req, res) => {
      res.writeHead(502, { 'content-type': 'text/html' });
      res.end('<html>bad gateway</html>');
    };
    await expect(call(source(), alice)).rejects.toMatchObject({ message: 'The workflow service failed to answer (HTTP 502).' });
    answer = async (_req, res) => {
      res.writeHead(400, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ errors: [{ message: 'Variable "$first" got invalid value -1.', extensions: { code: 'BAD_USER_INPUT' } }] }));
    };
    await expect(call(source(), alice)).rejects.toMatchObject({ message: 'Variable "$first" got invalid value -1.', extensions: { code: 'BAD_USER_INPUT', serviceName: 'workflow' } });
    answer = async (_req, res) => {
      res.writeHead(200, { 'content-type': 'text/plain' });
      res.end('ok');
    };
    await expect(call(source(), alice)).rejects.toMatchObject({ message: 'The workflow service answered with something other than a GraphQL response.' });
    const unreachable = new SubgraphDataSource({ name: 'bi', url: 'http://127.0.0.1:1/graphql', http, mintIdentity, mintGrant: () => 'grant', timeoutMs: 1000, deduplicate: true, metrics });
    await expect(call(unreachable, alice)).rejects.toMatchObject({ message: 'The bi service is unreachable.' });
  });
});
