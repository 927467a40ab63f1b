import { randomUUID } from 'node:crypto';
import { identities, testRedisUrl } from '@judgify/runtime/testing';
import { createClient, type Client } from 'graphql-ws';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { createExampleWorkflow, graphql, signToken } from './client.ts';
import { startEmbeddedPlatform, startPlatform, type RunningProcess } from './platform.ts';

/**
 * BI as an operations lead uses it, through the gateway: a view from a plain-language prompt,
 * saved to a dashboard, pushed live when a judgment changes its data.
 */
interface Deployment {
  gateway: RunningProcess;
  jwtSecret: string;
  stop(): Promise<void>;
}

/** Grants last 3 s here, so a dashboard open longer than that shows the gateway renews them. */
const env = { DELEGATION_TTL_SECONDS: '3' };
const modes: Array<[string, () => Promise<Deployment>]> = [['npm start (one process)', () => startEmbeddedPlatform({ env, logLevel: 'info' })]];
if (testRedisUrl()) modes.unshift(['a process per service', () => startPlatform({ gatewayEnv: env, logLevel: 'info' })]);

const GENERATE = `mutation($prompt: String!) { generateView(prompt: $prompt) { title interpretation query variables dataPath chart { type spec } data dataErrors { code message } source warnings } }`;
const UPDATES = `subscription($id: ID!) { dashboardUpdated(id: $id) { reason changedViewIds dashboard { name } views { viewId title data dataErrors { code message } } } }`;

interface Update {
  reason: string;
  changedViewIds: string[];
  views: Array<{ viewId: string; data: any; dataErrors: Array<{ code: string; message: string }> }>;
}

const hourlyCount = (data: any): number => (data?.judgmentMetrics?.points ?? []).reduce((sum: number, point: { count: number }) => sum + point.count, 0);

describe.each(modes)('BI views and live dashboards through the gateway (%s)', (_mode, start) => {
  let platform: Deployment;
  let admin: string;
  let operator: string;
  let viewer: string;
  let workflowName: string;
  let workflowId: string;
  const clients: Client[] = [];

  beforeAll(async () => {
    platform = await start();
    admin = await signToken(identities.acmeAdmin, platform.jwtSecret);
    operator = await signToken(identities.acmeOperator, platform.jwtSecret);
    viewer = await signToken(identities.acmeViewer, platform.jwtSecret);
    workflowName = `Line ${randomUUID().slice(0, 6)} QC`;
    workflowId = await createExampleWorkflow(platform.gateway.url, admin, workflowName);
  });
  afterAll(async () => {
    await Promise.all(clients.map((client) => client.dispose()));
    await platform?.stop();
  });

  const url = () => platform.gateway.url;
  const judge = async (inputData: Record<string, unknown>) => {
    const result = await graphql(url(), `mutation($input: ExecuteJudgmentInput!) { executeJudgment(input: $input) { id decision } }`, {
      token: operator,
      variables: { input: { workflowId, inputData, method: 'RULE' } },
    });
    expect(result.body.errors).toBeUndefined();
    return result.body.data!.executeJudgment as { id: string; decision: string };
  };
  const generate = async (prompt: string, token = viewer) => {
    const result = await graphql(url(), GENERATE, { token, variables: { prompt } });
    expect(result.body.errors).toBeUndefined();
    return result.body.data!.generateView;
  };

  /** Waits for the read model to count `expected` judgments of the workflow today, through a generated view. */
  async function untilCounted(expected: number): Promise<any> {
    const deadline = Date.now() + 10_000;
    for (;;) {
      const view = await generate(`hourly judgment count for the ${workflowName} workflow today`);
      if (hourlyCount(view.data) >= expected || Date.now() > deadline) return view;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }

  it("generates a view whose query runs through the gateway as the asker, naming the workflow by name", async () => {
    await judge({ temperature: 95, vibration: 70 });
    await judge({ temperature: 20, vibration: 5 });
    const view = await untilCounted(2);
    expect(view).toMatchObject({ source: 'PLANNER', dataPath: 'judgmentMetrics.points', chart: { type: 'LINE' }, dataErrors: [] });
    expect(view.interpretation).toContain(`workflow “${workflowName}”`);
    expect(view.variables.filter.workflowId).toBe(workflowId);
    expect(hourlyCount(view.data)).toBe(2);

    const mix = await generate(`decision mix for ${workflowName} today as a pie`);
    expect(mix.chart.type).toBe('PIE');
    expect(mix.data.judgmentStats.totals.decisions.map((share: { key: string; count: number }) => [share.key, share.count]).sort()).toEqual([
      ['OK', 1],
      ['STOP_LINE', 1],
    ]);
    const byWorkflow = await generate('judgments by workflow today');
    const row = byWorkflow.data.judgmentStats.byWorkflow.find((entry: { workflow: { id: string } }) => entry.workflow.id === workflowId);
    // The workflow's name comes from the workflow subgraph: the view's query is federated like any other.
    expect(row).toMatchObject({ workflow: { name: workflowName }, count: 2 });
  });

  it("shows a viewer's generated view only their tenant", async () => {
    const globexViewer = await signToken({ userId: 'gina', tenantId: 'globex', roles: ['viewer'] }, platform.jwtSecret);
    const theirs = await generate('judgments by workflow today', globexViewer);
    expect(theirs.dataErrors).toEqual([]);
    expect(theirs.data.judgmentStats.byWorkflow.find((entry: { workflow: { id: string } }) => entry.workflow.id === workflowId)).toBeUndefined();
    // Named by its name, another tenant's workflow is not found at all.
    const named = await generate(`success rate for the ${workflowName} workflow today`, globexViewer);
    expect(named.query).toBeNull();
  });

  it('saves a generated view to a dashboard and pushes its fresh data within a second of a judgment, still after the first grants expired', async () => {
    const view = await generate(`hourly judgment count for the ${workflowName} workflow today`);
    const saved = await graphql(url(), `mutation($input: CreateDashboardInput!) { createDashboard(input: $input) { id views { id } } }`, {
      token: operator,
      variables: { input: { name: 'Shift', views: [{ title: view.title, query: view.query, variables: view.variables, dataPath: view.dataPath, chart: view.chart }] } },
    });
    expect(saved.body.errors).toBeUndefined();
    const dashboardId = saved.body.data!.createDashboard.id as string;
    const viewId = saved.body.data!.createDashboard.views[0].id as string;

    const client = createClient({ url: `${url().replace(/^http/, 'ws')}/graphql`, webSocketImpl: WebSocket, connectionParams: { authorization: `Bearer ${viewer}` }, retryAttempts: 0 });
    clients.push(client);
    const updates: Array<Update & { at: number }> = [];
    let failure: unknown;
    client.subscribe<{ dashboardUpdated: Update }>(
      { query: UPDATES, variables: { id: dashboardId } },
      { next: (message) => void updates.push({ ...message.data!.dashboardUpdated, at: Date.now() }), error: (error) => void (failure = error), complete: () => {} },
    );
    const next = async (count: number) => {
      const deadline = Date.now() + 5_000;
      while (updates.length < count && !failure && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 10));
      expect(failure).toBeUndefined();
      expect(updates.length).toBeGreaterThanOrEqual(count);
      return updates[count - 1]!;
    };
    const snapshot = await next(1);
    expect(snapshot.reason).toBe('SNAPSHOT');
    const counted = hourlyCount(snapshot.views[0]!.data);
    expect(snapshot.views[0]!.dataErrors).toEqual([]);

    for (const [round, expected] of [
      [1, counted + 1],
      [2, counted + 2],
    ] as const) {
      // Past the 3 s grant lifetime the views still run: the gateway renewed the grant on the upstream.
      if (round === 2) await new Promise((resolve) => setTimeout(resolve, 4_000));
      const judged = Date.now();
      await judge({ temperature: 99, vibration: 99 });
      let pushed: (Update & { at: number }) | undefined;
      for (let index = updates.length; !pushed || hourlyCount(pushed.views[0]!.data) < expected; index++) pushed = await next(index + 1);
      expect(pushed.reason).toBe('DATA_CHANGED');
      expect(pushed.changedViewIds).toEqual([viewId]);
      expect(pushed.views[0]!.dataErrors).toEqual([]);
      expect(pushed.at - judged).toBeLessThan(1_000);
    }
  });

  it('reruns only the views an event can change, coalesces a burst to at most one push per view per 250 ms, and refuses another tenant’s dashboard', async () => {
    const otherId = await createExampleWorkflow(url(), admin, `Other ${randomUUID().slice(0, 6)}`);
    const countOf = (id: string, title: string) => ({
      title,
      query: 'query($filter: JudgmentStatsFilter) { judgmentStats(filter: $filter) { totals { count } } }',
      variables: { filter: { period: 'TODAY', workflowId: id } },
      dataPath: 'judgmentStats.totals',
      chart: { type: 'KPI' },
    });
    const saved = await graphql(url(), `mutation($input: CreateDashboardInput!) { createDashboard(input: $input) { id views { id title } } }`, {
      token: operator,
      variables: { input: { name: 'Two lines', views: [countOf(workflowId, 'this line'), countOf(otherId, 'other line')] } },
    });
    const dashboardId = saved.body.data!.createDashboard.id as string;
    const [thisView] = saved.body.data!.createDashboard.views as Array<{ id: string }>;
    const client = createClient({ url: `${url().replace(/^http/, 'ws')}/graphql`, webSocketImpl: WebSocket, connectionParams: { authorization: `Bearer ${viewer}` }, retryAttempts: 0 });
    clients.push(client);
    const updates: Array<Update & { at: number }> = [];
    client.subscribe<{ dashboardUpdated: Update }>({ query: UPDATES, variables: { id: dashboardId } }, { next: (message) => void updates.push({ ...message.data!.dashboardUpdated, at: Date.now() }), error: () => {}, complete: () => {} });
    while (!updates.length) await new Promise((resolve) => setTimeout(resolve, 10));
    const before = updates[0]!.views[0]!.data.judgmentStats.totals.count as number;

    const burst = 12;
    await Promise.all(Array.from({ length: burst }, () => judge({ temperature: 90, vibration: 60 })));
    const deadline = Date.now() + 5_000;
    const latest = () => updates.at(-1)!.views.find((view) => view.viewId === thisView!.id)?.data?.judgmentStats.totals.count;
    while (latest() !== before + burst && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 20));
    expect(latest()).toBe(before + burst);
    const pushes = updates.slice(1);
    // Only the view of the workflow judged is rerun; the other's data cannot have changed.
    expect(pushes.every((update) => update.changedViewIds.length === 1 && update.changedViewIds[0] === thisView!.id && update.views.length === 2)).toBe(true);
    expect(pushes.length).toBeLessThan(burst);
    for (let index = 1; index < pushes.length; index++) expect(pushes[index]!.at - pushes[index - 1]!.at).toBeGreaterThanOrEqual(240);

    const globexViewer = await signToken({ userId: 'gina', tenantId: 'globex', roles: ['viewer'] }, platform.jwtSecret);
    const foreign = createClient({ url: `${url().replace(/^http/, 'ws')}/graphql`, webSocketImpl: WebSocket, connectionParams: { authorization: `Bearer ${globexViewer}` }, retryAttempts: 0 });
    clients.push(foreign);
    const refused = await new Promise<unknown>((resolve) => foreign.subscribe({ query: UPDATES, variables: { id: dashboardId } }, { next: resolve, error: resolve, complete: () => resolve('complete') }));
    expect(JSON.stringify(refused)).toContain('NOT_FOUND');

    // A viewer joining the same (shared) stream later starts with the whole current state.
    const late = createClient({ url: `${url().replace(/^http/, 'ws')}/graphql`, webSocketImpl: WebSocket, connectionParams: { authorization: `Bearer ${await signToken({ ...identities.acmeViewer, userId: 'late-viewer' }, platform.jwtSecret)}` }, retryAttempts: 0 });
    clients.push(late);
    const first = await new Promise<Update>((resolve, reject) => late.subscribe<{ dashboardUpdated: Update }>({ query: UPDATES, variables: { id: dashboardId } }, { next: (message) => resolve(message.data!.dashboardUpdated), error: reject, complete: () => {} }));
    expect(first.views.map((view) => view.data.judgmentStats.totals.count)).toEqual([before + burst, expect.any(Number)]);
  });
});
