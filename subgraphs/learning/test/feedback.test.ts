import { randomUUID } from 'node:crypto';
import { createEvent, type EventEnvelope, type InProcessBus } from '@judgify/runtime/events';
import { identities } from '@judgify/runtime/testing';
import { createTestSubgraph, describeSubgraphBasics, type TestSubgraph } from '@judgify/runtime/testing/subgraph';
import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApp } from '../src/app.ts';
import * as tables from '../src/db/schema.ts';
import { schema } from '../src/schema/index.ts';
import { migrationsFolder } from '../src/service.ts';

const RECORD = /* GraphQL */ `
  mutation Record($input: RecordFeedbackInput!) {
    recordFeedback(input: $input) { id execution { id } verdict correctDecision comment createdAt createdBy cursor }
  }
`;

const LIST = /* GraphQL */ `
  query List($executionId: ID, $first: Int, $after: String) {
    feedbackList(executionId: $executionId, first: $first, after: $after) { id verdict correctDecision comment cursor execution { id } }
  }
`;

const SAMPLES = /* GraphQL */ `
  query Samples($workflowId: ID!, $filter: SampleFilter, $first: Int, $after: String) {
    samples(workflowId: $workflowId, filter: $filter, first: $first, after: $after) {
      executionId workflowVersion inputData decision methodUsed confidence label verdict feedback { id verdict } cursor
    }
  }
`;

const SUMMARY = /* GraphQL */ `
  query Summary($reps: [_Any!]!) {
    _entities(representations: $reps) {
      ... on Workflow { id learningSummary { labelledCount labelMix { label count } currentVersion currentVersionAccuracy currentVersionFeedbackCount recentWrongCount } }
    }
  }
`;

const EXECUTION_ENTITIES = /* GraphQL */ `
  query Executions($reps: [_Any!]!) {
    _entities(representations: $reps) { ... on JudgmentExecution { id feedback { id verdict correctDecision createdBy } } }
  }
`;

type Identity = (typeof identities)[keyof typeof identities];

let subgraph: TestSubgraph<typeof tables>;
const published: EventEnvelope[] = [];
beforeAll(async () => {
  subgraph = await createTestSubgraph({ service: 'learning', tables, migrationsFolder, outbox: tables.outbox, createApp });
  subgraph.infrastructure.bus.subscribe('feedback.recorded', 'test', async (event) => void published.push(event));
});
afterAll(() => subgraph.close());

const bus = () => subgraph.infrastructure.bus as InProcessBus;

/** What the judgment subgraph publishes for each execution; learning keeps it as a sample to be. */
async function judged(options: { tenantId?: string; workflowId?: string; version?: number; decision?: string; inputData?: Record<string, unknown> } = {}) {
  const executionId = randomUUID();
  await bus().publish(
    createEvent({
      eventType: 'judgment.completed',
      source: 'judgment',
      tenantId: options.tenantId ?? 'acme',
      data: {
        executionId,
        workflowId: options.workflowId ?? randomUUID(),
        workflowVersion: options.version ?? 1,
        status: 'SUCCEEDED',
        decision: options.decision ?? 'STOP_LINE',
        confidence: 1,
        explanation: 'check: temperature > 80 → decision STOP_LINE',
        method: 'HYBRID',
        methodUsed: 'RULE',
        cached: false,
        executionTimeMs: 1,
        actions: [],
        inputData: options.inputData ?? { temperature: 95 },
        createdAt: new Date().toISOString(),
      },
    }),
  );
  await bus().drain();
  return executionId;
}

const record = (input: Record<string, unknown>, identity: Identity = identities.acmeOperator) => subgraph.execute(identity, RECORD, { input });

describeSubgraphBasics({
  subgraph: () => subgraph,
  schema,
  committedSchema: new URL('../schema.graphql', import.meta.url),
  reader: identities.acmeViewer,
  lookups: ['ruleExtractionJob', 'ruleCandidate'],
  lists: ['feedbackList', 'ruleExtractionJobs'],
});

describe('feedback', () => {
  it('records feedback by the caller and lists it newest first', async () => {
    const executionId = await judged();
    const correct = await record({ executionId, verdict: 'CORRECT', comment: 'matches the sensor log' });
    expect(correct.errors).toBeUndefined();
    expect(correct.data?.recordFeedback).toMatchObject({
      execution: { id: executionId },
      verdict: 'CORRECT',
      correctDecision: null,
      comment: 'matches the sensor log',
      createdBy: 'otto',
    });
    const incorrect = await record({ executionId, verdict: 'INCORRECT', correctDecision: 'OK' }, identities.acmeAdmin);
    expect(incorrect.data?.recordFeedback).toMatchObject({ verdict: 'INCORRECT', correctDecision: 'OK', comment: null, createdBy: 'ada' });

    const listed = await subgraph.execute(identities.acmeViewer, LIST, { executionId });
    expect(listed.errors).toBeUndefined();
    expect(listed.data?.feedbackList.map((f: { id: string }) => f.id)).toEqual([incorrect.data?.recordFeedback.id, correct.data?.recordFeedback.id]);
    expect(await subgraph.execute(identities.acmeViewer, LIST, { executionId: randomUUID() })).toEqual({ data: { feedbackList: [] } });
  });

  it('refuses feedback on an execution it has never heard of, or one of another tenant, as NOT_FOUND naming it', async () => {
    const unknown = randomUUID();
    const result = await record({ executionId: unknown, verdict: 'CORRECT' });
    expect(result.errors?.[0]).toMatchObject({
      message: `There is no judgment execution with id "${unknown}" in your tenant: feedback is about a judgment that was made.`,
      extensions: { code: 'NOT_FOUND', field: 'input.executionId' },
    });
    const globex = await judged({ tenantId: 'globex' });
    expect((await record({ executionId: globex, verdict: 'CORRECT' })).errors?.[0]?.extensions?.code).toBe('NOT_FOUND');
    expect((await record({ executionId: globex, verdict: 'CORRECT' }, identities.globexAdmin)).errors).toBeUndefined();
  });

  it('reports every invalid field at once with its path', async () => {
    const result = await record({ executionId: 'execution-1', verdict: 'INCORRECT', comment: 'c'.repeat(1001) });
    expect(result.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
    const paths = result.errors?.[0]?.extensions?.problems.map((problem: { path: string }) => problem.path);
    expect(paths).toEqual(expect.arrayContaining(['input.executionId', 'input.correctDecision', 'input.comment']));
    expect(result.errors?.[0]?.message).toContain('input.correctDecision: correctDecision is required when the verdict is INCORRECT');

    const correctWithDecision = await record({ executionId: randomUUID(), verdict: 'CORRECT', correctDecision: 'STOP_LINE' });
    expect(correctWithDecision.errors?.[0]?.extensions?.problems).toEqual([{ path: 'input.correctDecision', message: expect.stringContaining('only for INCORRECT') }]);
  });

  it('lets only operators and admins record feedback', async () => {
    const result = await record({ executionId: await judged(), verdict: 'CORRECT' }, identities.acmeViewer);
    expect(result.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
    expect(result.errors?.[0]?.message).toContain('Mutation.recordFeedback');
  });

  it('never shows another tenant its feedback, by query or by entity reference', async () => {
    const executionId = await judged({ tenantId: 'globex' });
    const globex = await record({ executionId, verdict: 'INCORRECT', correctDecision: 'OK' }, identities.globexAdmin);
    const feedbackId = globex.data?.recordFeedback.id;

    expect(await subgraph.execute(identities.acmeViewer, LIST, { executionId })).toEqual({ data: { feedbackList: [] } });
    const all = await subgraph.execute(identities.acmeViewer, LIST, { first: 100 });
    expect(all.data?.feedbackList.map((f: { id: string }) => f.id)).not.toContain(feedbackId);

    const byFeedback = await subgraph.execute(identities.acmeViewer, `query($reps: [_Any!]!) { _entities(representations: $reps) { ... on Feedback { id } } }`, {
      reps: [{ __typename: 'Feedback', id: feedbackId }, { __typename: 'Feedback', id: 'not-a-uuid' }],
    });
    expect(byFeedback).toEqual({ data: { _entities: [null, null] } });
    const byExecution = await subgraph.execute(identities.acmeViewer, EXECUTION_ENTITIES, { reps: [{ __typename: 'JudgmentExecution', id: executionId }] });
    expect(byExecution).toEqual({ data: { _entities: [{ id: executionId, feedback: [] }] } });

    const own = await subgraph.execute(identities.globexAdmin, EXECUTION_ENTITIES, { reps: [{ __typename: 'JudgmentExecution', id: executionId }] });
    expect(own.data?._entities[0].feedback).toEqual([{ id: feedbackId, verdict: 'INCORRECT', correctDecision: 'OK', createdBy: 'gina' }]);
  });

  it('adds the feedback of each execution to JudgmentExecution references', async () => {
    const first = await judged();
    const second = await judged();
    const a = await record({ executionId: first, verdict: 'CORRECT' });
    const b = await record({ executionId: first, verdict: 'INCORRECT', correctDecision: 'OK' });
    const c = await record({ executionId: second, verdict: 'CORRECT' });
    const result = await subgraph.execute(identities.acmeViewer, EXECUTION_ENTITIES, {
      reps: [
        { __typename: 'JudgmentExecution', id: first },
        { __typename: 'JudgmentExecution', id: second },
        { __typename: 'JudgmentExecution', id: randomUUID() },
        { __typename: 'JudgmentExecution', id: 'not-a-uuid' },
      ],
    });
    expect(result.errors).toBeUndefined();
    const [one, two, none, malformed] = result.data?._entities;
    expect(one.feedback.map((f: { id: string }) => f.id)).toEqual([b.data?.recordFeedback.id, a.data?.recordFeedback.id]);
    expect(two.feedback.map((f: { id: string }) => f.id)).toEqual([c.data?.recordFeedback.id]);
    expect(none.feedback).toEqual([]);
    expect(malformed.feedback).toEqual([]);
  });

  it('pages through feedback newest first with cursors', async () => {
    const executionId = await judged();
    for (let i = 0; i < 5; i++) await record({ executionId, verdict: 'CORRECT', comment: `round ${i}` });
    const everything = (await subgraph.execute(identities.acmeViewer, LIST, { executionId, first: 100 })).data?.feedbackList;
    expect(everything).toHaveLength(5);

    const seen: string[] = [];
    let after: string | undefined;
    for (;;) {
      const page = await subgraph.execute(identities.acmeViewer, LIST, { executionId, first: 2, after });
      expect(page.errors).toBeUndefined();
      const items = page.data?.feedbackList as Array<{ id: string; cursor: string }>;
      seen.push(...items.map((item) => item.id));
      if (items.length < 2) break;
      after = items.at(-1)?.cursor;
    }
    expect(seen).toEqual(everything.map((f: { id: string }) => f.id));
  });

  it('refuses page sizes over 100 and malformed cursors, and finds nothing for a malformed execution id', async () => {
    const tooMany = await subgraph.execute(identities.acmeViewer, LIST, { first: 101 });
    expect(tooMany.errors?.[0]).toMatchObject({ message: '"first" must be between 1 and 100; got 101.', extensions: { code: 'BAD_USER_INPUT' } });
    const forged = Buffer.from(JSON.stringify([new Date().toISOString(), 'not-a-uuid'])).toString('base64url');
    for (const after of ['garbage', forged]) {
      const result = await subgraph.execute(identities.acmeViewer, LIST, { after });
      expect(result.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
    }
    expect(await subgraph.execute(identities.acmeViewer, LIST, { executionId: 'not-a-uuid' })).toEqual({ data: { feedbackList: [] } });
  });

  it('shows nothing to a caller without a role, even through entity references', async () => {
    const nobody = { userId: 'nobody', tenantId: 'acme', roles: [] };
    const result = await subgraph.execute(nobody, EXECUTION_ENTITIES, { reps: [{ __typename: 'JudgmentExecution', id: randomUUID() }] });
    expect(result.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
  });
});

describe('samples', () => {
  it('keeps each judgment once, however often its event comes, and ignores a malformed one', async () => {
    const workflowId = randomUUID();
    const executionId = await judged({ workflowId, inputData: { temperature: 91 } });
    const [event] = await subgraph.infrastructure.database.db.select().from(tables.executions).where(eq(tables.executions.id, executionId));
    expect(event).toMatchObject({ tenantId: 'acme', workflowId, workflowVersion: 1, decision: 'STOP_LINE', methodUsed: 'RULE', confidence: 1, inputData: { temperature: 91 }, label: null });
    await bus().publish(createEvent({ eventType: 'judgment.completed', source: 'judgment', tenantId: 'acme', data: { executionId: 'nope' } }));
    await bus().drain();
    const rows = await subgraph.infrastructure.database.db.select().from(tables.executions).where(eq(tables.executions.workflowId, workflowId));
    expect(rows).toHaveLength(1);
  });

  it('labels an execution by its latest feedback: the decision when CORRECT, the given decision when INCORRECT', async () => {
    const workflowId = randomUUID();
    const right = await judged({ workflowId, inputData: { temperature: 95 } });
    const wrong = await judged({ workflowId, inputData: { temperature: 70 } });
    const unlabelled = await judged({ workflowId });
    await record({ executionId: right, verdict: 'CORRECT' });
    const first = await record({ executionId: wrong, verdict: 'CORRECT' });
    const second = await record({ executionId: wrong, verdict: 'INCORRECT', correctDecision: 'OK' });

    const samples = await subgraph.execute(identities.acmeViewer, SAMPLES, { workflowId });
    expect(samples.errors).toBeUndefined();
    expect(samples.data?.samples).toMatchObject([
      { executionId: wrong, label: 'OK', verdict: 'INCORRECT', decision: 'STOP_LINE', feedback: { id: second.data?.recordFeedback.id } },
      { executionId: right, label: 'STOP_LINE', verdict: 'CORRECT', inputData: { temperature: 95 } },
    ]);
    expect(samples.data?.samples.map((sample: { executionId: string }) => sample.executionId)).not.toContain(unlabelled);
    // The superseded verdict stays, listed.
    const history = await subgraph.execute(identities.acmeViewer, LIST, { executionId: wrong });
    expect(history.data?.feedbackList.map((f: { id: string }) => f.id)).toEqual([second.data?.recordFeedback.id, first.data?.recordFeedback.id]);

    const wrongOnly = await subgraph.execute(identities.acmeViewer, SAMPLES, { workflowId, filter: { verdict: 'INCORRECT' } });
    expect(wrongOnly.data?.samples.map((sample: { executionId: string }) => sample.executionId)).toEqual([wrong]);
    const byLabel = await subgraph.execute(identities.acmeViewer, SAMPLES, { workflowId, filter: { label: 'STOP_LINE' } });
    expect(byLabel.data?.samples.map((sample: { executionId: string }) => sample.executionId)).toEqual([right]);
    const page = await subgraph.execute(identities.acmeViewer, SAMPLES, { workflowId, first: 1 });
    const next = await subgraph.execute(identities.acmeViewer, SAMPLES, { workflowId, first: 1, after: page.data?.samples[0].cursor });
    expect(next.data?.samples.map((sample: { executionId: string }) => sample.executionId)).toEqual([right]);
    expect(await subgraph.execute(identities.globexAdmin, SAMPLES, { workflowId })).toEqual({ data: { samples: [] } });
  });

  it('publishes feedback.recorded through the outbox, naming the label and what it supersedes', async () => {
    const workflowId = randomUUID();
    const executionId = await judged({ workflowId, version: 3 });
    const first = await record({ executionId, verdict: 'CORRECT' });
    const second = await record({ executionId, verdict: 'INCORRECT', correctDecision: 'OK' }, identities.acmeAdmin);
    await expect.poll(() => published.filter((event) => (event.data as { executionId: string }).executionId === executionId).length, { timeout: 5_000 }).toBe(2);
    const latest = published.find((event) => (event.data as { feedbackId: string }).feedbackId === second.data?.recordFeedback.id)!;
    expect(latest).toMatchObject({
      eventType: 'feedback.recorded',
      source: 'learning',
      tenantId: 'acme',
      data: { executionId, workflowId, workflowVersion: 3, verdict: 'INCORRECT', decision: 'STOP_LINE', correctDecision: 'OK', label: 'OK', supersedes: first.data?.recordFeedback.id, recordedBy: 'ada' },
    });
  });

  it('sums up a workflow: labelled count, label mix, accuracy of the current version, recent wrong judgments', async () => {
    const workflowId = randomUUID();
    const old = await judged({ workflowId, version: 1 });
    const current = await Promise.all([judged({ workflowId, version: 2 }), judged({ workflowId, version: 2 }), judged({ workflowId, version: 2 })]);
    await judged({ workflowId, version: 2 });
    await record({ executionId: old, verdict: 'INCORRECT', correctDecision: 'OK' });
    await record({ executionId: current[0], verdict: 'CORRECT' });
    await record({ executionId: current[1], verdict: 'CORRECT' });
    await record({ executionId: current[2], verdict: 'INCORRECT', correctDecision: 'OK' });
    const result = await subgraph.execute(identities.acmeViewer, SUMMARY, {
      reps: [
        { __typename: 'Workflow', id: workflowId, version: 2 },
        { __typename: 'Workflow', id: randomUUID(), version: 1 },
      ],
    });
    expect(result.errors).toBeUndefined();
    expect(result.data?._entities[0].learningSummary).toEqual({
      labelledCount: 4,
      labelMix: [
        { label: 'OK', count: 2 },
        { label: 'STOP_LINE', count: 2 },
      ],
      currentVersion: 2,
      currentVersionAccuracy: 2 / 3,
      currentVersionFeedbackCount: 3,
      recentWrongCount: 2,
    });
    expect(result.data?._entities[1].learningSummary).toEqual({
      labelledCount: 0,
      labelMix: [],
      currentVersion: 1,
      currentVersionAccuracy: null,
      currentVersionFeedbackCount: 0,
      recentWrongCount: 0,
    });
  });

  it('finds the labelled samples nearest an input, and names bad arguments', async () => {
    const workflowId = randomUUID();
    for (const temperature of [10, 50, 90, 95]) await record({ executionId: await judged({ workflowId, inputData: { temperature, line: 'L1' } }), verdict: 'CORRECT' });
    const query = `query($workflowId: ID!, $input: JSON!, $first: Int) { similarSamples(workflowId: $workflowId, input: $input, first: $first) { inputData label distance } }`;
    const near = await subgraph.execute(identities.acmeViewer, query, { workflowId, input: { temperature: 92, line: 'L1' }, first: 2 });
    expect(near.errors).toBeUndefined();
    expect(near.data?.similarSamples.map((sample: { inputData: { temperature: number } }) => sample.inputData.temperature)).toEqual([90, 95]);
    expect(near.data?.similarSamples[0].distance).toBeLessThan(near.data?.similarSamples[1].distance);
    expect((await subgraph.execute(identities.globexAdmin, query, { workflowId, input: { temperature: 92 } })).data?.similarSamples).toEqual([]);

    const notObject = await subgraph.execute(identities.acmeViewer, query, { workflowId, input: [1, 2] });
    expect(notObject.errors?.[0]).toMatchObject({ extensions: { code: 'BAD_USER_INPUT' }, message: expect.stringContaining('args.input: input must be a JSON object') });
    const tooMany = await subgraph.execute(identities.acmeViewer, query, { workflowId, input: {}, first: 51 });
    expect(tooMany.errors?.[0]?.message).toContain('args.first: first must be 1–50');
  });
});
