import { randomUUID } from 'node:crypto';
import { identities } from '@judgify/runtime/testing';
import { createTestSubgraph, describeSubgraphBasics, type TestSubgraph } from '@judgify/runtime/testing/subgraph';
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

const EXECUTION_ENTITIES = /* GraphQL */ `
  query Executions($reps: [_Any!]!) {
    _entities(representations: $reps) { ... on JudgmentExecution { id feedback { id verdict correctDecision createdBy } } }
  }
`;

type Identity = (typeof identities)[keyof typeof identities];

let subgraph: TestSubgraph<typeof tables>;
beforeAll(async () => {
  subgraph = await createTestSubgraph({ service: 'learning', tables, migrationsFolder, createApp });
});
afterAll(() => subgraph.close());

const record = (input: Record<string, unknown>, identity: Identity = identities.acmeOperator) =>
  subgraph.execute(identity, RECORD, { input });

describeSubgraphBasics({
  subgraph: () => subgraph,
  schema,
  committedSchema: new URL('../schema.graphql', import.meta.url),
  reader: identities.acmeViewer,
  lists: ['feedbackList'],
});

describe('learning subgraph', () => {

  it('records feedback by the caller and lists it newest first', async () => {
    const executionId = randomUUID();
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
    const ids = listed.data?.feedbackList.map((f: { id: string }) => f.id);
    expect(ids).toHaveLength(2);
    expect(ids).toEqual(expect.arrayContaining([correct.data?.recordFeedback.id, incorrect.data?.recordFeedback.id]));
    const other = await subgraph.execute(identities.acmeViewer, LIST, { executionId: randomUUID() });
    expect(other).toEqual({ data: { feedbackList: [] } });
  });

  it('reports every invalid field at once with its path', async () => {
    const result = await record({ executionId: 'execution-1', verdict: 'INCORRECT', comment: 'c'.repeat(1001) });
    expect(result.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
    const paths = result.errors?.[0]?.extensions?.problems.map((problem: { path: string }) => problem.path);
    expect(paths).toEqual(expect.arrayContaining(['input.executionId', 'input.correctDecision', 'input.comment']));
    expect(result.errors?.[0]?.message).toContain('input.correctDecision: correctDecision is required when the verdict is INCORRECT');

    const correctWithDecision = await record({ executionId: randomUUID(), verdict: 'CORRECT', correctDecision: 'STOP_LINE' });
    expect(correctWithDecision.errors?.[0]?.extensions?.problems).toEqual([
      { path: 'input.correctDecision', message: expect.stringContaining('only for INCORRECT') },
    ]);
  });

  it('lets only operators and admins record feedback', async () => {
    const result = await record({ executionId: randomUUID(), verdict: 'CORRECT' }, identities.acmeViewer);
    expect(result.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
    expect(result.errors?.[0]?.message).toContain('Mutation.recordFeedback');
  });

  it('never shows another tenant its feedback, by query or by entity reference', async () => {
    const executionId = randomUUID();
    const globex = await record({ executionId, verdict: 'INCORRECT', correctDecision: 'STOP_LINE' }, identities.globexAdmin);
    const feedbackId = globex.data?.recordFeedback.id;

    expect(await subgraph.execute(identities.acmeViewer, LIST, { executionId })).toEqual({ data: { feedbackList: [] } });
    const all = await subgraph.execute(identities.acmeViewer, LIST, { first: 100 });
    expect(all.data?.feedbackList.map((f: { id: string }) => f.id)).not.toContain(feedbackId);

    const byFeedback = await subgraph.execute(
      identities.acmeViewer,
      `query($reps: [_Any!]!) { _entities(representations: $reps) { ... on Feedback { id } } }`,
      { reps: [{ __typename: 'Feedback', id: feedbackId }, { __typename: 'Feedback', id: 'not-a-uuid' }] },
    );
    expect(byFeedback).toEqual({ data: { _entities: [null, null] } });
    const byExecution = await subgraph.execute(identities.acmeViewer, EXECUTION_ENTITIES, { reps: [{ __typename: 'JudgmentExecution', id: executionId }] });
    expect(byExecution).toEqual({ data: { _entities: [{ id: executionId, feedback: [] }] } });

    const own = await subgraph.execute(identities.globexAdmin, EXECUTION_ENTITIES, { reps: [{ __typename: 'JudgmentExecution', id: executionId }] });
    expect(own.data?._entities[0].feedback).toEqual([{ id: feedbackId, verdict: 'INCORRECT', correctDecision: 'STOP_LINE', createdBy: 'gina' }]);
  });

  it('adds the feedback of each execution to JudgmentExecution references', async () => {
    const first = randomUUID();
    const second = randomUUID();
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
    expect(one.feedback.map((f: { id: string }) => f.id).sort()).toEqual([a.data?.recordFeedback.id, b.data?.recordFeedback.id].sort());
    expect(two.feedback.map((f: { id: string }) => f.id)).toEqual([c.data?.recordFeedback.id]);
    expect(none.feedback).toEqual([]);
    expect(malformed.feedback).toEqual([]);
  });

  it('pages through feedback newest first with cursors', async () => {
    const executionId = randomUUID();
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
