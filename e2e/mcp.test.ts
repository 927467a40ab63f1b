import { randomUUID } from 'node:crypto';
import { identities, testRedisUrl } from '@judgify/runtime/testing';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createExampleWorkflow, graphql, signToken } from './client.ts';
import { startEmbeddedPlatform, startPlatform, type RunningProcess } from './platform.ts';

/**
 * The MCP server as an agent uses it, through the SDK's own client, over /mcp and over stdio
 * (`npm run mcp`), against a running platform in JWT mode that runs only trusted documents
 * (admins may still send any document, as the explorer does): the operation tools work for
 * every role through their documentIds, run_query is read-only and refused for non-admins.
 */
const root = new URL('..', import.meta.url).pathname;
const gatewayEnv = { TRUSTED_DOCUMENTS: 'require', TRUSTED_DOCUMENTS_ADMIN_BYPASS: 'true' };

interface Deployment {
  gateway: RunningProcess;
  jwtSecret: string;
  stop(): Promise<void>;
}

const start = (): Promise<Deployment> =>
  testRedisUrl() ? startPlatform({ gatewayEnv, logLevel: 'info' }) : startEmbeddedPlatform({ env: gatewayEnv, logLevel: 'info' });

interface TextResult {
  content: Array<{ type: string; text: string }>;
  isError?: boolean;
}

describe(`the MCP server (${testRedisUrl() ? 'a process per service' : 'npm start (one process)'})`, () => {
  let platform: Deployment;
  let url: string;
  const tokens = {} as Record<'admin' | 'operator' | 'viewer', string>;
  const clients: Client[] = [];
  const workflowName = `MCP line ${randomUUID().slice(0, 6)}`;
  let workflowId: string;
  let operator: Client;
  let viewer: Client;

  async function connectHttp(token: string | undefined): Promise<Client> {
    const transport = new StreamableHTTPClientTransport(new URL(`${url}/mcp`), { requestInit: { headers: token ? { authorization: `Bearer ${token}` } : {} } });
    const client = new Client({ name: 'judgify-e2e', version: '1.0.0' });
    await client.connect(transport);
    clients.push(client);
    return client;
  }

  async function connectStdio(env: Record<string, string>): Promise<Client> {
    const transport = new StdioClientTransport({
      command: 'npm',
      args: ['run', '--silent', 'mcp'],
      cwd: root,
      env: { ...(process.env as Record<string, string>), JUDGIFY_GATEWAY_URL: `${url}/graphql`, ...env },
      stderr: 'pipe',
    });
    const client = new Client({ name: 'judgify-e2e-stdio', version: '1.0.0' });
    await client.connect(transport);
    clients.push(client);
    return client;
  }

  const call = async (client: Client, name: string, args: Record<string, unknown>) => (await client.callTool({ name, arguments: args })) as TextResult;
  const textOf = (result: TextResult) => result.content.map((part) => part.text).join('\n');
  /** A successful tool result's JSON. */
  const json = (result: TextResult) => {
    expect(result.isError, textOf(result)).toBeFalsy();
    return JSON.parse(textOf(result)) as any;
  };

  beforeAll(async () => {
    platform = await start();
    url = platform.gateway.url;
    tokens.admin = await signToken(identities.acmeAdmin, platform.jwtSecret);
    tokens.operator = await signToken(identities.acmeOperator, platform.jwtSecret);
    tokens.viewer = await signToken(identities.acmeViewer, platform.jwtSecret);
    workflowId = await createExampleWorkflow(url, tokens.admin, workflowName);
    [operator, viewer] = await Promise.all([connectHttp(tokens.operator), connectHttp(tokens.viewer)]);
  });
  afterAll(async () => {
    await Promise.allSettled(clients.map((client) => client.close()));
    await platform?.stop();
  });

  it('lists the tools, each with a JSON Schema of its operation’s variables and the description from its file', async () => {
    const { tools } = await viewer.listTools();
    expect(tools.map((tool) => tool.name).sort()).toEqual([
      'execute_judgment',
      'explain_execution',
      'generate_view',
      'get_workflow',
      'list_dashboards',
      'list_workflows',
      'record_feedback',
      'run_dashboard',
      'run_query',
      'search_schema',
      'search_workflows',
    ]);
    const byName = Object.fromEntries(tools.map((tool) => [tool.name, tool]));
    expect(byName.execute_judgment!.description).toMatch(/^Decide one record with a workflow/);
    expect(byName.execute_judgment!.inputSchema).toMatchObject({
      type: 'object',
      required: ['input'],
      additionalProperties: false,
      properties: {
        input: {
          type: 'object',
          required: ['workflowId', 'inputData'],
          additionalProperties: false,
          properties: {
            workflowId: { type: 'string' },
            inputData: { description: 'The record to judge: a JSON object, at most 1 MB, nested at most 10 levels.' },
            method: { enum: ['RULE', 'LLM', 'HYBRID', null], default: 'HYBRID' },
          },
        },
      },
    });
    expect(byName.record_feedback!.inputSchema.properties!.input).toMatchObject({ properties: { verdict: { type: 'string', enum: ['CORRECT', 'INCORRECT'] } } });
    expect(byName.get_workflow!.inputSchema).toEqual({
      type: 'object',
      properties: { id: { type: 'string', description: 'The id of the Workflow.' }, recentExecutions: { type: ['integer', 'null'], description: 'Page size, 1–100.', default: 5 } },
      required: ['id'],
      additionalProperties: false,
    });
    expect(byName.get_workflow!.annotations).toMatchObject({ readOnlyHint: true });
    expect(byName.execute_judgment!.annotations).toMatchObject({ readOnlyHint: false });
  });

  it('lists, searches and gets workflows, executes a judgment, explains it and records feedback, as the operator', async () => {
    const listed = json(await call(operator, 'list_workflows', {}));
    expect(listed).toContainEqual(expect.objectContaining({ id: workflowId, name: workflowName, inputFields: ['temperature', 'vibration'], decisions: ['STOP_LINE', 'OK'] }));
    const found = json(await call(operator, 'search_workflows', { nameContains: workflowName.slice(4).toLowerCase() }));
    expect(found.map((workflow: { id: string }) => workflow.id)).toEqual([workflowId]);

    const execution = json(await call(operator, 'execute_judgment', { input: { workflowId, inputData: { temperature: 90, vibration: 60 }, method: 'RULE' } }));
    expect(execution).toMatchObject({ decision: 'STOP_LINE', confidence: 1, methodUsed: 'RULE', status: 'SUCCEEDED', workflow: { id: workflowId, name: workflowName }, path: ['check', 'stop'] });

    const workflow = json(await call(operator, 'get_workflow', { id: workflowId }));
    expect(workflow).toMatchObject({ id: workflowId, name: workflowName, version: 1, successRate: 1, inputFields: ['temperature', 'vibration'], learningSummary: { currentVersion: 1 } });
    expect(workflow.avgExecutionTimeMs).toBeGreaterThanOrEqual(0);
    expect(workflow.executions).toEqual([expect.objectContaining({ id: execution.id, decision: 'STOP_LINE', methodUsed: 'RULE' })]);

    const feedback = json(await call(operator, 'record_feedback', { input: { executionId: execution.id, verdict: 'INCORRECT', correctDecision: 'OK', comment: 'sensor glitch' } }));
    expect(feedback).toMatchObject({ executionId: execution.id, verdict: 'INCORRECT', correctDecision: 'OK', createdBy: identities.acmeOperator.userId });

    const explained = json(await call(viewer, 'explain_execution', { id: execution.id }));
    expect(explained).toMatchObject({
      id: execution.id,
      decision: 'STOP_LINE',
      methodUsed: 'RULE',
      inputData: { temperature: 90, vibration: 60 },
      path: ['check', 'stop'],
      feedback: [{ verdict: 'INCORRECT', correctDecision: 'OK', comment: 'sensor glitch' }],
    });
    expect(explained.explanation).toEqual(expect.any(String));
    expect(explained.nodeResults).toEqual([expect.objectContaining({ nodeId: 'check', outcome: 'true', methodUsed: 'RULE' })]);

    const missing = await call(viewer, 'get_workflow', { id: randomUUID() });
    expect(missing.isError).toBe(true);
    expect(textOf(missing)).toMatch(/^NOT_FOUND: workflow\(id: ".+"\) is null/);
  });

  it('generates a BI view and runs a saved dashboard, returning its views’ data', async () => {
    const view = json(await call(viewer, 'generate_view', { prompt: `judgment count by decision for the ${workflowName} workflow this week` }));
    expect(view).toMatchObject({ source: 'PLANNER', dataErrors: [] });
    expect(view.interpretation).toEqual(expect.any(String));
    expect(view.query).toMatch(/judgment(Metrics|Stats)/);
    expect(view.chart.type).toEqual(expect.any(String));
    expect(view.data).not.toBeNull();

    const created = await graphql(url, 'mutation($input: CreateDashboardInput!) { createDashboard(input: $input) { id } }', {
      token: tokens.admin,
      variables: { input: { name: 'MCP board', views: [{ title: 'Workflows', query: '{ workflows(first: 100) { name } }', chart: { type: 'BAR' } }] } },
    });
    const dashboardId = created.body.data?.createDashboard.id as string;
    expect(dashboardId, JSON.stringify(created.body.errors)).toBeTruthy();
    const listed = json(await call(viewer, 'list_dashboards', {}));
    expect(listed).toContainEqual(expect.objectContaining({ id: dashboardId, name: 'MCP board', views: [expect.objectContaining({ title: 'Workflows', chart: { type: 'BAR' } })] }));
    const dashboard = json(await call(viewer, 'run_dashboard', { id: dashboardId }));
    expect(dashboard).toMatchObject({ id: dashboardId, name: 'MCP board', views: [{ title: 'Workflows', chart: { type: 'BAR' }, dataErrors: [] }] });
    expect(dashboard.views[0].data.workflows).toContainEqual({ name: workflowName });
  });

  it('refuses arguments that do not match the tool’s schema, naming each one, before anything runs', async () => {
    const result = await call(operator, 'execute_judgment', { input: { workflowId: 42, method: 'FASTEST', inputData: {} }, dryRun: true });
    expect(result.isError).toBe(true);
    expect(textOf(result)).toBe(
      [
        "BAD_USER_INPUT: The arguments do not match execute_judgment's input schema:",
        '- "dryRun" is not an argument here; expected only input',
        '- "input.workflowId" must be a string, got 42',
        '- "input.method" must be one of RULE, LLM, HYBRID, got "FASTEST"',
      ].join('\n'),
    );
    const missing = await call(viewer, 'explain_execution', {});
    expect(textOf(missing)).toBe('BAD_USER_INPUT: The arguments do not match explain_execution\'s input schema:\n- "id" is required: a string');
    await expect(viewer.callTool({ name: 'drop_tables', arguments: {} })).rejects.toThrow(/Unknown tool "drop_tables"/);
  });

  it('searches the schema in a trimmed form', async () => {
    const result = await call(viewer, 'search_schema', { query: 'successRate', limit: 10 });
    expect(result.isError).toBeFalsy();
    const text = textOf(result);
    expect(text).toContain('type Workflow — A decision described as a graph of judgment, action and output nodes.\n  successRate: Float — Share of executions that succeeded, 0–1; null before the first execution.');
    expect(text).not.toContain('inputFields');
    const workflow = textOf(await call(viewer, 'search_schema', { query: 'Workflow', limit: 3 }));
    expect(workflow).toMatch(/^type Workflow — A decision described as a graph of judgment, action and output nodes\.\n {2}id: ID!\n/);
    expect(workflow).toContain('  executions(first: Int = 20, after: String): [JudgmentExecution!]! — Executions of this workflow, newest first.');
    expect(workflow).toMatch(/\n\n3 of \d+ matching types shown\. Narrow the search/);
    expect(workflow.length).toBeLessThan(6000);
  });

  it('runs read-only queries with run_query, refuses mutations while they are off, and truncates oversized results with a note', async () => {
    const admin = await connectHttp(tokens.admin);
    const read = json(await call(admin, 'run_query', { query: 'query($name: String!) { workflows(filter: { nameContains: $name }) { id name } }', variables: { name: workflowName } }));
    expect(read).toEqual({ workflows: [{ id: workflowId, name: workflowName }] });

    const mutation = await call(admin, 'run_query', { query: `mutation { deleteWorkflow(id: "${workflowId}") }` });
    expect(mutation.isError).toBe(true);
    expect(textOf(mutation)).toMatch(/^MUTATIONS_DISABLED: run_query is read-only on this server: mutation was not run\..*MCP_ALLOW_MUTATIONS=true/);
    expect(json(await call(admin, 'get_workflow', { id: workflowId })).isActive).toBe(true);

    const invalid = await call(admin, 'run_query', { query: '{ workflows { nme } }' });
    expect(textOf(invalid)).toMatch(/^GRAPHQL_VALIDATION_FAILED: "query" does not validate against the supergraph:\n- Cannot query field "nme" on type "Workflow"\. Did you mean "name"\?/);

    const huge = await call(viewer, 'run_query', { query: '{ __schema { types { name description fields { name description type { name kind ofType { name kind } } } } } }' });
    expect(huge.isError).toBeFalsy();
    const text = textOf(huge);
    expect(text.length).toBeLessThanOrEqual(20_000);
    expect(text).toMatch(/\[Truncated: the result is [\d,]+ characters, over this server's budget of 20,000 \(MCP_MAX_RESULT_CHARS\);.*Select fewer fields.*\]$/s);
  });

  it('forwards the caller’s token: a viewer cannot judge, no token or a bad one is refused clearly', async () => {
    const forbidden = await call(viewer, 'execute_judgment', { input: { workflowId, inputData: { temperature: 1, vibration: 1 } } });
    expect(forbidden.isError).toBe(true);
    expect(textOf(forbidden)).toMatch(/^FORBIDDEN: .*\nYour roles do not allow this; the agent can do only what its user can\.$/s);

    await expect(connectHttp(undefined)).rejects.toMatchObject({ code: 401, message: expect.stringMatching(/UNAUTHENTICATED: Authentication required: send \\"Authorization: Bearer <JWT>\\"/) });
    await expect(connectHttp('not-a-jwt')).rejects.toMatchObject({ code: 401, message: expect.stringContaining('UNAUTHENTICATED: Token is malformed.') });

    // Under TRUSTED_DOCUMENTS=require, arbitrary text from a non-admin is the gateway's to refuse.
    const refused = await call(operator, 'run_query', { query: '{ workflows(first: 1) { id } }' });
    expect(refused.isError).toBe(true);
    expect(textOf(refused)).toMatch(/^PERSISTED_QUERY_REQUIRED: This gateway runs only trusted documents.*\nThis gateway runs only trusted documents: use the operation tools/s);
  });

  it('refuses a page of another origin and methods a stateless server does not serve', async () => {
    const body = JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'tools/list' });
    const headers = { 'content-type': 'application/json', accept: 'application/json, text/event-stream', authorization: `Bearer ${tokens.viewer}` };
    const foreign = await fetch(`${url}/mcp`, { method: 'POST', headers: { ...headers, origin: 'https://evil.example' }, body });
    expect(foreign.status).toBe(403);
    expect(((await foreign.json()) as { error: { message: string } }).error.message).toMatch(/^Origin https:\/\/evil\.example may not call this MCP endpoint/);
    const get = await fetch(`${url}/mcp`, { headers });
    expect(get.status).toBe(405);
  });

  it('counts tool calls by tool and result', async () => {
    const metrics = await (await fetch(`${url}/metrics`)).text();
    expect(metrics).toMatch(/^mcp_tool_calls_total\{[^}]*tool="execute_judgment"[^}]*result="ok"[^}]*\} [1-9]/m);
    expect(metrics).toMatch(/^mcp_tool_calls_total\{[^}]*tool="execute_judgment"[^}]*result="invalid_arguments"[^}]*\} [1-9]/m);
    expect(metrics).toMatch(/^mcp_tool_calls_total\{[^}]*tool="execute_judgment"[^}]*result="refused"[^}]*\} [1-9]/m);
  });

  it('serves the same tools over stdio (npm run mcp), calling the gateway over HTTP with JUDGIFY_TOKEN', async () => {
    const [stdio, anonymous, mutating] = await Promise.all([
      connectStdio({ JUDGIFY_TOKEN: tokens.operator }),
      connectStdio({ JUDGIFY_TOKEN: '' }),
      connectStdio({ JUDGIFY_TOKEN: tokens.admin, MCP_ALLOW_MUTATIONS: 'true' }),
    ]);
    const { tools } = await stdio.listTools();
    expect(tools).toHaveLength(11);
    const workflow = json(await call(stdio, 'get_workflow', { id: workflowId }));
    expect(workflow).toMatchObject({ id: workflowId, name: workflowName });
    const judged = json(await call(stdio, 'execute_judgment', { input: { workflowId, inputData: { temperature: 20, vibration: 5 }, method: 'RULE' } }));
    expect(judged).toMatchObject({ decision: 'OK', methodUsed: 'RULE' });

    const unauthenticated = await call(anonymous, 'list_workflows', {});
    expect(unauthenticated.isError).toBe(true);
    expect(textOf(unauthenticated)).toMatch(/^UNAUTHENTICATED: Authentication required.*\nSend a valid token: .*JUDGIFY_TOKEN \(stdio\)\.$/s);

    const renamed = json(await call(mutating, 'run_query', { query: `mutation($id: ID!) { updateWorkflow(id: $id, input: { description: "via MCP" }) { description version } }`, variables: { id: workflowId } }));
    expect(renamed).toEqual({ updateWorkflow: { description: 'via MCP', version: 2 } });
  });
});
