import { mintForwardedIdentity } from '@judgify/runtime/forwarded-identity';
import { generateGatewayKeyPem, loadGatewayKey } from '@judgify/runtime/gateway-keys';
import { audienceOf, IDENTITY_HEADER } from '@judgify/runtime/identity';
import { exampleWorkflowDefinition, identities } from '@judgify/runtime/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { graphql, signToken } from './client.ts';
import { startPlatform, stopProcess, subgraphNames, type Platform } from './platform.ts';

const definition = exampleWorkflowDefinition;

const CREATE_WORKFLOW = /* GraphQL */ `
  mutation Create($input: CreateWorkflowInput!) { createWorkflow(input: $input) { id name version } }
`;

let platform: Platform;
let gatewayUrl: string;
const tokens: Record<keyof typeof identities, string> = {} as never;

beforeAll(async () => {
  platform = await startPlatform();
  gatewayUrl = platform.gateway.url;
  for (const [key, identity] of Object.entries(identities)) {
    tokens[key as keyof typeof identities] = await signToken(identity, platform.jwtSecret);
  }
});
afterAll(() => platform?.stop());

describe('supergraph through the real gateway and subgraph processes', () => {
  it('resolves one query from two subgraphs', async () => {
    const created = await graphql(gatewayUrl, CREATE_WORKFLOW, {
      token: tokens.acmeAdmin,
      variables: { input: { name: 'Line 3 overheating', definition } },
    });
    expect(created.body.errors).toBeUndefined();
    const id = created.body.data?.createWorkflow.id;

    const result = await graphql(
      gatewayUrl,
      `query($id: ID!) { workflow(id: $id) { name version successRate avgExecutionTimeMs executions(first: 5) { id } } }`,
      { token: tokens.acmeViewer, variables: { id } },
    );
    expect(result.status).toBe(200);
    expect(result.headers.get('content-type')).toContain('application/graphql-response+json');
    expect(result.body).toEqual({
      data: { workflow: { name: 'Line 3 overheating', version: 1, successRate: null, avgExecutionTimeMs: null, executions: [] } },
    });
    const metrics = await (await fetch(`${gatewayUrl}/metrics`)).text();
    expect(metrics).toMatch(/subgraph_request_duration_seconds_count\{[^}]*subgraph="judgment"[^}]*\} [1-9]/);
    expect(metrics).toMatch(/subgraph_request_duration_seconds_count\{[^}]*subgraph="workflow"[^}]*\} [1-9]/);
  });

  it('writes and reads the stores of every subgraph through the gateway', async () => {
    const token = tokens.acmeOperator;
    const dashboard = await graphql(gatewayUrl, `mutation { createDashboard(input: { name: "Ops" }) { id name views { title } } }`, { token });
    expect(dashboard.body.data?.createDashboard).toMatchObject({ name: 'Ops', views: [] });
    const session = await graphql(gatewayUrl, `mutation { createChatSession(input: { title: "Shift handover" }) { id } }`, { token });
    const sessionId = session.body.data?.createChatSession.id;
    await graphql(gatewayUrl, `mutation($s: ID!) { postChatMessage(input: { sessionId: $s, content: "안녕하세요" }) { id } }`, {
      token,
      variables: { s: sessionId },
    });
    const messages = await graphql(gatewayUrl, `query($s: ID!) { chatSession(id: $s) { title messages { role content } } }`, {
      token,
      variables: { s: sessionId },
    });
    expect(messages.body.data?.chatSession).toEqual({ title: 'Shift handover', messages: [{ role: 'USER', content: '안녕하세요' }] });
    const workflow = await graphql(gatewayUrl, CREATE_WORKFLOW, { token: tokens.acmeAdmin, variables: { input: { name: 'Store check', definition } } });
    const judged = await graphql(gatewayUrl, `mutation($w: ID!) { executeJudgment(input: { workflowId: $w, inputData: { temperature: 90, vibration: 60 } }) { id } }`, {
      token,
      variables: { w: workflow.body.data?.createWorkflow.id },
    });
    const executionId = judged.body.data?.executeJudgment.id;
    const feedback = await graphql(
      gatewayUrl,
      `mutation($e: ID!) { recordFeedback(input: { executionId: $e, verdict: INCORRECT, correctDecision: "STOP_LINE" }) { verdict correctDecision } }`,
      { token, variables: { e: executionId } },
    );
    expect(feedback.body.data?.recordFeedback).toEqual({ verdict: 'INCORRECT', correctDecision: 'STOP_LINE' });
  });

  it('refuses requests without a valid token with 401 and a reason', async () => {
    const missing = await graphql(gatewayUrl, '{ workflows { id } }');
    expect(missing.status).toBe(401);
    expect(missing.body.errors?.[0]).toMatchObject({ extensions: { code: 'UNAUTHENTICATED' } });
    expect(missing.body.errors?.[0]?.message).toContain('Authorization: Bearer');

    const expired = await graphql(gatewayUrl, '{ workflows { id } }', {
      token: await signToken(identities.acmeAdmin, platform.jwtSecret, '-1m'),
    });
    expect(expired.status).toBe(401);
    expect(expired.body.errors?.[0]?.message).toBe('Token has expired: sign in again.');

    const forged = await graphql(gatewayUrl, '{ workflows { id } }', { token: await signToken(identities.acmeAdmin, 'x'.repeat(40)) });
    expect(forged.status).toBe(401);
    expect(forged.body.errors?.[0]?.message).toBe('Token signature is invalid.');

    const garbage = await graphql(gatewayUrl, '{ workflows { id } }', { headers: { authorization: 'Basic abc' } });
    expect(garbage.status).toBe(401);
    expect(garbage.body.errors?.[0]?.message).toContain('expected "Bearer <JWT>"');
  });

  it("returns nothing for another tenant's entity", async () => {
    const created = await graphql(gatewayUrl, CREATE_WORKFLOW, {
      token: tokens.globexAdmin,
      variables: { input: { name: 'Globex secret', definition } },
    });
    const id = created.body.data?.createWorkflow.id;
    const peek = await graphql(gatewayUrl, `query($id: ID!) { workflow(id: $id) { id name } }`, {
      token: tokens.acmeAdmin,
      variables: { id },
    });
    expect(peek.body).toEqual({ data: { workflow: null } });
    const list = await graphql(gatewayUrl, `{ workflows(first: 100) { name } }`, { token: tokens.acmeAdmin });
    expect(list.body.data?.workflows.map((w: { name: string }) => w.name)).not.toContain('Globex secret');
  });

  it('checks roles per mutation', async () => {
    const denied = await graphql(gatewayUrl, CREATE_WORKFLOW, {
      token: tokens.acmeViewer,
      variables: { input: { name: 'not allowed', definition } },
    });
    expect(denied.body.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
    expect(denied.body.data).toBeNull();
  });

  it('has every subgraph refuse direct requests that lack the gateway-minted identity', async () => {
    for (const name of subgraphNames) {
      const url = platform.subgraphs[name].url;
      const direct = await graphql(url, '{ _service { sdl } }');
      expect(direct.status, name).toBe(401);
      expect(direct.body.errors?.[0]?.extensions?.code).toBe('UNAUTHENTICATED');
      const trailingSlash = await fetch(`${url}/graphql/`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ query: '{ _service { sdl } }' }),
      });
      expect(trailingSlash.status, `${name} /graphql/`).toBe(401);

      const otherSubgraph = name === 'workflow' ? 'judgment' : 'workflow';
      const replayed = await graphql(url, '{ _service { sdl } }', {
        headers: { [IDENTITY_HEADER]: await mintForwardedIdentity(identities.acmeAdmin, platform.gatewayKey, audienceOf(otherSubgraph)) },
      });
      expect(replayed.status, `${name} replay`).toBe(403);

      // What a compromised subgraph could make: a key of its own, even claiming the gateway's key id.
      const impostor = { ...(await loadGatewayKey(generateGatewayKeyPem())), kid: platform.gatewayKey.kid };
      const forged = await graphql(url, `{ _entities(representations: [{ __typename: "Workflow", id: "x" }]) { __typename } }`, {
        headers: { [IDENTITY_HEADER]: await mintForwardedIdentity(identities.acmeAdmin, impostor, audienceOf(name)) },
      });
      expect(forged.status, name).toBe(403);
      expect(forged.body.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
    }
  });

  it('answers bad requests with spec-compliant errors, never a stack trace', async () => {
    const token = tokens.acmeAdmin;
    const malformed = await graphql(gatewayUrl, '{ workflows { id ', { token });
    expect(malformed.status).toBe(400);
    expect(malformed.body.errors?.[0]?.extensions?.code).toBe('GRAPHQL_PARSE_FAILED');

    const unknownField = await graphql(gatewayUrl, '{ workflows { colour } }', { token });
    expect(unknownField.status).toBe(400);
    expect(unknownField.body.errors?.[0]?.message).toContain('Cannot query field "colour" on type "Workflow"');

    const wrongVariable = await graphql(gatewayUrl, 'query($n: Int) { workflows(first: $n) { id } }', { token, variables: { n: 'ten' } });
    expect(wrongVariable.status).toBe(400);
    expect(wrongVariable.body.errors?.[0]?.message).toContain('Int cannot represent non-integer value');
    expect(wrongVariable.body.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');

    const notJson = await fetch(`${gatewayUrl}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
      body: '{ not json',
    });
    expect(notJson.status).toBe(400);
    const notJsonBody = await notJson.json();
    expect(notJsonBody.errors[0].message).toBe('POST body sent invalid JSON.');

    const oversized = await fetch(`${gatewayUrl}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
      body: JSON.stringify({ query: `{ workflows { id } }`, variables: { padding: 'x'.repeat(3_000_000) } }),
    });
    expect(oversized.status).toBe(413);
    expect((await oversized.json()).errors[0].extensions.code).toBe('PAYLOAD_TOO_LARGE');

    const nested = 'executions { workflow { '.repeat(7) + 'id' + ' } }'.repeat(7);
    const deep = await graphql(gatewayUrl, `{ workflows { ${nested} } }`, { token });
    expect(deep.status).toBe(400);
    expect(deep.body.errors?.[0]).toEqual({ message: 'Query depth limit of 12 exceeded, found 16.', extensions: { code: 'GRAPHQL_VALIDATION_FAILED' } });

    const costly = await graphql(
      gatewayUrl,
      `{ ${Array.from({ length: 20 }, (_, n) => `w${n}: workflows(first: 100) { executions(first: 100) { workflow { name } } }`).join(' ')} }`,
      { token },
    );
    expect(costly.status).toBe(400);
    expect(costly.body.errors?.[0]?.message).toMatch(/^Query Cost limit of 5000 exceeded/);

    const nul = await graphql(gatewayUrl, CREATE_WORKFLOW, { token, variables: { input: { name: 'nul\u0000name', definition } } });
    expect(nul.status).toBe(400);
    expect(nul.body.errors?.[0]).toMatchObject({ message: 'Text must not contain the NUL character (\\u0000).', extensions: { code: 'BAD_USER_INPUT' } });

    const tooDeep = `${'{"next":'.repeat(10_000)}"leaf"${'}'.repeat(10_000)}`;
    const deepJsonResponse = await fetch(`${gatewayUrl}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'application/graphql-response+json', authorization: `Bearer ${token}` },
      body: `{"query":${JSON.stringify(CREATE_WORKFLOW)},"variables":{"input":{"name":"deep json","definition":${tooDeep}}}}`,
    });
    const deepJson = { status: deepJsonResponse.status, body: (await deepJsonResponse.json()) as { errors?: Array<{ message: string }> } };
    expect(deepJson.status).toBe(400);
    expect(deepJson.body.errors?.[0]?.message).toBe('Variables are nested more than 64 levels deep.');

    // Custom scalars are opaque to the gateway: the owning subgraph refuses it, and its message reaches the client.
    const ancientDate = await graphql(gatewayUrl, '{ workflowAuditLog(filter: { from: "0000-01-01T00:00:00Z" }) { id } }', { token });
    expect(ancientDate.body.errors?.[0]?.message).toContain('DateTime must be between the years 0001 and 9999');
    expect(ancientDate.body.errors?.[0]?.extensions).toMatchObject({ serviceName: 'workflow' });

    for (const result of [malformed, unknownField, wrongVariable, deep, costly, nul, deepJson, ancientDate]) expect(JSON.stringify(result.body)).not.toMatch(/\bat .*\.ts:\d+/);
    expect(JSON.stringify(notJsonBody)).not.toMatch(/stack/);
  });

  it('serves GET queries (with a preflight-forcing header) and GraphiQL in a browser', async () => {
    const get = await fetch(`${gatewayUrl}/graphql?query=${encodeURIComponent('{ workflows(first: 1) { id } }')}`, {
      headers: { authorization: `Bearer ${tokens.acmeViewer}`, accept: 'application/graphql-response+json', 'apollo-require-preflight': 'true' },
    });
    expect(get.status).toBe(200);
    expect((await get.json()).data.workflows).toHaveLength(1);
    const page = await fetch(`${gatewayUrl}/graphql`, { headers: { accept: 'text/html' } });
    expect(page.status).toBe(200);
    expect(await page.text()).toContain('Judgify supergraph');
  });

  it('reports health and metrics on every process', async () => {
    for (const running of [platform.gateway, ...Object.values(platform.subgraphs)]) {
      expect((await fetch(`${running.url}/health/live`)).status, `${running.name} live`).toBe(200);
      for (const path of ['/health', '/health/ready']) {
        const response = await fetch(`${running.url}${path}`);
        expect(response.status, `${running.name}${path}`).toBe(200);
        expect(await response.json()).toMatchObject({ status: 'healthy', service: running.name, version: expect.any(String), uptimeSeconds: expect.any(Number) });
      }
      const { checks } = await (await fetch(`${running.url}/health`)).json();
      if (running.name === 'gateway') {
        // The gateway needs nothing beyond its supergraph to be ready; it reports each subgraph it routes to.
        for (const name of subgraphNames) expect(checks[`subgraph:${name}`], name).toMatchObject({ status: 'healthy', required: false, subgraph: name });
      } else {
        expect(checks.database).toMatchObject({ status: 'healthy', required: true, responseTimeMs: expect.any(Number) });
      }
      const metrics = await (await fetch(`${running.url}/metrics`)).text();
      expect(metrics).toContain('http_request_duration_seconds');
      expect(metrics, running.name).toMatch(/^service_health_status\{check="overall"[^}]*\} 1$/m);
    }
  });

  it('carries the caller’s request id through and back', async () => {
    const result = await graphql(gatewayUrl, '{ workflows(first: 1) { id } }', {
      token: tokens.acmeViewer,
      headers: { 'x-request-id': 'trace-me-123' },
    });
    expect(result.headers.get('x-request-id')).toBe('trace-me-123');
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(platform.subgraphs.workflow.output.some((line) => line.includes('"requestId":"trace-me-123"'))).toBe(true);
  });

  it('keeps answering when a subgraph goes away, naming the missing service', async () => {
    const exitCode = await stopProcess(platform.subgraphs.chat);
    expect(exitCode).toBe(0);
    expect(platform.subgraphs.chat.output.some((line) => line.includes('"msg":"stopped"'))).toBe(true);

    const result = await graphql(
      gatewayUrl,
      `{ workflows(first: 1) { id } chatSession(id: "00000000-0000-4000-8000-000000000000") { id } }`,
      { token: tokens.acmeOperator },
    );
    expect(result.status).toBe(200);
    expect(result.body.data).toEqual({ workflows: [expect.objectContaining({ id: expect.any(String) })], chatSession: null });
    expect(result.body.errors?.[0]).toEqual({
      message: 'The chat service is unreachable.',
      extensions: { code: 'DOWNSTREAM_SERVICE_ERROR', serviceName: 'chat' },
    });
    expect(JSON.stringify(result.body)).not.toContain('127.0.0.1');

    // The gateway still serves the rest of the graph: degraded, not unready (a report is shared for a second).
    const health = async () => {
      const response = await fetch(`${gatewayUrl}/health`);
      expect(response.status).toBe(200);
      return response.json();
    };
    await expect.poll(async () => (await health()).status, { timeout: 5_000, interval: 250 }).toBe('degraded');
    const report = await health();
    expect(report).toMatchObject({ status: 'degraded', service: 'gateway' });
    expect(report.checks['subgraph:chat']).toMatchObject({ status: 'unhealthy', required: false, subgraph: 'chat', error: expect.stringContaining('unreachable') });
    expect(report.checks['subgraph:workflow']).toMatchObject({ status: 'healthy' });
    expect(JSON.stringify(report)).not.toContain('127.0.0.1');
    expect((await fetch(`${gatewayUrl}/health/ready`)).status).toBe(200);
    // Read on scrape, reused for a few seconds.
    await expect
      .poll(async () => (await (await fetch(`${gatewayUrl}/metrics`)).text()).match(/^service_health_status\{check="subgraph:chat"[^}]*\} (\S+)$/m)?.[1], { timeout: 10_000, interval: 500 })
      .toBe('0');
  });
});
