import { createHash, randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { generateGatewayKeyPem, loadGatewayKey, type GatewayKey } from '@judgify/runtime/gateway-keys';
import type { Identity } from '@judgify/runtime/identity';
import { createSupergraphClient, dataOf } from '@judgify/runtime/supergraph-client';
import { silentLogger, testRedisUrl } from '@judgify/runtime/testing';
import { serverAudits } from 'graphql-http';
import { createClient } from 'graphql-ws';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { createDelegation } from '../gateway/src/delegation.ts';
import { createExampleWorkflow, graphql, signToken } from './client.ts';
import { startEmbeddedPlatform, startPlatform, type RunningProcess } from './platform.ts';

/** Budgets small enough to reach in a test; each test that counts uses users of its own. */
const RATE_LIMITS = 'executeJudgment=3/1m,createWorkflow=20/1h,workflowChanged=1/1m,*=1000/1h';

/** Separate processes learn of workflows only through Redis: without it, only the one-process shape judges. */
const distributedJudges = Boolean(testRedisUrl());

interface Deployment {
  gateway: RunningProcess;
  jwtSecret: string;
  gatewayKey: GatewayKey;
  redisPrefix: string;
  /** Where the workflow subgraph logs (the gateway's process when embedded). */
  workflowOutput: string[];
  stop(): Promise<void>;
}

const modes: Array<[string, boolean, () => Promise<Deployment>]> = [
  [
    'a process per service',
    distributedJudges,
    async () => {
      const platform = await startPlatform({ gatewayEnv: { RATE_LIMITS } });
      return { ...platform, workflowOutput: platform.subgraphs.workflow.output };
    },
  ],
  [
    'npm start (one process)',
    true,
    async () => {
      const platform = await startEmbeddedPlatform({ env: { RATE_LIMITS }, logLevel: 'debug' });
      return { ...platform, workflowOutput: platform.gateway.output };
    },
  ],
];

/** A raw GraphQL-over-HTTP POST: persisted documents send no `query`. */
async function post(url: string, body: object, token: string) {
  const response = await fetch(`${url}/graphql`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', accept: 'application/graphql-response+json', authorization: `Bearer ${token}` },
    body: JSON.stringify(body),
  });
  return { status: response.status, body: (await response.json()) as { data?: Record<string, any> | null; errors?: Array<{ message: string; extensions?: Record<string, any> }> } };
}

const VIEWS = [
  { title: 'Workflows', query: '{ workflows(first: 100) { name } }', chart: { type: 'BAR' } },
  { title: 'Changes', query: '{ workflowAuditLog(first: 5) { type userId } }', chart: { type: 'KPI' } },
];

describe.each(modes)('gateway trust and limits, %s', (_mode, judges, start) => {
  let deployment: Deployment;
  let url: string;
  const tenant = `trust-${randomUUID().slice(0, 8)}`;
  const users = {
    admin: { userId: 'ada', tenantId: tenant, roles: ['admin'] },
    operator: { userId: 'otto', tenantId: tenant, roles: ['operator'] },
    viewer: { userId: 'vera', tenantId: tenant, roles: ['viewer'] },
    stranger: { userId: 'gina', tenantId: `${tenant}-other`, roles: ['admin'] },
  } satisfies Record<string, Identity>;
  const tokens = {} as Record<keyof typeof users, string>;
  const token = (identity: Identity) => signToken(identity, deployment.jwtSecret);

  beforeAll(async () => {
    deployment = await start();
    url = deployment.gateway.url;
    for (const [name, identity] of Object.entries(users)) tokens[name as keyof typeof users] = await token(identity);
  });
  afterAll(() => deployment?.stop());

  describe('delegated calls', () => {
    it('run a dashboard view as the user who reads it: only their tenant, only what their roles allow', async () => {
      await createExampleWorkflow(url, tokens.admin, 'Trust line A');
      await createExampleWorkflow(url, tokens.stranger, 'Another tenants line');
      const dashboard = await graphql(url, `mutation($input: CreateDashboardInput!) { createDashboard(input: $input) { id } }`, {
        token: tokens.operator,
        variables: { input: { name: 'Operations', views: VIEWS } },
      });
      const id = dashboard.body.data?.createDashboard.id as string;
      const read = (as: string) => graphql(url, `query($id: ID!) { dashboard(id: $id) { views { title data dataErrors { code } } } }`, { token: as, variables: { id } });

      const asViewer = await read(tokens.viewer);
      expect(asViewer.body.errors).toBeUndefined();
      const [workflows, changes] = asViewer.body.data?.dashboard.views;
      expect(workflows).toEqual({ title: 'Workflows', data: { workflows: [{ name: 'Trust line A' }] }, dataErrors: [] });
      expect(changes).toMatchObject({ data: null, dataErrors: [{ code: 'FORBIDDEN' }] });
      const asAdmin = await read(tokens.admin);
      expect(asAdmin.body.data?.dashboard.views[1]).toEqual({
        title: 'Changes',
        data: { workflowAuditLog: [{ type: 'WORKFLOW_CREATED', userId: 'ada' }] },
        dataErrors: [],
      });
      expect((await read(tokens.stranger)).body.data?.dashboard).toBeNull();
    });

    it('change a workflow as the user, recorded in the audit log and the logs with the service it came through', async () => {
      const workflowId = await createExampleWorkflow(url, tokens.admin, 'Trust line B');
      const delegation = createDelegation({ keys: [deployment.gatewayKey], ttlSeconds: 60 });
      const requestId = `learning-${randomUUID()}`;
      const learning = createSupergraphClient({ url, service: 'learning', logger: silentLogger });
      const changed = await learning.execute(
        { delegation: delegation.mint(users.admin, 'learning', requestId), requestId },
        `mutation($id: ID!) { updateWorkflow(id: $id, input: { description: "promoted rule" }, expectedVersion: 1) { version updatedBy } }`,
        { variables: { id: workflowId } },
      );
      expect(dataOf(changed)).toEqual({ updateWorkflow: { version: 2, updatedBy: 'ada' } });
      const audit = await graphql(url, `query($id: ID!) { workflowAuditLog(filter: { workflowId: $id }) { version userId via } }`, {
        token: tokens.admin,
        variables: { id: workflowId },
      });
      expect(audit.body.data?.workflowAuditLog).toEqual([
        { version: 2, userId: 'ada', via: ['learning'] },
        { version: 1, userId: 'ada', via: null },
      ]);
      const logged = deployment.gateway.output.map((line) => (line.startsWith('{') ? JSON.parse(line) : {})).find((record) => record.onBehalfOf === requestId);
      expect(logged).toMatchObject({ msg: 'delegated call', userId: 'ada', tenantId: tenant, via: ['learning'] });
    });

    it('are refused, with the reason, when forged, expired, altered, widened or mixed with a token', async () => {
      const call = (grant: string, headers: Record<string, string> = {}) =>
        graphql(url, '{ workflows(first: 1) { id } }', { headers: { 'x-judgify-delegation': grant, ...headers } });
      const genuine = createDelegation({ keys: [deployment.gatewayKey], ttlSeconds: 60 });
      expect((await call(genuine.mint(users.viewer, 'bi', 'r1'))).status).toBe(200);

      const forger = createDelegation({ keys: [await loadGatewayKey(generateGatewayKeyPem())], ttlSeconds: 60 });
      const forged = await call(forger.mint(users.admin, 'bi', 'r2'));
      expect(forged.status).toBe(401);
      expect(forged.body.errors?.[0]?.message).toBe('Delegated call refused: the delegation grant was minted with a key this gateway does not hold (rotated out, or forged).');

      const past = createDelegation({ keys: [deployment.gatewayKey], ttlSeconds: 60, now: () => Date.now() - 120_000 });
      const expired = await call(past.mint(users.viewer, 'bi', 'r3'));
      expect(expired.status).toBe(401);
      expect(expired.body.errors?.[0]?.message).toMatch(/^Delegated call refused: the delegation grant expired 6\d s ago\./);

      const [format, kid, payload, mac] = genuine.mint(users.viewer, 'bi', 'r4').split('.');
      const otherTenant = Buffer.from(JSON.stringify({ ...JSON.parse(Buffer.from(payload!, 'base64url').toString()), tid: users.stranger.tenantId })).toString('base64url');
      const altered = await call([format, kid, otherTenant, mac].join('.'));
      expect(altered.status).toBe(401);
      expect(altered.body.errors?.[0]).toMatchObject({ extensions: { code: 'UNAUTHENTICATED' }, message: expect.stringContaining('or it was altered') });

      const widened = await call(genuine.mint(users.viewer, 'bi', 'r5'), { 'x-judgify-delegation-roles': 'admin' });
      expect(widened.status).toBe(403);
      expect(widened.body.errors?.[0]?.message).toBe(
        "Delegated call refused: a delegation can narrow the user's roles but never widen them; the user holds [viewer], the call asked for [admin].",
      );
      const narrowed = await graphql(url, '{ workflowAuditLog(first: 1) { id } }', {
        headers: { 'x-judgify-delegation': genuine.mint(users.admin, 'chat', 'r6'), 'x-judgify-delegation-roles': 'viewer' },
      });
      expect(narrowed.body.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');

      const mixed = await call(genuine.mint(users.viewer, 'bi', 'r7'), { authorization: `Bearer ${tokens.admin}` });
      expect(mixed.status).toBe(400);
      expect(mixed.body.errors?.[0]?.message).toBe('A delegated call acts only as the user its grant names: send a delegation grant or an Authorization header, not both.');
    });
  });

  describe('rate limits', () => {
    const EXECUTE = (aliases: string[]) =>
      `mutation($input: ExecuteJudgmentInput!) { ${aliases.map((alias) => `${alias}: executeJudgment(input: $input) { id }`).join(' ')} }`;
    const input = { workflowId: randomUUID(), inputData: { temperature: 1 } };

    it('count every alias of a root field, refusing past the budget with RATE_LIMITED, retryAfterSeconds and Retry-After', async () => {
      const rita = await token({ userId: `rita-${randomUUID()}`, tenantId: tenant, roles: ['operator'] });
      const refused = await graphql(url, EXECUTE(['a', 'b', 'c', 'd']), { token: rita, variables: { input } });
      expect(refused.status).toBe(429);
      expect(refused.headers.get('retry-after')).toBe('60');
      expect(refused.body.errors?.[0]).toMatchObject({
        message: 'Rate limit reached for executeJudgment: at most 3 per minute per user (this request asks for 4). No single request may ask for more than that.',
        extensions: { code: 'RATE_LIMITED', retryAfterSeconds: 60, field: 'executeJudgment', limit: 3 },
      });
      // Three within the budget run (and fail on their own: the workflow does not exist), the fourth is refused.
      const allowed = await graphql(url, EXECUTE(['a', 'b', 'c']), { token: rita, variables: { input } });
      expect(allowed.status).toBe(200);
      expect(allowed.body.errors?.every((error) => error.extensions?.code === 'NOT_FOUND')).toBe(true);
      const next = await graphql(url, EXECUTE(['a']), { token: rita, variables: { input } });
      expect(next.body.errors?.[0]?.extensions).toMatchObject({ code: 'RATE_LIMITED' });
      expect(Number(next.headers.get('retry-after'))).toBeGreaterThan(0);
      // Other users and other fields have budgets of their own.
      expect((await graphql(url, EXECUTE(['a']), { token: tokens.operator, variables: { input } })).body.errors?.[0]?.extensions?.code).toBe('NOT_FOUND');
      expect((await graphql(url, '{ workflows(first: 1) { id } }', { token: rita })).status).toBe(200);
      const metrics = await (await fetch(`${url}/metrics`)).text();
      expect(metrics).toMatch(/rate_limited_total\{[^}]*operation="executeJudgment"[^}]*\} [1-9]/);
    });

    it('count every operation of a batch, refusing the one that goes past the budget', async () => {
      const ron = await token({ userId: `ron-${randomUUID()}`, tenantId: tenant, roles: ['operator'] });
      const response = await fetch(`${url}/graphql`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${ron}` },
        body: JSON.stringify([
          { query: EXECUTE(['a', 'b']), variables: { input } },
          { query: EXECUTE(['a', 'b']), variables: { input } },
        ]),
      });
      const results = (await response.json()) as Array<{ errors?: Array<{ extensions?: { code?: string } }> }>;
      // Batched operations run side by side: one draws its two first and runs (failing on its own, the
      // workflow does not exist); the other would go past 3 and is refused.
      const codes = results.map((result) => [...new Set(result.errors?.map((error) => error.extensions?.code))]).sort();
      expect(codes).toEqual([['NOT_FOUND'], ['RATE_LIMITED']]);
    });

    it('count subscriptions too, over WebSocket and Server-Sent Events', async () => {
      const sam = await token({ userId: `sam-${randomUUID()}`, tenantId: tenant, roles: ['viewer'] });
      const query = `subscription($id: ID!) { workflowChanged(id: $id) { version } }`;
      const variables = { id: randomUUID() };
      const client = createClient({ url: `${url.replace(/^http/, 'ws')}/graphql`, webSocketImpl: WebSocket, retryAttempts: 0, connectionParams: { authorization: `Bearer ${sam}` } });
      const outcome = () =>
        new Promise<unknown>((resolve) => {
          const stop = client.subscribe({ query, variables }, { next: resolve, error: resolve, complete: () => resolve('complete') });
          setTimeout(() => (stop(), resolve('running')), 1_000);
        });
      expect(await outcome()).toBe('running');
      expect(JSON.stringify(await outcome())).toContain('Rate limit reached for workflowChanged: at most 1 per minute per user.');
      await client.dispose();
      const sse = await fetch(`${url}/graphql`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', accept: 'text/event-stream', authorization: `Bearer ${sam}` },
        body: JSON.stringify({ query, variables }),
      });
      const reader = sse.body!.getReader();
      let text = '';
      while (!text.includes('RATE_LIMITED')) {
        const { value, done } = await reader.read();
        if (done) break;
        text += new TextDecoder().decode(value);
      }
      await reader.cancel();
      expect(text).toContain('RATE_LIMITED');
    });
  });

  describe('trusted documents (allow mode, the default)', () => {
    it('run a registered operation by documentId, register APQ hashes, and name an unknown id or a mismatched hash', async () => {
      const manifest = JSON.parse(readFileSync(new URL('../gateway/trusted-documents.json', import.meta.url), 'utf8')) as { operations: Array<{ id: string; name: string }> };
      const recent = manifest.operations.find((operation) => operation.name === 'RecentWorkflows')!;
      const byId = await post(url, { documentId: `sha256:${recent.id}` }, tokens.viewer);
      expect(byId.body.data?.workflows.length).toBeGreaterThan(0);
      const viaGet = await fetch(`${url}/graphql?documentId=sha256:${recent.id}`, { headers: { authorization: `Bearer ${tokens.viewer}`, 'apollo-require-preflight': 'true' } });
      expect(viaGet.status).toBe(200);

      const unknown = await post(url, { documentId: `sha256:${'a'.repeat(64)}` }, tokens.viewer);
      expect(unknown.status).toBe(400);
      expect(unknown.body.errors?.[0]).toMatchObject({ extensions: { code: 'PERSISTED_QUERY_NOT_FOUND' } });

      const query = '{ workflows(first: 3) { name } }';
      const persistedQuery = { version: 1, sha256Hash: createHash('sha256').update(query).digest('hex') };
      const apq = (body: object) => post(url, body, tokens.viewer);
      expect((await apq({ extensions: { persistedQuery } })).body.errors?.[0]?.extensions?.code).toBe('PERSISTED_QUERY_NOT_FOUND');
      expect((await apq({ query, extensions: { persistedQuery } })).body.data?.workflows).toBeDefined();
      expect((await apq({ extensions: { persistedQuery } })).body.data?.workflows).toBeDefined();
      const mismatch = await apq({ query: '{ workflows { id } }', extensions: { persistedQuery } });
      expect(mismatch.status).toBe(400);
      expect(mismatch.body.errors?.[0]?.message).toBe(`The query sent does not match its hash ${persistedQuery.sha256Hash}: the hash must be the sha256 of the exact query text.`);
    });
  });

  describe('CSRF prevention and GraphQL over HTTP', () => {
    it('refuses GETs and simple POSTs without a preflight-forcing header, while JSON clients and the explorer work', async () => {
      const get = await fetch(`${url}/graphql?query=${encodeURIComponent('{ workflows { id } }')}`, { headers: { authorization: `Bearer ${tokens.viewer}` } });
      expect(get.status).toBe(403);
      expect((await get.json()).errors[0].extensions.code).toBe('CSRF_PREVENTED');
      const form = await fetch(`${url}/graphql`, {
        method: 'POST',
        headers: { 'content-type': 'text/plain', authorization: `Bearer ${tokens.admin}` },
        body: JSON.stringify({ query: 'mutation { createDashboard(input: { name: "forged" }) { id } }' }),
      });
      expect(form.status).toBe(403);
      const page = await fetch(`${url}/graphql`, { headers: { accept: 'text/html' } });
      expect(page.status).toBe(200);
      const html = await page.text();
      expect(html).toContain('apollo-require-preflight');
      expect(html).toContain('RecentWorkflows');
    });

    it('passes every GraphQL-over-HTTP audit of graphql-http', async () => {
      const viewer = tokens.viewer;
      const audits = serverAudits({
        url: `${url}/graphql`,
        // What a non-browser client sends: its token, and the header that forces a browser's preflight.
        fetchFn: (input: RequestInfo | URL, init?: RequestInit) =>
          fetch(input, { ...init, headers: { ...Object.fromEntries(new Headers(init?.headers)), authorization: `Bearer ${viewer}`, 'apollo-require-preflight': 'true' } }),
      });
      const results = await Promise.all(audits.map((audit) => audit.fn()));
      const notOk = results.filter((result) => result.status !== 'ok').map((result) => `${result.id} ${result.name}: ${result.status} ${'reason' in result ? result.reason : ''}`);
      expect(notOk).toEqual([]);
      expect(results.length).toBeGreaterThan(40);
    });
  });

  describe.runIf(judges)('read-your-writes', () => {
    it('judges with the version an update just returned, right away, every time', async () => {
      const workflowId = await createExampleWorkflow(url, tokens.admin, 'Fresh line');
      // No waiting for the workflow to reach the judgment service: the fence makes the judgment wait if it must.
      const first = await graphql(url, `mutation($input: ExecuteJudgmentInput!) { executeJudgment(input: $input) { workflowVersion decision } }`, {
        token: await token({ userId: `ryw-${randomUUID()}`, tenantId: tenant, roles: ['operator'] }),
        variables: { input: { workflowId, inputData: { temperature: 90, vibration: 60 } } },
      });
      expect(first.body.data?.executeJudgment).toEqual({ workflowVersion: 1, decision: 'STOP_LINE' });
      for (let round = 0; round < 3; round++) {
        const label = `STOP_${round}`;
        const definition = { startNode: 'check', nodes: [{ id: 'check', type: 'judgment', rule: 'temperature > 80 AND vibration > 50' }, { id: 'stop', type: 'output', decision: label }, { id: 'ok', type: 'output', decision: 'OK' }], edges: [{ from: 'check', to: 'stop', when: 'true' }, { from: 'check', to: 'ok', when: 'false' }] };
        const updated = await graphql(url, `mutation($id: ID!, $input: UpdateWorkflowInput!) { updateWorkflow(id: $id, input: $input) { version } }`, {
          token: tokens.admin,
          variables: { id: workflowId, input: { definition } },
        });
        const version = updated.body.data?.updateWorkflow.version as number;
        const judged = await graphql(url, `mutation($input: ExecuteJudgmentInput!) { executeJudgment(input: $input) { workflowVersion decision } }`, {
          token: await token({ userId: `ryw-${randomUUID()}`, tenantId: tenant, roles: ['operator'] }),
          variables: { input: { workflowId, inputData: { temperature: 90, vibration: 60 } } },
        });
        expect(judged.body.data?.executeJudgment).toEqual({ workflowVersion: version, decision: label });
      }
    });
  });

  describe('documents the parser must never see', () => {
    it('answers 3,000 unclosed selections with a 400 naming the limit, over HTTP and WebSocket', async () => {
      const deep = await graphql(url, '{ a'.repeat(3000), { token: tokens.viewer });
      expect(deep.status).toBe(400);
      expect(deep.body.errors?.[0]).toMatchObject({ extensions: { code: 'BAD_REQUEST' }, message: expect.stringContaining('nests more than 64 levels') });
      const client = createClient({ url: url.replace(/^http/, 'ws') + '/graphql', webSocketImpl: WebSocket, retryAttempts: 0, connectionParams: { authorization: `Bearer ${tokens.viewer}` } });
      const overWs = await new Promise<unknown>((resolve) => client.subscribe({ query: 'subscription ' + '{ a'.repeat(3000) }, { next: resolve, error: resolve, complete: () => resolve('complete') }));
      expect(JSON.stringify(overWs)).toContain('nests more than 64 levels');
      await client.dispose();
    });
  });

  describe.runIf(testRedisUrl())('namespaced Redis', () => {
    it('keeps every key and channel this deployment writes under its REDIS_PREFIX', async () => {
      const redis = new Redis(testRedisUrl()!);
      try {
        const keys: string[] = [];
        let cursor = '0';
        do {
          const [next, batch] = await redis.scan(cursor, 'MATCH', `*${tenant}*`, 'COUNT', 1000);
          cursor = next;
          keys.push(...batch);
        } while (cursor !== '0');
        expect(keys.length).toBeGreaterThan(0);
        expect(keys.filter((key) => !key.startsWith(deployment.redisPrefix))).toEqual([]);
        expect(await redis.exists(`${deployment.redisPrefix}events:workflow.created`)).toBe(1);
      } finally {
        redis.disconnect();
      }
    });
  });
});
