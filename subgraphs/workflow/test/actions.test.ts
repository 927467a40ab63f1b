import { randomBytes, randomUUID } from 'node:crypto';
import { createEvent, type EventEnvelope } from '@judgify/runtime/events';
import type { Identity } from '@judgify/runtime/identity';
import { exampleWorkflowDefinition, identities, notifyingWorkflowDefinition } from '@judgify/runtime/testing';
import { createTestSubgraph, type TestSubgraph } from '@judgify/runtime/testing/subgraph';
import { startWebhookReceiver, type WebhookReceiver } from '@judgify/runtime/testing/webhook-receiver';
import { Webhook } from 'standardwebhooks';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApp } from '../src/app.ts';
import * as tables from '../src/db/schema.ts';
import { migrationsFolder } from '../src/service.ts';

const secret = `whsec_${randomBytes(32).toString('base64')}`;
const admin = identities.acmeAdmin;
const operator = identities.acmeOperator;

let subgraph: TestSubgraph<typeof tables>;
let receiver: WebhookReceiver;
const executed: EventEnvelope[] = [];

beforeAll(async () => {
  receiver = await startWebhookReceiver();
  subgraph = await createTestSubgraph({
    service: 'workflow',
    tables,
    migrationsFolder,
    outbox: tables.outbox,
    createApp: (infrastructure) =>
      createApp(infrastructure, {
        delivery: { delaysMs: [0, 100, 100, 100], timeoutMs: 500, allowPrivateTargets: true, pollMs: 50, maxResponseBytes: 256 * 1024 },
        breaker: { failureThreshold: 3, resetTimeoutMs: 800 },
      }),
  });
  subgraph.infrastructure.bus.subscribe('action.executed', 'test', async (event) => void executed.push(event));
});
afterAll(async () => {
  await subgraph.close();
  await receiver.close();
});

const gql = async (query: string, variables?: Record<string, unknown>, identity: Identity = admin) => subgraph.execute(identity, query, variables);

async function createTarget(input: Record<string, unknown>) {
  const result = await gql(`mutation($input: CreateActionTargetInput!) { createActionTarget(input: $input) { id name hasSecret breakerState } }`, { input });
  return result;
}

/** A workflow whose true branch passes an action node delivering to `target` (or an inline URL). */
async function workflowWith(action: Record<string, unknown>) {
  const definition = notifyingWorkflowDefinition(action);
  const created = await gql(`mutation($input: CreateWorkflowInput!) { createWorkflow(input: $input) { id version } }`, { input: { name: `Actions ${randomUUID().slice(0, 6)}`, definition } });
  if (!created.data) throw new Error(JSON.stringify(created.errors));
  return created.data.createWorkflow as { id: string; version: number };
}

/** What the judgment subgraph publishes when a run passes the action node. */
function judgmentCompleted(workflow: { id: string; version: number }, inputData: Record<string, unknown>, executionId = randomUUID()) {
  return createEvent({
    eventType: 'judgment.completed',
    source: 'judgment',
    tenantId: 'acme',
    data: {
      executionId,
      workflowId: workflow.id,
      workflowVersion: workflow.version,
      status: 'SUCCEEDED',
      decision: 'STOP_LINE',
      confidence: 1,
      explanation: 'check: temperature > 80 → decision STOP_LINE',
      method: 'RULE',
      methodUsed: 'RULE',
      cached: false,
      executionTimeMs: 1,
      actions: [{ nodeId: 'notify', action: 'webhook' }],
      inputData,
      createdAt: new Date().toISOString(),
    },
  });
}

const RUN_FIELDS = 'id status attempts idempotencyKey missingPlaceholders payload lastError nextAttemptAt attemptLog { number statusCode responseBody error durationMs } target { name }';
const runsOf = async (executionId: string) =>
  (await gql(`query($r: [_Any!]!) { _entities(representations: $r) { ... on JudgmentExecution { actionRuns { ${RUN_FIELDS} } } } }`, { r: [{ __typename: 'JudgmentExecution', id: executionId }] }))
    .data?._entities[0].actionRuns as Array<Record<string, any>>;
const settledRun = async (executionId: string, status: string, timeout = 10_000) => {
  await expect.poll(async () => (await runsOf(executionId))?.[0]?.status, { timeout, interval: 50 }).toBe(status);
  return (await runsOf(executionId))[0]!;
};
const arrivalsOf = (executionId: string) => receiver.received.filter((request) => request.headers['idempotency-key'] === `${executionId}:notify`);

describe('action targets', () => {
  it('keep their signing secret write-only: set, used, never returned', async () => {
    const created = await createTarget({ name: `ops-${randomUUID().slice(0, 6)}`, kind: 'WEBHOOK', url: receiver.url, secret, headers: { 'x-team': 'ops' } });
    expect(created.data?.createActionTarget).toMatchObject({ hasSecret: true, breakerState: 'CLOSED' });
    const read = await gql(`{ actionTargets { id name kind url headers hasSecret createdBy } }`);
    expect(JSON.stringify(read)).not.toContain(secret.slice(6, 20));
    expect(read.data?.actionTargets.find((target: { id: string }) => target.id === created.data?.createActionTarget.id)).toMatchObject({ kind: 'WEBHOOK', headers: { 'x-team': 'ops' }, hasSecret: true });
  });

  it('refuse bad input with what is wrong: secrets too short, malformed URLs, reserved headers, duplicate names', async () => {
    const bad = await createTarget({ name: 'bad target!', kind: 'WEBHOOK', url: 'not a url', secret: 'whsec_c2hvcnQ=', headers: { 'Webhook-Signature': 'x' } });
    expect(bad.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
    expect(bad.errors?.[0]?.extensions?.problems.map((problem: { path: string }) => problem.path).sort()).toEqual(['input.headers.Webhook-Signature', 'input.name', 'input.secret']);
    const malformed = await createTarget({ name: 'malformed', kind: 'WEBHOOK', url: 'ftp://example.com/x' });
    expect(malformed.errors?.[0]?.extensions?.problems).toEqual([{ path: 'input.url', message: 'only http and https URLs can be delivered to, not ftp' }]);
    const missing = await createTarget({ name: 'no-url', kind: 'NOTIFICATION' });
    expect(missing.errors?.[0]?.extensions?.problems).toEqual([{ path: 'input.url', message: 'url is required for a notification target' }]);
    await createTarget({ name: 'twice', kind: 'LOG' });
    expect((await createTarget({ name: 'twice', kind: 'LOG' })).errors?.[0]).toMatchObject({ extensions: { code: 'CONFLICT' } });
    expect((await gql(`mutation { createActionTarget(input: { name: "viewer-made", kind: LOG }) { id } }`, undefined, identities.acmeViewer)).errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
  });

  it('answer a signed ping with the status and latency', async () => {
    const created = await createTarget({ name: `ping-${randomUUID().slice(0, 6)}`, kind: 'WEBHOOK', url: receiver.url, secret });
    const tested = await gql(`mutation($id: ID!) { testActionTarget(id: $id) { ok statusCode latencyMs error } }`, { id: created.data?.createActionTarget.id });
    expect(tested.data?.testActionTarget).toMatchObject({ ok: true, statusCode: 200, error: null });
    const ping = receiver.received.at(-1)!;
    expect(new Webhook(secret).verify(ping.body, ping.headers as Record<string, string>)).toMatchObject({ event: 'ping' });
  });

  it('must exist for a definition to name them: an unknown one is bad input at the node', async () => {
    const result = await gql(`mutation($input: CreateWorkflowInput!) { createWorkflow(input: $input) { id } }`, {
      input: {
        name: 'Unknown target',
        definition: { ...exampleWorkflowDefinition, nodes: [...exampleWorkflowDefinition.nodes, { id: 'page', type: 'action', action: 'notification', target: 'nobody-here' }], edges: [...exampleWorkflowDefinition.edges, { from: 'page', to: 'ok' }] },
      },
    });
    expect(result.errors?.[0]?.extensions?.problems).toEqual([
      { path: 'input.definition.nodes[3].target', message: 'no action target named "nobody-here" in your tenant; create it first (createActionTarget)' },
    ]);
  });
});

describe('action delivery', () => {
  it('retries a failing receiver on the schedule: three attempts, one idempotency key, each verifiably signed', async () => {
    const name = `flaky-${randomUUID().slice(0, 6)}`;
    await createTarget({ name, kind: 'WEBHOOK', url: receiver.url, secret });
    const workflow = await workflowWith({ target: name, payloadTemplate: { text: 'Line {{line}} at {{temperature}}°C: {{decision}}', temperature: '{{temperature}}', missing: '{{nowhere}}' } });
    const event = judgmentCompleted(workflow, { line: 3, temperature: 91 });
    const executionId = (event.data as { executionId: string }).executionId;
    receiver.reply((_index, request) => (arrivalsOf(executionId).indexOf(request) < 2 ? { status: 500, body: 'down' } : { status: 200, body: 'thanks' }));
    await subgraph.infrastructure.bus.publish(event);
    const run = await settledRun(executionId, 'SUCCEEDED');
    expect(run).toMatchObject({
      attempts: 3,
      idempotencyKey: `${executionId}:notify`,
      payload: { text: 'Line 3 at 91°C: STOP_LINE', temperature: 91, missing: null },
      missingPlaceholders: ['nowhere'],
      lastError: null,
      target: { name },
    });
    expect(run.attemptLog.map((attempt: { statusCode: number }) => attempt.statusCode)).toEqual([500, 500, 200]);
    const arrivals = arrivalsOf(executionId);
    expect(arrivals).toHaveLength(3);
    expect(new Set(arrivals.map((request) => request.headers['webhook-id']))).toEqual(new Set([run.id]));
    for (const request of arrivals) expect(new Webhook(secret).verify(request.body, request.headers as Record<string, string>)).toMatchObject({ temperature: 91 });
    await expect.poll(() => executed.find((event) => (event.data as { runId: string }).runId === run.id)?.data).toMatchObject({ status: 'SUCCEEDED', attempts: 3, executionId });
  });

  it('delivers a judgment once, however often its event arrives', async () => {
    const workflow = await workflowWith({ url: receiver.url });
    receiver.reply(() => ({ status: 204 }));
    const first = judgmentCompleted(workflow, { temperature: 99 });
    const executionId = (first.data as { executionId: string }).executionId;
    await subgraph.infrastructure.bus.publish(first);
    // The same judgment published again under a new event id (a replay): the idempotency key holds.
    await subgraph.infrastructure.bus.publish({ ...first, eventId: randomUUID() });
    await settledRun(executionId, 'SUCCEEDED');
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(await runsOf(executionId)).toHaveLength(1);
    expect(arrivalsOf(executionId)).toHaveLength(1);
  });

  it('fails at once on a 4xx or a redirect, honours Retry-After on 429, and gives up after the schedule on 500 forever', async () => {
    const workflow = await workflowWith({ url: receiver.url });
    const answers: Record<string, (count: number) => { status: number; headers?: Record<string, string> }> = {};
    receiver.reply((_index, request) => {
      const key = String(request.headers['idempotency-key']);
      const script = answers[key.split(':')[0]!];
      return script ? script(arrivalsOf(key.split(':')[0]!).length) : { status: 200 };
    });
    const cases = { refused: () => ({ status: 422 }), moved: () => ({ status: 302, headers: { location: 'https://elsewhere.example.com' } }), throttled: (count: number) => (count === 1 ? { status: 429, headers: { 'retry-after': '1' } } : { status: 200 }), broken: () => ({ status: 500 }) };
    const executions = Object.fromEntries(Object.keys(cases).map((name) => [name, randomUUID()]));
    for (const [name, script] of Object.entries(cases)) {
      answers[executions[name]!] = script;
      await subgraph.infrastructure.bus.publish(judgmentCompleted(workflow, { temperature: 99 }, executions[name]));
    }
    expect(await settledRun(executions.refused!, 'FAILED')).toMatchObject({ attempts: 1, lastError: 'HTTP 422: the receiver refused the request; it will not be sent again' });
    expect(await settledRun(executions.moved!, 'FAILED')).toMatchObject({ attempts: 1, lastError: 'HTTP 302: redirects are not followed; give the target its final URL' });
    await settledRun(executions.throttled!, 'SUCCEEDED');
    const [throttledFirst, throttledSecond] = arrivalsOf(executions.throttled!);
    expect(throttledSecond!.receivedAt - throttledFirst!.receivedAt).toBeGreaterThanOrEqual(950);
    expect(await settledRun(executions.broken!, 'FAILED')).toMatchObject({ attempts: 4, lastError: 'gave up after 4 attempts: HTTP 500' });
    expect(executed.find((event) => (event.data as { executionId: string }).executionId === executions.broken)?.data).toMatchObject({ status: 'FAILED', error: 'gave up after 4 attempts: HTTP 500' });
  });

  it('records a receiver that hangs, closes mid-answer or sends 50 MB, and never waits for more than it needs', async () => {
    const workflow = await workflowWith({ url: receiver.url });
    const executions = { hang: randomUUID(), close: randomUUID(), huge: randomUUID() };
    receiver.reply((_index, request) => {
      const executionId = String(request.headers['idempotency-key']).split(':')[0];
      const first = arrivalsOf(executionId!).length === 1;
      if (executionId === executions.hang && first) return { hang: true };
      if (executionId === executions.close && first) return { closeMidResponse: true };
      if (executionId === executions.huge) return { bodyBytes: 50 * 1024 * 1024 };
      return { status: 200, body: 'fine' };
    });
    for (const executionId of Object.values(executions)) await subgraph.infrastructure.bus.publish(judgmentCompleted(workflow, { temperature: 99 }, executionId));
    const hung = await settledRun(executions.hang, 'SUCCEEDED');
    expect(hung.attemptLog[0]).toMatchObject({ statusCode: null, error: 'no answer within 500 ms' });
    const closed = await settledRun(executions.close, 'SUCCEEDED');
    expect(closed.attemptLog[0]).toMatchObject({ statusCode: 200, error: 'the connection closed before the answer was complete' });
    const huge = await settledRun(executions.huge, 'SUCCEEDED');
    expect(huge.attempts).toBe(1);
    expect(huge.attemptLog[0].responseBody).toHaveLength(2048);
    expect(huge.attemptLog[0].durationMs).toBeLessThan(5_000);
  });

  it('opens a target’s breaker after failures in a row: its runs wait without spending attempts, then go once it recovers', async () => {
    const name = `breaker-${randomUUID().slice(0, 6)}`;
    const target = (await createTarget({ name, kind: 'WEBHOOK', url: receiver.url })).data?.createActionTarget;
    const workflow = await workflowWith({ target: name });
    let down = true;
    receiver.reply(() => (down ? { status: 503 } : { status: 200 }));
    const executions = Array.from({ length: 4 }, () => randomUUID());
    for (const executionId of executions) await subgraph.infrastructure.bus.publish(judgmentCompleted(workflow, { temperature: 99 }, executionId));
    const state = async () => (await gql(`query($id: ID!) { actionTarget(id: $id) { breakerState openedAt } }`, { id: target.id })).data?.actionTarget;
    await expect.poll(async () => (await state()).breakerState, { timeout: 10_000, interval: 50 }).toBe('OPEN');
    expect((await state()).openedAt).not.toBeNull();
    const attemptsWhileOpen = receiver.received.length;
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(receiver.received.length).toBe(attemptsWhileOpen);
    down = false;
    for (const executionId of executions) await settledRun(executionId, 'SUCCEEDED', 15_000);
    expect((await state()).breakerState).toBe('CLOSED');
  });

  it('lets an operator retry a failed run (same key) and cancel a waiting one, and refuses what makes no sense', async () => {
    const workflow = await workflowWith({ url: receiver.url });
    const executionId = randomUUID();
    receiver.reply((_index, request) => (request.headers['idempotency-key'] === `${executionId}:notify` && arrivalsOf(executionId).length <= 4 ? { status: 500 } : { status: 200 }));
    await subgraph.infrastructure.bus.publish(judgmentCompleted(workflow, { temperature: 99 }, executionId));
    const failed = await settledRun(executionId, 'FAILED');
    const retried = await gql(`mutation($id: ID!) { retryActionRun(id: $id) { status } }`, { id: failed.id }, operator);
    expect(retried.data?.retryActionRun.status).toBe('PENDING');
    const succeeded = await settledRun(executionId, 'SUCCEEDED');
    expect(succeeded.attempts).toBe(5);
    expect(new Set(arrivalsOf(executionId).map((request) => request.headers['idempotency-key']))).toEqual(new Set([`${executionId}:notify`]));
    const again = await gql(`mutation($id: ID!) { retryActionRun(id: $id) { status } }`, { id: failed.id }, operator);
    expect(again.errors?.[0]).toMatchObject({ message: `Action run ${failed.id} already succeeded (attempt 5); it is never sent again.`, extensions: { code: 'CONFLICT' } });
    expect((await gql(`mutation($id: ID!) { cancelActionRun(id: $id) { status } }`, { id: failed.id }, operator)).errors?.[0]?.extensions?.code).toBe('CONFLICT');
    expect((await gql(`mutation($id: ID!) { retryActionRun(id: $id) { status } }`, { id: failed.id }, identities.acmeViewer)).errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
    expect((await gql(`mutation($id: ID!) { retryActionRun(id: $id) { status } }`, { id: failed.id }, identities.globexAdmin)).errors?.[0]?.extensions?.code).toBe('NOT_FOUND');
    const listed = await gql(`query($e: ID!) { actionRuns(filter: { executionId: $e, status: SUCCEEDED }) { id } }`, { e: executionId });
    expect(listed.data?.actionRuns).toEqual([{ id: failed.id }]);
  });
});

describe('partner event subscriptions', () => {
  it('deliver each matching event as a signed CloudEvent, filtered by type and workflow', async () => {
    const partner = await startWebhookReceiver();
    try {
      const workflow = await workflowWith({ action: 'log' });
      const other = await workflowWith({ action: 'log' });
      const created = await gql(`mutation($input: EventSubscriptionInput!) { createEventSubscription(input: $input) { id eventTypes hasSecret } }`, {
        input: { name: 'Partner ERP', url: partner.url, eventTypes: ['JUDGMENT_COMPLETED', 'ACTION_EXECUTED'], workflowId: workflow.id, secret },
      });
      expect(created.data?.createEventSubscription).toMatchObject({ eventTypes: ['JUDGMENT_COMPLETED', 'ACTION_EXECUTED'], hasSecret: true });
      const mine = judgmentCompleted(workflow, { temperature: 95 });
      await subgraph.infrastructure.bus.publish(mine);
      await subgraph.infrastructure.bus.publish(judgmentCompleted(other, { temperature: 95 }));
      await expect.poll(() => partner.received.map((request) => JSON.parse(request.body).type).sort(), { timeout: 10_000 }).toEqual(['judgify.action.executed', 'judgify.judgment.completed']);
      const judgment = partner.received.find((request) => JSON.parse(request.body).type === 'judgify.judgment.completed')!;
      expect(judgment.headers['content-type']).toBe('application/cloudevents+json');
      const cloudEvent = new Webhook(secret).verify(judgment.body, judgment.headers as Record<string, string>);
      expect(cloudEvent).toMatchObject({
        specversion: '1.0',
        id: mine.eventId,
        source: 'urn:judgify:judgment',
        subject: `workflow/${workflow.id}`,
        datacontenttype: 'application/json',
        data: { executionId: (mine.data as { executionId: string }).executionId, decision: 'STOP_LINE' },
      });
      await new Promise((resolve) => setTimeout(resolve, 300));
      expect(partner.received).toHaveLength(2);
    } finally {
      await partner.close();
    }
  });
});

describe('safe targets', () => {
  it('refuses loopback, private and link-local addresses unless private targets are allowed', async () => {
    const strict = await createTestSubgraph({ service: 'workflow', tables, migrationsFolder, outbox: tables.outbox, createApp: (infrastructure) => createApp(infrastructure, { holdDelivery: true }) });
    try {
      for (const url of ['http://127.0.0.1:8080/hook', 'http://localhost/hook', 'http://10.1.2.3/x', 'http://169.254.169.254/latest/meta-data', 'http://[::1]/x', 'http://[fd00::1]/x']) {
        const result = await strict.execute(admin, `mutation($input: CreateActionTargetInput!) { createActionTarget(input: $input) { id } }`, { input: { name: 'internal', kind: 'WEBHOOK', url } });
        expect(result.errors?.[0]?.extensions?.problems?.[0], url).toMatchObject({ path: 'input.url', message: expect.stringContaining('which targets may not use (ACTION_ALLOW_PRIVATE_TARGETS=true allows it)') });
      }
    } finally {
      await strict.close();
    }
  });
});
