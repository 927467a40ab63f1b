import { randomBytes, randomUUID } from 'node:crypto';
import { createEvent, RedisStreamsBus } from '@judgify/runtime/events';
import { notifyingWorkflowDefinition, silentLogger, testRedisUrl } from '@judgify/runtime/testing';
import { startWebhookReceiver, type WebhookReceiver } from '@judgify/runtime/testing/webhook-receiver';
import { Webhook } from 'standardwebhooks';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { graphql, signToken } from './client.ts';
import { startEmbeddedPlatform, startPlatform, type Platform, type RunningProcess } from './platform.ts';

const secret = `whsec_${randomBytes(32).toString('base64')}`;
/** Local receivers, a short schedule (at once, then after 1.5 s and 3 s), and a breaker that opens after 3 failures for 1 s. */
const ACTION_ENV = { ACTION_ALLOW_PRIVATE_TARGETS: 'true', ACTION_RETRY_SCHEDULE: '0,1500ms,3s,3s', ACTION_BREAKER_FAILURES: '3', ACTION_BREAKER_RESET_MS: '1000' };

interface Deployment {
  gateway: RunningProcess;
  jwtSecret: string;
  stop(): Promise<void>;
}

const modes: Array<[string, () => Promise<Deployment>]> = [['npm start (one process)', () => startEmbeddedPlatform({ env: ACTION_ENV, logLevel: 'info' })]];
// Separate processes hear of judgments only through Redis.
if (testRedisUrl()) modes.unshift(['a process per service', () => startPlatform({ subgraphEnv: ACTION_ENV, logLevel: 'info' })]);

const tokens = async (jwtSecret: string, tenantId: string) => ({
  admin: await signToken({ userId: 'ada', tenantId, roles: ['admin'] }, jwtSecret),
  operator: await signToken({ userId: 'otto', tenantId, roles: ['operator'] }, jwtSecret),
});

const definitionTo = (target: string) =>
  notifyingWorkflowDefinition({ target, payloadTemplate: { text: 'Line {{line}}: {{decision}}', temperature: '{{temperature}}', executionId: '{{executionId}}' } });

/** A target on the receiver and a workflow that notifies it when the line runs hot; returns the workflow id. */
async function setUp(url: string, token: string, receiver: WebhookReceiver): Promise<{ workflowId: string; targetId: string }> {
  const name = `line-${randomUUID().slice(0, 8)}`;
  const target = await graphql(url, `mutation($input: CreateActionTargetInput!) { createActionTarget(input: $input) { id } }`, {
    token,
    variables: { input: { name, kind: 'WEBHOOK', url: receiver.url, secret } },
  });
  const workflow = await graphql(url, `mutation($input: CreateWorkflowInput!) { createWorkflow(input: $input) { id } }`, {
    token,
    variables: { input: { name: `Notify ${name}`, definition: definitionTo(name) } },
  });
  return { workflowId: workflow.body.data?.createWorkflow.id, targetId: target.body.data?.createActionTarget.id };
}

const judge = async (url: string, token: string, workflowId: string, inputData: Record<string, unknown>) => {
  const result = await graphql(url, `mutation($input: ExecuteJudgmentInput!) { executeJudgment(input: $input) { id decision } }`, { token, variables: { input: { workflowId, inputData } } });
  if (!result.body.data) throw new Error(JSON.stringify(result.body.errors));
  return result.body.data.executeJudgment.id as string;
};

const runsOf = async (url: string, token: string, executionId: string) =>
  (await graphql(url, `query($id: ID!) { judgmentExecution(id: $id) { actionRuns { id status attempts idempotencyKey attemptLog { statusCode } } } }`, { token, variables: { id: executionId } })).body.data
    ?.judgmentExecution?.actionRuns as Array<{ id: string; status: string; attempts: number; idempotencyKey: string; attemptLog: Array<{ statusCode: number | null }> }>;

describe.each(modes)('actions, %s', (_mode, start) => {
  let deployment: Deployment;
  let receiver: WebhookReceiver;
  beforeAll(async () => {
    [deployment, receiver] = await Promise.all([start(), startWebhookReceiver()]);
  });
  afterAll(async () => {
    await deployment?.stop();
    await receiver?.close();
  });

  it('deliver a judgment’s action to its target, signed, with the rendered payload, visible on the execution', async () => {
    const url = deployment.gateway.url;
    const { admin, operator } = await tokens(deployment.jwtSecret, `actions-${randomUUID().slice(0, 8)}`);
    const { workflowId } = await setUp(url, admin, receiver);
    const executionId = await judge(url, operator, workflowId, { line: 3, temperature: 91 });
    await expect.poll(async () => (await runsOf(url, operator, executionId))?.[0]?.status, { timeout: 15_000 }).toBe('SUCCEEDED');
    const arrival = receiver.received.find((request) => request.headers['idempotency-key'] === `${executionId}:notify`)!;
    expect(new Webhook(secret).verify(arrival.body, arrival.headers as Record<string, string>)).toEqual({ text: 'Line 3: STOP_LINE', temperature: 91, executionId });
  });

  it('deliver platform events to a partner subscription as verifiable CloudEvents', async () => {
    const partner = await startWebhookReceiver();
    try {
      const url = deployment.gateway.url;
      const { admin, operator } = await tokens(deployment.jwtSecret, `partner-${randomUUID().slice(0, 8)}`);
      const { workflowId } = await setUp(url, admin, receiver);
      const subscribed = await graphql(url, `mutation($input: EventSubscriptionInput!) { createEventSubscription(input: $input) { id } }`, {
        token: admin,
        variables: { input: { name: 'Partner', url: partner.url, eventTypes: ['JUDGMENT_COMPLETED', 'ACTION_EXECUTED'], secret } },
      });
      expect(subscribed.body.errors).toBeUndefined();
      const executionId = await judge(url, operator, workflowId, { line: 1, temperature: 99 });
      await expect.poll(() => partner.received.length, { timeout: 15_000 }).toBe(2);
      const events = partner.received.map((request) => new Webhook(secret).verify(request.body, request.headers as Record<string, string>) as { type: string; data: { executionId: string; status?: string } });
      expect(events.map((event) => event.type).sort()).toEqual(['judgify.action.executed', 'judgify.judgment.completed']);
      expect(events.every((event) => event.data.executionId === executionId)).toBe(true);
      expect(events.find((event) => event.type === 'judgify.action.executed')?.data.status).toBe('SUCCEEDED');
    } finally {
      await partner.close();
    }
  });
});

describe.runIf(testRedisUrl())('actions across processes (distributed mode)', () => {
  let platform: Platform;
  let receiver: WebhookReceiver;
  beforeAll(async () => {
    [platform, receiver] = await Promise.all([startPlatform({ subgraphEnv: ACTION_ENV, logLevel: 'info' }), startWebhookReceiver()]);
  });
  afterAll(async () => {
    await platform?.stop();
    await receiver?.close();
  });
  const arrivals = (executionId: string) => receiver.received.filter((request) => request.headers['idempotency-key'] === `${executionId}:notify`);

  it('survive the workflow service being killed between two attempts: delivered after the restart, exactly once', async () => {
    const url = platform.gateway.url;
    const { admin, operator } = await tokens(platform.jwtSecret, `restart-${randomUUID().slice(0, 8)}`);
    const { workflowId } = await setUp(url, admin, receiver);
    let executionId = '';
    receiver.reply((_index, request) => (request.headers['idempotency-key'] === `${executionId}:notify` && arrivals(executionId).length === 1 ? { status: 500 } : { status: 200 }));
    executionId = await judge(url, operator, workflowId, { line: 2, temperature: 95 });
    await expect.poll(async () => (await runsOf(url, operator, executionId))?.[0]?.attempts, { timeout: 15_000 }).toBe(1);
    platform.subgraphs.workflow = await platform.restart(platform.subgraphs.workflow);
    await expect.poll(async () => (await runsOf(url, operator, executionId))?.[0]?.status, { timeout: 20_000 }).toBe('SUCCEEDED');
    expect(arrivals(executionId).map((request) => request.headers['webhook-id'])).toHaveLength(2);
    expect((await runsOf(url, operator, executionId))[0]?.attemptLog.map((attempt) => attempt.statusCode)).toEqual([500, 200]);
  });

  it('deliver each run once with two workflow replicas, share the breaker between them, and ignore a replayed judgment', async () => {
    const replica = await platform.startSubgraphReplica('workflow');
    const url = platform.gateway.url;
    const tenantId = `replicas-${randomUUID().slice(0, 8)}`;
    const { admin, operator } = await tokens(platform.jwtSecret, tenantId);
    const { workflowId, targetId } = await setUp(url, admin, receiver);
    let down = true;
    const mine = new Set<string>();
    const accepted = new Map<string, number>();
    receiver.reply((_index, request) => {
      const executionId = String(request.headers['idempotency-key']).split(':')[0]!;
      if (!mine.has(executionId)) return { status: 200 };
      if (down) return { status: 503 };
      accepted.set(executionId, (accepted.get(executionId) ?? 0) + 1);
      return { status: 200 };
    });
    const executions: string[] = [];
    for (let n = 0; n < 12; n++) {
      const executionId = await judge(url, operator, workflowId, { line: n, temperature: 90 + n });
      mine.add(executionId);
      executions.push(executionId);
    }
    const breaker = async () => (await graphql(url, `query($id: ID!) { actionTarget(id: $id) { breakerState } }`, { token: admin, variables: { id: targetId } })).body.data?.actionTarget.breakerState;
    await expect.poll(breaker, { timeout: 15_000 }).toBe('OPEN');
    down = false;
    // A judgment.completed published again under another event id, as a replay would: no second run, no second delivery.
    const bus = new RedisStreamsBus({ logger: silentLogger, service: 'e2e' }, { url: testRedisUrl()!, prefix: platform.redisPrefix });
    const replayed = executions[0]!;
    await bus.publish(
      createEvent({
        eventType: 'judgment.completed',
        source: 'judgment',
        tenantId,
        data: { executionId: replayed, workflowId, workflowVersion: 1, status: 'SUCCEEDED', decision: 'STOP_LINE', confidence: 1, explanation: 'replayed', actions: [{ nodeId: 'notify', action: 'webhook' }], inputData: {}, createdAt: new Date().toISOString() },
      }),
    );
    await bus.close();
    for (const executionId of executions) await expect.poll(async () => (await runsOf(url, operator, executionId))?.[0]?.status, { timeout: 30_000 }).toBe('SUCCEEDED');
    await new Promise((resolve) => setTimeout(resolve, 500));
    for (const executionId of executions) expect(await runsOf(url, operator, executionId)).toHaveLength(1);
    expect(executions.map((executionId) => accepted.get(executionId))).toEqual(executions.map(() => 1));
    expect(await breaker()).toBe('CLOSED');
    expect(replica.output.join('\n')).toContain('workflow subgraph ready');
  });
});
