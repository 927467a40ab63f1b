import { startOtlpReceiver, type ReceivedSpan } from '@judgify/runtime/testing/otlp-receiver';
import { notifyingWorkflowDefinition, testRedisUrl } from '@judgify/runtime/testing';
import { startWebhookReceiver, type WebhookReceiver } from '@judgify/runtime/testing/webhook-receiver';
import { createClient } from 'graphql-ws';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { createExampleWorkflow, graphql, signToken } from './client.ts';
import { startEmbeddedPlatform, startPlatform, type RunningProcess } from './platform.ts';

/**
 * Tracing across processes: every process exports over OTLP/HTTP (the standard OTEL_* variables)
 * to a receiver that keeps the spans in memory. One request through the gateway is one trace,
 * connected from the gateway's server span down to each subgraph's database calls; a judgment's
 * events carry the trace on to their relay and their consumers.
 */
interface Deployment {
  gateway: RunningProcess;
  jwtSecret: string;
  output(): string;
  stop(): Promise<void>;
}

const SPAN_KIND = { SERVER: 2, CLIENT: 3, PRODUCER: 4, CONSUMER: 5 } as const;

describe('one trace per request, across the gateway, subgraphs and events', () => {
  let receiver: Awaited<ReturnType<typeof startOtlpReceiver>>;
  let platform: Deployment;
  let partner: WebhookReceiver;
  let admin: string;

  beforeAll(async () => {
    [receiver, partner] = await Promise.all([startOtlpReceiver(), startWebhookReceiver()]);
    const env = { OTEL_EXPORTER_OTLP_ENDPOINT: receiver.url, OTEL_BSP_SCHEDULE_DELAY: '50', ACTION_ALLOW_PRIVATE_TARGETS: 'true' };
    if (testRedisUrl()) {
      const started = await startPlatform({ gatewayEnv: env, subgraphEnv: env, logLevel: 'debug' });
      platform = { ...started, output: () => [started.gateway, ...Object.values(started.subgraphs)].flatMap((running) => running.output).join('\n') };
    } else {
      const started = await startEmbeddedPlatform({ env, logLevel: 'debug' });
      platform = { ...started, output: () => started.gateway.output.join('\n') };
    }
    admin = await signToken({ userId: 'ada', tenantId: 'acme', roles: ['admin'] }, platform.jwtSecret);
  });

  afterAll(async () => {
    await platform?.stop();
    await Promise.all([receiver?.close(), partner?.close()]);
  });

  const traceOf = (traceId: string) => receiver.spans.filter((span) => span.traceId === traceId);
  /** The spans whose parent is not in the trace (a parent is exported when it ends, after its children). */
  const orphansOf = (spans: ReceivedSpan[]) => {
    const ids = new Set(spans.map((span) => span.spanId));
    return spans.filter((span) => span.parentSpanId && !ids.has(span.parentSpanId)).map((span) => `${span.service} ${span.name}`);
  };
  /** Every span's parent is in the trace, and exactly one span, the gateway's, has none. */
  const expectConnected = async (spans: () => ReceivedSpan[]) => {
    await expect.poll(() => orphansOf(spans()), { timeout: 10_000 }).toEqual([]);
    expect(spans().filter((span) => !span.parentSpanId).map((span) => span.name)).toEqual(['POST /graphql']);
  };

  it('follows a cross-subgraph query from the gateway to each subgraph and its database', async () => {
    await createExampleWorkflow(platform.gateway.url, admin, 'Traced line');
    const traceparent = `00-${'ab'.repeat(16)}-${'cd'.repeat(8)}-01`;
    const read = await graphql(platform.gateway.url, '{ workflows(first: 5) { id name successRate executions(first: 1) { id } } }', { token: admin, headers: { traceparent } });
    expect(read.body.errors).toBeUndefined();
    const traceId = 'ab'.repeat(16);
    // npm start reports as one service: the processes are told apart by judgify.service.
    const servers = () => new Set(traceOf(traceId).flatMap((span) => (span.kind === SPAN_KIND.SERVER ? [span.attributes['judgify.service']] : [])));
    await expect.poll(() => servers().size, { timeout: 10_000 }).toBeGreaterThanOrEqual(3);
    await new Promise((resolve) => setTimeout(resolve, 300));
    const spans = traceOf(traceId);
    // The caller's traceparent is the parent of the gateway's server span.
    const root = spans.find((span) => span.name === 'POST /graphql' && span.kind === SPAN_KIND.SERVER && span.attributes['judgify.service'] === 'gateway')!;
    expect(root.parentSpanId).toBe('cd'.repeat(8));
    await expectConnected(() => traceOf(traceId).map((span) => (span.spanId === root.spanId ? { ...span, parentSpanId: undefined } : span)));
    const names = spans.map((span) => span.name);
    expect(names).toEqual(expect.arrayContaining(['gateway.request', 'gateway.plan', 'gateway.fetch']));
    for (const subgraph of ['workflow', 'judgment']) {
      const server = spans.find((span) => span.kind === SPAN_KIND.SERVER && span.attributes['judgify.service'] === subgraph);
      expect(server, `${subgraph} server span`).toBeDefined();
      expect(spans.find((span) => span.spanId === server!.parentSpanId)?.name).toBe('gateway.fetch');
      // Its database work nests under it (PostgreSQL's: PGlite, in process, has no client to instrument).
      if (!process.env.TEST_DATABASE_URL) continue;
      const under = (span: ReceivedSpan | undefined): boolean => Boolean(span) && (span!.spanId === server!.spanId || under(spans.find((parent) => parent.spanId === span!.parentSpanId)));
      expect(spans.some((span) => span.attributes['db.system'] === 'postgresql' && under(span)), `${subgraph} database spans`).toBe(true);
    }
  });

  it('carries a judgment’s trace through its event: outbox relay, every consumer, the action delivery and the dashboard push', async () => {
    const workflow = await graphql(platform.gateway.url, 'mutation($input: CreateWorkflowInput!) { createWorkflow(input: $input) { id } }', {
      token: admin,
      variables: {
        input: {
          name: 'Traced judgments',
          definition: notifyingWorkflowDefinition({ url: partner.url, payloadTemplate: { decision: '{{decision}}' } }),
        },
      },
    });
    const workflowId = workflow.body.data?.createWorkflow.id as string;
    expect(workflow.body.errors).toBeUndefined();
    // A live dashboard counting today's judgments, open before the judgment runs.
    const view = (await graphql(platform.gateway.url, 'mutation { generateView(prompt: "number of judgments today as a KPI") { title query variables dataPath chart { type spec } } }', { token: admin })).body.data!.generateView;
    const dashboard = await graphql(platform.gateway.url, 'mutation($input: CreateDashboardInput!) { createDashboard(input: $input) { id } }', {
      token: admin,
      variables: { input: { name: 'Traced', views: [{ title: view.title, query: view.query, variables: view.variables, dataPath: view.dataPath, chart: view.chart }] } },
    });
    const client = createClient({ url: `${platform.gateway.url.replace(/^http/, 'ws')}/graphql`, webSocketImpl: WebSocket, connectionParams: { authorization: `Bearer ${admin}` }, retryAttempts: 0 });
    const updates: string[] = [];
    client.subscribe<{ dashboardUpdated: { reason: string } }>(
      { query: 'subscription($id: ID!) { dashboardUpdated(id: $id) { reason } }', variables: { id: dashboard.body.data!.createDashboard.id } },
      { next: (message) => void updates.push(message.data!.dashboardUpdated.reason), error: () => {}, complete: () => {} },
    );
    await expect.poll(() => updates, { timeout: 10_000 }).toContain('SNAPSHOT');
    const executed = await graphql(platform.gateway.url, 'mutation($input: ExecuteJudgmentInput!) { executeJudgment(input: $input) { id } }', {
      token: admin,
      variables: { input: { workflowId, inputData: { temperature: 90, vibration: 60 } } },
    });
    expect(executed.body.errors).toBeUndefined();
    const judgmentServer = () =>
      receiver.spans.find((span) => span.kind === SPAN_KIND.SERVER && span.attributes['judgify.service'] === 'judgment' && receiver.spans.some((other) => other.traceId === span.traceId && other.name === 'judgment.completed publish'));
    await expect.poll(() => judgmentServer(), { timeout: 15_000 }).toBeDefined();
    const { traceId } = judgmentServer()!;
    // Learning keeps it as a sample and workflow plans its actions, in its trace; bi folds it into its
    // read model in a batch span, in its trace or linked to it when the batch held several events.
    const consumersIn = (service: string) => traceOf(traceId).filter((span) => span.name === 'judgment.completed process' && span.attributes['messaging.consumer.group.name'] === service);
    await expect.poll(() => ['learning', 'workflow'].filter((group) => consumersIn(group).length === 1), { timeout: 15_000 }).toEqual(['learning', 'workflow']);
    await expect
      .poll(() => receiver.spans.some((span) => span.name === 'judgment.completed process' && span.attributes['messaging.consumer.group.name'] === 'bi' && (span.traceId === traceId || span.links.some((link) => link.traceId === traceId))), { timeout: 15_000 })
      .toBe(true);
    await expectConnected(() => traceOf(traceId));
    const spans = traceOf(traceId);
    // The webhook the judgment triggered is delivered in the same trace, and so is the dashboard's push.
    await expect.poll(() => traceOf(traceId).some((span) => span.name === 'action webhook deliver'), { timeout: 15_000 }).toBe(true);
    await expect.poll(() => updates, { timeout: 10_000 }).toContain('DATA_CHANGED');
    // The push is in the judgment's trace, or in that of a read-model batch linked to it (a batch of several events).
    const pushJoined = () =>
      receiver.spans.some((span) => span.name === 'dashboard push' && (span.traceId === traceId || traceOf(span.traceId).some((other) => other.links.some((link) => link.traceId === traceId))));
    await expect.poll(pushJoined, { timeout: 10_000 }).toBe(true);
    await client.dispose();
    await expectConnected(() => traceOf(traceId));
    const publish = spans.find((span) => span.name === 'judgment.completed publish')!;
    expect(publish.kind).toBe(SPAN_KIND.PRODUCER);
    for (const consumer of spans.filter((span) => span.name === 'judgment.completed process')) expect(consumer.kind).toBe(SPAN_KIND.CONSUMER);
    // Its trace id is in the log lines written while serving it.
    expect(platform.output()).toContain(`"traceId":"${traceId}"`);
  });
});
