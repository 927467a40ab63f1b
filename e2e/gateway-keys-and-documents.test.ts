import { createHash, randomUUID } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { generateGatewayKeyPem, loadGatewayKey, publicKeySet } from '@judgify/runtime/gateway-keys';
import type { Identity } from '@judgify/runtime/identity';
import { createSupergraphClient } from '@judgify/runtime/supergraph-client';
import { exampleWorkflowDefinition, silentLogger, testRedisUrl } from '@judgify/runtime/testing';
import { createClient } from 'graphql-ws';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { createDelegation } from '../gateway/src/delegation.ts';
import { EXPLORER_DEFAULT_QUERY } from '../gateway/src/explorer.ts';
import { graphql, signToken } from './client.ts';
import { startPlatform, startProcess, type Platform, type RunningProcess } from './platform.ts';

const sha256 = (text: string) => createHash('sha256').update(text).digest('hex');

let platform: Platform;
const tenant = `keys-${randomUUID().slice(0, 8)}`;
const operator: Identity = { userId: 'otto', tenantId: tenant, roles: ['operator'] };
const admin: Identity = { userId: 'ada', tenantId: tenant, roles: ['admin'] };

beforeAll(async () => {
  platform = await startPlatform({ logLevel: 'info' });
});
afterAll(() => platform?.stop());

const workflowsQuery = 'query Workflows { workflows(first: 5) { id name } }';

function manifestFile(operations: Array<{ name: string; type: string; body: string }>, raw?: string): string {
  const path = join(mkdtempSync(join(tmpdir(), 'judgify-manifest-')), 'manifest.json');
  const manifest = { format: 'apollo-persisted-query-manifest', version: 1, operations: operations.map((operation) => ({ id: sha256(operation.body), ...operation })) };
  writeFileSync(path, raw ?? JSON.stringify(manifest));
  return path;
}

describe('asymmetric forwarded identity', () => {
  it('publishes the public keys on the gateway, and a subgraph verifying through that route answers', async () => {
    const jwks = await (await fetch(`${platform.gateway.url}/.well-known/jwks.json`)).json();
    expect(jwks).toEqual({ keys: [expect.objectContaining({ kty: 'OKP', crv: 'Ed25519', alg: 'EdDSA', kid: platform.gatewayKey.kid, use: 'sig' })] });
    expect(JSON.stringify(jwks)).not.toContain('"d"');
    const workflow = await platform.startSubgraphReplica('workflow', { GATEWAY_PUBLIC_KEYS: '', GATEWAY_JWKS_URL: `${platform.gateway.url}/.well-known/jwks.json` });
    const gateway = await platform.startGatewayReplica({ workflow });
    const result = await graphql(gateway.url, '{ workflows(first: 1) { id } }', { token: await signToken(admin, platform.jwtSecret) });
    expect(result.body).toEqual({ data: { workflows: [] } });
  });

  it('rotates: subgraphs given the current and the previous key accept both gateways, one given only the old key refuses the new', async () => {
    const oldKey = platform.gatewayKey;
    const newPem = generateGatewayKeyPem();
    const newKey = await loadGatewayKey(newPem);
    // The previous key is what the platform's gateways sign with; the test has it as PEM only through the key object.
    const oldPem = oldKey.privateKey.export({ format: 'pem', type: 'pkcs8' }) as string;
    const both = await platform.startSubgraphReplica('workflow', { GATEWAY_PUBLIC_KEYS: JSON.stringify(publicKeySet([newKey, oldKey])) });
    const rotated = await platform.startGatewayReplica({ workflow: both }, { GATEWAY_SIGNING_KEY: newPem, GATEWAY_PREVIOUS_SIGNING_KEY: oldPem });
    const before = await platform.startGatewayReplica({ workflow: both });
    const token = await signToken(admin, platform.jwtSecret);
    for (const gateway of [rotated, before]) {
      expect((await graphql(gateway.url, '{ workflows(first: 1) { id } }', { token })).body.errors, gateway.url).toBeUndefined();
    }
    expect((await (await fetch(`${rotated.url}/.well-known/jwks.json`)).json()).keys.map((key: { kid: string }) => key.kid)).toEqual([newKey.kid, oldKey.kid]);
    // The original workflow process still knows only the old key.
    const unrotated = await platform.startGatewayReplica({}, { GATEWAY_SIGNING_KEY: newPem, GATEWAY_PREVIOUS_SIGNING_KEY: oldPem });
    const refused = await graphql(unrotated.url, '{ workflows(first: 1) { id } }', { token });
    expect(refused.body.errors?.[0]).toMatchObject({ extensions: { code: 'DOWNSTREAM_SERVICE_ERROR', serviceName: 'workflow' } });
  });

  it('refuses to start a gateway without a signing key, or with one it cannot use, naming the problem', async () => {
    const { spawnSync } = await import('node:child_process');
    const run = (env: Record<string, string>) =>
      spawnSync(process.execPath, ['--import', 'tsx', 'gateway/src/server.ts'], {
        cwd: new URL('..', import.meta.url).pathname,
        env: { ...process.env, GATEWAY_PORT: '0', GATEWAY_SIGNING_KEY: '', GATEWAY_SIGNING_KEY_FILE: '', ...env },
        encoding: 'utf8',
        timeout: 60_000,
      });
    const missing = run({});
    expect(missing.status).toBe(1);
    expect(missing.stderr).toContain('GATEWAY_SIGNING_KEY: GATEWAY_SIGNING_KEY or GATEWAY_SIGNING_KEY_FILE is required');
    const rsa = (await import('node:crypto')).generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey.export({ format: 'pem', type: 'pkcs8' }) as string;
    const wrongKind = run({ GATEWAY_SIGNING_KEY: rsa });
    expect(wrongKind.status).toBe(1);
    expect(wrongKind.stderr).toContain('GATEWAY_SIGNING_KEY: an Ed25519 or P-256 key is required; got rsa');
  });
});

describe.runIf(testRedisUrl())('read-your-writes across replicas', () => {
  it('judges, through another gateway and another judgment replica, on the version an update just returned', async () => {
    const judgmentY = await platform.startSubgraphReplica('judgment');
    const gatewayB = await platform.startGatewayReplica({ judgment: judgmentY });
    // A tenant of its own: the tests of trusted documents expect theirs to hold no workflows.
    const adminToken = await signToken({ ...admin, tenantId: `${tenant}-ryw` }, platform.jwtSecret);
    const operatorToken = await signToken({ ...operator, tenantId: `${tenant}-ryw` }, platform.jwtSecret);
    const created = await graphql(platform.gateway.url, `mutation($input: CreateWorkflowInput!) { createWorkflow(input: $input) { id } }`, {
      token: adminToken,
      variables: { input: { name: 'Replicated line', definition: exampleWorkflowDefinition } },
    });
    const id = created.body.data?.createWorkflow.id as string;
    for (let round = 1; round <= 5; round++) {
      const label = `STOP_${round}`;
      const definition = { ...exampleWorkflowDefinition, nodes: exampleWorkflowDefinition.nodes.map((node) => (node.id === 'stop' ? { ...node, decision: label } : node)) };
      const updated = await graphql(platform.gateway.url, `mutation($id: ID!, $input: UpdateWorkflowInput!) { updateWorkflow(id: $id, input: $input) { version } }`, {
        token: adminToken,
        variables: { id, input: { definition } },
      });
      const judged = await graphql(gatewayB.url, `mutation($input: ExecuteJudgmentInput!) { executeJudgment(input: $input) { workflowVersion decision } }`, {
        token: operatorToken,
        variables: { input: { workflowId: id, inputData: { temperature: 90, vibration: 60, round } } },
      });
      expect(judged.body.data?.executeJudgment).toEqual({ workflowVersion: updated.body.data?.updateWorkflow.version, decision: label });
    }
  });
});

describe('trusted documents in require mode', () => {
  let gateway: RunningProcess;
  let tokens: { operator: string; admin: string };
  const registered = { name: 'Workflows', type: 'query', body: workflowsQuery };

  beforeAll(async () => {
    gateway = await platform.startGatewayReplica(
      {},
      { TRUSTED_DOCUMENTS: 'require', TRUSTED_DOCUMENTS_MANIFEST: manifestFile([registered]), TRUSTED_DOCUMENTS_ADMIN_BYPASS: 'true' },
    );
    tokens = { operator: await signToken(operator, platform.jwtSecret), admin: await signToken(admin, platform.jwtSecret) };
  });

  const post = async (body: object, token: string) => {
    const response = await fetch(`${gateway.url}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'application/graphql-response+json', authorization: `Bearer ${token}` },
      body: JSON.stringify(body),
    });
    return { status: response.status, body: (await response.json()) as { data?: any; errors?: Array<{ message: string; extensions?: Record<string, unknown> }> } };
  };

  it('runs registered operations by id or text, the explorer’s tabs and schema, and refuses arbitrary documents', async () => {
    expect((await post({ documentId: `sha256:${sha256(workflowsQuery)}` }, tokens.operator)).body).toEqual({ data: { workflows: [] } });
    expect((await post({ query: workflowsQuery }, tokens.operator)).body).toEqual({ data: { workflows: [] } });
    expect((await post({ query: EXPLORER_DEFAULT_QUERY }, tokens.operator)).body.errors).toBeUndefined();
    expect((await post({ query: '{ __schema { queryType { name } } }' }, tokens.operator)).body).toEqual({ data: { __schema: { queryType: { name: 'Query' } } } });
    const arbitrary = await post({ query: '{ workflows(first: 100) { id definition } }' }, tokens.operator);
    expect(arbitrary.status).toBe(400);
    expect(arbitrary.body.errors?.[0]).toMatchObject({
      message: 'This gateway runs only trusted documents (TRUSTED_DOCUMENTS=require): send a registered operation by its "documentId" instead of arbitrary query text.',
      extensions: { code: 'PERSISTED_QUERY_REQUIRED' },
    });
    const query = '{ workflows(first: 2) { id } }';
    const apq = await post({ query, extensions: { persistedQuery: { version: 1, sha256Hash: sha256(query) } } }, tokens.operator);
    expect(apq.body.errors?.[0]?.extensions?.code).toBe('PERSISTED_QUERY_REQUIRED');
    const unknown = await post({ documentId: `sha256:${sha256('nothing registered')}` }, tokens.operator);
    expect(unknown.body.errors?.[0]?.message).toBe(`No trusted document with documentId "sha256:${sha256('nothing registered')}" is registered on this gateway.`);
    const mismatch = await post({ documentId: `sha256:${sha256(workflowsQuery)}`, query }, tokens.operator);
    expect(mismatch.body.errors?.[0]?.extensions?.code).toBe('BAD_REQUEST');
  });

  it('lets admins send arbitrary documents when configured, and platform services read on a user’s behalf, never write', async () => {
    expect((await post({ query: '{ workflows(first: 100) { id definition } }' }, tokens.admin)).body.errors).toBeUndefined();
    const delegation = createDelegation({ keys: [platform.gatewayKey], ttlSeconds: 60 });
    const bi = createSupergraphClient({ url: gateway.url, service: 'bi', logger: silentLogger });
    const read = await bi.execute({ delegation: delegation.mint(operator, 'bi', 'r1'), requestId: 'r1' }, '{ workflows(first: 7) { id } }');
    expect(read).toEqual({ data: { workflows: [] } });
    const write = await bi.execute({ delegation: delegation.mint(operator, 'bi', 'r2'), requestId: 'r2' }, 'mutation { createDashboard(input: { name: "side door" }) { id } }');
    expect(write.errors?.[0]?.extensions?.code).toBe('PERSISTED_QUERY_REQUIRED');
  });

  it('applies the same rule over WebSocket', async () => {
    const client = createClient({ url: `${gateway.url.replace(/^http/, 'ws')}/graphql`, webSocketImpl: WebSocket, retryAttempts: 0, connectionParams: { authorization: `Bearer ${tokens.operator}` } });
    const refused = await new Promise<unknown>((resolve) =>
      client.subscribe({ query: 'subscription { judgmentCompleted { id } }' }, { next: resolve, error: resolve, complete: () => resolve('complete') }),
    );
    expect(JSON.stringify(refused)).toContain('PERSISTED_QUERY_REQUIRED');
    const allowed = await new Promise<unknown>((resolve) => client.subscribe({ query: workflowsQuery }, { next: resolve, error: resolve, complete: () => resolve('complete') }));
    expect(allowed).toEqual({ data: { workflows: [] } });
    await client.dispose();
  });

  it('refuses to start with a malformed manifest, naming the entry and the reason', async () => {
    const broken = manifestFile([], JSON.stringify({ format: 'apollo-persisted-query-manifest', version: 1, operations: [{ id: sha256('x'), name: 'Workflows', type: 'query', body: workflowsQuery }] }));
    const started = startProcess('gateway', 'gateway/src/server.ts', {
      GATEWAY_SIGNING_KEY: platform.gatewayKey.privateKey.export({ format: 'pem', type: 'pkcs8' }) as string,
      GATEWAY_PORT: '0',
      TRUSTED_DOCUMENTS_MANIFEST: broken,
    });
    await expect(started).rejects.toThrow(/exited with 1/);
    await expect(started).rejects.toThrow(`${broken}: operations[0] ("Workflows"): "id" is not the sha256 of "body" (the body hashes to ${sha256(workflowsQuery)})`);
  });
});
