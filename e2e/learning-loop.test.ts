import { randomBytes, randomUUID } from 'node:crypto';
import { testRedisUrl } from '@judgify/runtime/testing';
import { startOpenAiTestServer, type OpenAiTestServer } from '@judgify/runtime/testing/openai-server';
import { startWebhookReceiver, type WebhookReceiver } from '@judgify/runtime/testing/webhook-receiver';
import { createClient } from 'graphql-ws';
import { Webhook } from 'standardwebhooks';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { graphql, signToken } from './client.ts';
import { startEmbeddedPlatform, startPlatform, type RunningProcess } from './platform.ts';

/**
 * The learning loop through the gateway, as people use it: judgments are made, people say which
 * were wrong, the platform learns a rule from what they said, an admin promotes it, and the next
 * judgment is decided by it, in a new workflow version.
 */
interface Deployment {
  gateway: RunningProcess;
  jwtSecret: string;
  stop(): Promise<void>;
}

const secret = `whsec_${randomBytes(32).toString('base64')}`;
const envWith = (llm: OpenAiTestServer) => ({ OPENAI_BASE_URL: llm.baseUrl, LLM_MODEL: 'loop-test', ACTION_ALLOW_PRIVATE_TARGETS: 'true' });
const modes: Array<[string, (env: Record<string, string>) => Promise<Deployment>]> = [['npm start (one process)', (env) => startEmbeddedPlatform({ env, logLevel: 'info' })]];
if (testRedisUrl()) modes.unshift(['a process per service', (env) => startPlatform({ subgraphEnv: env, logLevel: 'info' })]);

/** A line that should stop when it runs hot: at first only the LLM is asked, on its criteria. */
const definition = {
  startNode: 'check',
  nodes: [
    { id: 'check', type: 'judgment', method: 'llm', criteria: 'Stop the line when the machine overheats.' },
    { id: 'stop', type: 'output', decision: 'STOP_LINE' },
    { id: 'ok', type: 'output', decision: 'OK' },
  ],
  edges: [
    { from: 'check', to: 'stop', when: 'true' },
    { from: 'check', to: 'ok', when: 'false' },
  ],
};

/** The truth people know and the first workflow does not: hot means above 80 degrees. */
const truthOf = (input: { temperature: number }) => (input.temperature > 80 ? 'STOP_LINE' : 'OK');
const inputs = Array.from({ length: 40 }, (_, index) => ({ temperature: (index * 37) % 120, vibration: (index * 53) % 100, line: index % 2 ? 'L1' : 'L2' }));

const schemaName = (body: { response_format?: unknown }) => (body.response_format as { json_schema?: { name?: string } } | undefined)?.json_schema?.name;

describe.each(modes)('the learning loop, %s', (_mode, start) => {
  let deployment: Deployment;
  let llm: OpenAiTestServer;
  let partner: WebhookReceiver;
  beforeAll(async () => {
    [llm, partner] = await Promise.all([startOpenAiTestServer(), startWebhookReceiver()]);
    // A naive model: it never thinks the line overheats. It proposes one rule that parses and one that does not.
    llm.respondWith((body) =>
      schemaName(body) === 'rule_proposals'
        ? { content: JSON.stringify({ rules: [{ expression: 'temperature > 80', rationale: 'hot' }, { expression: 'temperature >>> 80', rationale: 'typo' }] }) }
        : { content: JSON.stringify({ decision: 'false', confidence: 0.9, explanation: 'looks fine to me' }) },
    );
    deployment = await start(envWith(llm));
  }, 120_000);
  afterAll(async () => {
    await deployment?.stop();
    await Promise.all([llm?.close(), partner?.close()]);
  });

  it('learns from feedback, promotes the learned rule as a new version, and judges by it next', async () => {
    const url = deployment.gateway.url;
    const tenant = `learning-${randomUUID().slice(0, 8)}`;
    const admin = await signToken({ userId: 'ada', tenantId: tenant, roles: ['admin'] }, deployment.jwtSecret);
    const operator = await signToken({ userId: 'otto', tenantId: tenant, roles: ['operator'] }, deployment.jwtSecret);
    const call = async (token: string, query: string, variables: Record<string, unknown> = {}) => (await graphql(url, query, { token, variables })).body;

    const created = await call(admin, 'mutation($input: CreateWorkflowInput!) { createWorkflow(input: $input) { id version } }', { input: { name: 'Line 7', definition } });
    const workflowId = created.data?.createWorkflow.id as string;
    const extract = () => call(admin, 'mutation($id: ID!) { extractRules(workflowId: $id, nodeId: "check") { id status } }', { id: workflowId });
    expect((await extract()).errors?.[0]).toMatchObject({
      message: 'Rule extraction needs at least 20 labelled samples with at least 5 of each outcome; node "check" has 0 (0 "true", 0 "false").',
      extensions: { code: 'BAD_USER_INPUT' },
    });

    const judge = async (inputData: Record<string, unknown>) => {
      const result = await call(operator, 'mutation($input: ExecuteJudgmentInput!) { executeJudgment(input: $input) { id decision methodUsed workflowVersion explanation } }', {
        input: { workflowId, inputData },
      });
      if (!result.data) throw new Error(JSON.stringify(result.errors));
      return result.data.executeJudgment as { id: string; decision: string; methodUsed: string; workflowVersion: number; explanation: string };
    };
    const judged = [];
    for (const input of inputs) judged.push({ input, execution: await judge(input) });
    expect(new Set(judged.map(({ execution }) => execution.decision))).toEqual(new Set(['OK']));

    const feedback = (executionId: string, input: { temperature: number }) =>
      call(operator, 'mutation($input: RecordFeedbackInput!) { recordFeedback(input: $input) { id verdict } }', {
        input: truthOf(input) === 'OK' ? { executionId, verdict: 'CORRECT' } : { executionId, verdict: 'INCORRECT', correctDecision: truthOf(input) },
      });
    const [cool, hot] = [judged.filter(({ input }) => truthOf(input) === 'OK'), judged.filter(({ input }) => truthOf(input) !== 'OK')];
    for (const { input, execution } of cool) expect((await feedback(execution.id, input)).errors).toBeUndefined();
    expect((await extract()).errors?.[0]?.message).toBe(
      `All ${cool.length} labelled samples of node "check" mean "false": a rule needs examples of both outcomes. Give feedback on judgments that went the other way.`,
    );
    for (const { input, execution } of hot) expect((await feedback(execution.id, input)).errors).toBeUndefined();
    const unknown = randomUUID();
    expect((await feedback(unknown, { temperature: 10 })).errors?.[0]).toMatchObject({ extensions: { code: 'NOT_FOUND' }, message: expect.stringContaining(unknown) });

    // With labelled samples, the LLM is shown the most similar ones.
    const fewShot = await judge({ temperature: 97, vibration: 20, line: 'L1' });
    expect(fewShot.explanation).toContain('LLM (loop-test, with 15 similar labelled samples)');
    const prompt = JSON.stringify(llm.requests.filter((body) => schemaName(body) === 'judgment').at(-1));
    expect(prompt).toContain('Decisions made earlier on similar inputs');

    const summary = await call(operator, 'query($id: ID!) { workflow(id: $id) { version learningSummary { labelledCount labelMix { label count } currentVersion currentVersionAccuracy recentWrongCount } } }', {
      id: workflowId,
    });
    expect(summary.data?.workflow.learningSummary).toEqual({
      labelledCount: 40,
      labelMix: [
        { label: 'OK', count: cool.length },
        { label: 'STOP_LINE', count: hot.length },
      ].sort((a, b) => b.count - a.count),
      currentVersion: 1,
      currentVersionAccuracy: cool.length / 40,
      recentWrongCount: hot.length,
    });
    const samples = await call(operator, 'query($id: ID!) { samples(workflowId: $id, filter: { verdict: INCORRECT }, first: 100) { label decision } }', { id: workflowId });
    expect(samples.data?.samples).toHaveLength(hot.length);
    expect(samples.data?.samples.every((sample: { label: string; decision: string }) => sample.label === 'STOP_LINE' && sample.decision === 'OK')).toBe(true);

    // A partner hears of the promotion.
    const subscribed = await call(admin, 'mutation($input: EventSubscriptionInput!) { createEventSubscription(input: $input) { id } }', {
      input: { name: 'Rules feed', url: partner.url, eventTypes: ['RULE_PROMOTED'], secret },
    });
    expect(subscribed.errors).toBeUndefined();

    // Extraction runs as a job, followed through the gateway over graphql-ws.
    const job = (await extract()).data?.extractRules as { id: string; status: string };
    expect(job.status).toBe('QUEUED');
    const ws = createClient({ url: `${url.replace(/^http/, 'ws')}/graphql`, webSocketImpl: WebSocket, connectionParams: { authorization: `Bearer ${admin}` } });
    const updates: Array<{ status: string; progress: number }> = [];
    try {
      await new Promise<void>((resolve, reject) =>
        ws.subscribe(
          { query: 'subscription($id: ID!) { ruleExtractionJobUpdated(id: $id) { status progress } }', variables: { id: job.id } },
          { next: (result) => void updates.push(result.data?.ruleExtractionJobUpdated as { status: string; progress: number }), error: reject, complete: resolve },
        ),
      );
    } finally {
      await ws.dispose();
    }
    expect(updates.at(-1)).toEqual({ status: 'SUCCEEDED', progress: 1 });
    const finished = await call(admin, 'query($id: ID!) { ruleExtractionJob(id: $id) { split { trainCount testCount } notes { algorithm message } candidates { id algorithm expression precision accuracy testCount } } }', { id: job.id });
    const { split, notes, candidates } = finished.data?.ruleExtractionJob;
    expect(split).toEqual({ trainCount: 28, testCount: 12 });
    expect(notes).toEqual([{ algorithm: 'LLM_PATTERN', message: expect.stringContaining('"temperature >>> 80" does not parse') }]);
    const [best] = candidates as Array<{ id: string; algorithm: string; expression: string; precision: number; accuracy: number; testCount: number }>;
    expect(best).toMatchObject({ accuracy: 1, precision: 1, testCount: 12 });
    expect(best!.expression).toMatch(/^temperature > \d+$/);

    // Promotion: optimistic concurrency, a node that exists, then a new version.
    const promote = (variables: Record<string, unknown>) =>
      call(admin, 'mutation($c: ID!, $n: String, $v: Int!) { promoteRule(candidateId: $c, nodeId: $n, expectedVersion: $v) { workflowVersion candidate { promotedBy promotedVersion } } }', variables);
    expect((await promote({ c: best!.id, n: 'check', v: 7 })).errors?.[0]).toMatchObject({ extensions: { code: 'CONFLICT', currentVersion: 1 } });
    expect((await promote({ c: best!.id, n: 'nope', v: 1 })).errors?.[0]).toMatchObject({
      message: '"nope" is not a judgment node of this workflow; its judgment nodes are "check".',
      extensions: { code: 'BAD_USER_INPUT' },
    });
    expect((await promote({ c: randomUUID(), n: 'check', v: 1 })).errors?.[0]?.extensions?.code).toBe('NOT_FOUND');
    const promoted = await promote({ c: best!.id, n: 'check', v: 1 });
    expect(promoted.errors).toBeUndefined();
    expect(promoted.data?.promoteRule).toEqual({ workflowVersion: 2, candidate: { promotedBy: 'ada', promotedVersion: 2 } });
    expect((await promote({ c: best!.id, n: 'check', v: 2 })).errors?.[0]).toMatchObject({
      extensions: { code: 'CONFLICT', candidateVersion: 1, currentVersion: 2 },
      message: expect.stringContaining('learned from version 1'),
    });

    const workflow = await call(admin, 'query($id: ID!) { workflow(id: $id) { version definition } workflowAuditLog(filter: { workflowId: $id }) { version userId via } }', { id: workflowId });
    expect(workflow.data?.workflow.version).toBe(2);
    expect(workflow.data?.workflow.definition.nodes[0]).toEqual({ id: 'check', type: 'judgment', criteria: definition.nodes[0]!.criteria, rule: best!.expression, ruleConfidence: 1, ruleConfidenceWhenFalse: 1 });
    expect(workflow.data?.workflowAuditLog).toEqual([
      { version: 2, userId: 'ada', via: ['learning'] },
      { version: 1, userId: 'ada', via: null },
    ]);

    // The next judgment is decided by the promoted rule, in the new version.
    const next = await judge({ temperature: 99, vibration: 5, line: 'L2' });
    expect(next).toMatchObject({ decision: 'STOP_LINE', methodUsed: 'RULE', workflowVersion: 2 });
    expect(next.explanation).toContain('a learned rule, 100 % right on held-out samples when true');

    // Rolling back is updating to the earlier version's definition.
    const before = await call(admin, 'query($id: ID!) { workflow(id: $id) { atVersion(version: 1) { definition } } }', { id: workflowId });
    const rolledBack = await call(admin, 'mutation($id: ID!, $d: JSON!) { updateWorkflow(id: $id, input: { definition: $d }, expectedVersion: 2) { version } }', {
      id: workflowId,
      d: before.data?.workflow.atVersion.definition,
    });
    expect(rolledBack.data?.updateWorkflow.version).toBe(3);
    expect(await judge({ temperature: 98, vibration: 5, line: 'L2' })).toMatchObject({ methodUsed: 'LLM', workflowVersion: 3 });

    await expect.poll(() => partner.received.length, { timeout: 15_000 }).toBe(1);
    const event = new Webhook(secret).verify(partner.received[0]!.body, partner.received[0]!.headers as Record<string, string>) as { type: string; data: Record<string, unknown> };
    expect(event).toMatchObject({ type: 'judgify.rule.promoted', data: { workflowId, nodeId: 'check', expression: best!.expression, fromVersion: 1, toVersion: 2, promotedBy: 'ada' } });
  }, 180_000);
});
