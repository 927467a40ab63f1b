import { randomUUID } from 'node:crypto';
import { identities } from '@judgify/runtime/testing';
import { createTestSubgraph, describeSubgraphBasics, type TestSubgraph } from '@judgify/runtime/testing/subgraph';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApp } from '../src/app.ts';
import { createLoaders } from '../src/context.ts';
import * as tables from '../src/db/schema.ts';
import { recordExecution, type ExecutionValues } from '../src/domain/execution.ts';
import { schema } from '../src/schema/index.ts';
import { migrationsFolder } from '../src/service.ts';

const EXECUTION = /* GraphQL */ `
  query Execution($id: ID!) {
    judgmentExecution(id: $id) {
      id workflow { id } workflowVersion status decision confidence explanation method methodUsed cached inputData executionTimeMs createdAt cursor
    }
  }
`;

const WORKFLOW_ENTITIES = /* GraphQL */ `
  query Workflows($reps: [_Any!]!, $first: Int, $after: String) {
    _entities(representations: $reps) {
      ... on Workflow { id successRate avgExecutionTimeMs executions(first: $first, after: $after) { id decision cursor } }
    }
  }
`;

const lineThree = randomUUID();
const packaging = randomUUID();
const neverRun = randomUUID();
const globexWorkflow = randomUUID();

const execution = (overrides: Partial<ExecutionValues> = {}): ExecutionValues => ({
  workflowId: lineThree,
  workflowVersion: 1,
  status: 'SUCCEEDED',
  decision: 'STOP_LINE',
  confidence: 1,
  explanation: 'temperature > 80 AND vibration > 50 held',
  method: 'HYBRID',
  methodUsed: 'RULE',
  cached: false,
  inputData: { temperature: 90, vibration: 60 },
  executionTimeMs: 10,
  ...overrides,
});

let subgraph: TestSubgraph<typeof tables>;
const lineThreeIds: string[] = [];
let globexExecutionId: string;

beforeAll(async () => {
  subgraph = await createTestSubgraph({ service: 'judgment', tables, migrationsFolder, createApp });
  const deps = { db: subgraph.infrastructure.database.db };
  for (const [executionTimeMs, status] of [[10, 'SUCCEEDED'], [20, 'SUCCEEDED'], [30, 'FAILED'], [40, 'SUCCEEDED']] as const) {
    const row = await recordExecution(deps.db, identities.acmeOperator, execution({ executionTimeMs, status, decision: `D${executionTimeMs}` }));
    lineThreeIds.push(row.id);
  }
  await recordExecution(deps.db, identities.acmeOperator, execution({ workflowId: packaging, status: 'FAILED', executionTimeMs: 7.5 }));
  const globex = await recordExecution(deps.db, identities.globexAdmin, execution({ workflowId: globexWorkflow }));
  await recordExecution(deps.db, identities.globexAdmin, execution({ workflowId: lineThree, status: 'FAILED', executionTimeMs: 1000 }));
  globexExecutionId = globex.id;
});
afterAll(() => subgraph.close());

describeSubgraphBasics({
  subgraph: () => subgraph,
  schema,
  committedSchema: new URL('../schema.graphql', import.meta.url),
  reader: identities.acmeViewer,
});

describe('judgment subgraph', () => {

  it('reads a stored execution back with everything the engine recorded', async () => {
    const id = lineThreeIds[0];
    const result = await subgraph.execute(identities.acmeViewer, EXECUTION, { id });
    expect(result.errors).toBeUndefined();
    expect(result.data?.judgmentExecution).toMatchObject({
      id,
      workflow: { id: lineThree },
      workflowVersion: 1,
      status: 'SUCCEEDED',
      decision: 'D10',
      confidence: 1,
      method: 'HYBRID',
      methodUsed: 'RULE',
      cached: false,
      inputData: { temperature: 90, vibration: 60 },
      executionTimeMs: 10,
    });
    expect(Date.parse(result.data?.judgmentExecution.createdAt)).not.toBeNaN();
  });

  it('refuses to record an execution that breaks the rules, naming every field', async () => {
    const deps = { db: subgraph.infrastructure.database.db };
    const attempt = recordExecution(
      deps.db,
      identities.acmeOperator,
      execution({ workflowId: 'line-3', confidence: 1.5, decision: '', executionTimeMs: -1, inputData: [] as never }),
    );
    await expect(attempt).rejects.toMatchObject({
      extensions: {
        code: 'BAD_USER_INPUT',
        problems: expect.arrayContaining([
          expect.objectContaining({ path: 'execution.workflowId' }),
          expect.objectContaining({ path: 'execution.confidence' }),
          expect.objectContaining({ path: 'execution.decision' }),
          expect.objectContaining({ path: 'execution.executionTimeMs' }),
          expect.objectContaining({ path: 'execution.inputData' }),
        ]),
      },
    });
  });

  it('answers null for an id that is not a UUID or belongs to another tenant', async () => {
    expect(await subgraph.execute(identities.acmeViewer, EXECUTION, { id: 'not-a-uuid' })).toEqual({ data: { judgmentExecution: null } });
    expect(await subgraph.execute(identities.acmeViewer, EXECUTION, { id: globexExecutionId })).toEqual({ data: { judgmentExecution: null } });
    const own = await subgraph.execute(identities.globexAdmin, EXECUTION, { id: globexExecutionId });
    expect(own.data?.judgmentExecution.id).toBe(globexExecutionId);
  });

  it('resolves JudgmentExecution references of the caller tenant only', async () => {
    const result = await subgraph.execute(
      identities.acmeViewer,
      `query($reps: [_Any!]!) { _entities(representations: $reps) { ... on JudgmentExecution { id decision workflow { id } } } }`,
      {
        reps: [
          { __typename: 'JudgmentExecution', id: lineThreeIds[1] },
          { __typename: 'JudgmentExecution', id: globexExecutionId },
          { __typename: 'JudgmentExecution', id: 'nope' },
        ],
      },
    );
    expect(result).toEqual({
      data: { _entities: [{ id: lineThreeIds[1], decision: 'D20', workflow: { id: lineThree } }, null, null] },
    });
  });

  it('adds executions and stats to Workflow references, from the caller tenant only', async () => {
    const result = await subgraph.execute(identities.acmeViewer, WORKFLOW_ENTITIES, {
      reps: [
        { __typename: 'Workflow', id: lineThree },
        { __typename: 'Workflow', id: packaging },
        { __typename: 'Workflow', id: neverRun },
        { __typename: 'Workflow', id: globexWorkflow },
        { __typename: 'Workflow', id: 'not-a-uuid' },
      ],
      first: 100,
    });
    expect(result.errors).toBeUndefined();
    const [line, pack, never, globex, malformed] = result.data?._entities;
    expect(line).toMatchObject({ id: lineThree, successRate: 0.75, avgExecutionTimeMs: 25 });
    expect(line.executions.map((e: { id: string }) => e.id).sort()).toEqual([...lineThreeIds].sort());
    expect(pack).toMatchObject({ successRate: 0, avgExecutionTimeMs: 7.5 });
    expect(pack.executions).toHaveLength(1);
    for (const empty of [never, globex, malformed]) expect(empty).toMatchObject({ successRate: null, avgExecutionTimeMs: null, executions: [] });
  });

  it('pages through the executions of a workflow newest first with cursors', async () => {
    const reps = [{ __typename: 'Workflow', id: lineThree }];
    const all = await subgraph.execute(identities.acmeViewer, WORKFLOW_ENTITIES, { reps, first: 100 });
    const everything = all.data?._entities[0].executions as Array<{ id: string; cursor: string }>;
    expect(everything).toHaveLength(4);

    const seen: string[] = [];
    let after: string | undefined;
    for (;;) {
      const page = await subgraph.execute(identities.acmeViewer, WORKFLOW_ENTITIES, { reps, first: 3, after });
      expect(page.errors).toBeUndefined();
      const executions = page.data?._entities[0].executions as Array<{ id: string; cursor: string }>;
      seen.push(...executions.map((e) => e.id));
      if (executions.length < 3) break;
      after = executions.at(-1)?.cursor;
    }
    expect(seen).toEqual(everything.map((e) => e.id));

    const rows = await Promise.all(seen.map((id) => subgraph.execute(identities.acmeViewer, EXECUTION, { id })));
    const order = rows.map((row) => [Date.parse(row.data?.judgmentExecution.createdAt), row.data?.judgmentExecution.id]);
    expect(order).toEqual([...order].sort(([at1, id1], [at2, id2]) => (at2 - at1) || (id2 > id1 ? 1 : -1)));
  });

  it('costs the same few queries for a hundred workflows as for one', async () => {
    // What reaches the database driver (this subgraph has no outbox relay, so nothing else runs meanwhile).
    const db = subgraph.infrastructure.database.db;
    const client = (db as unknown as { $client: { query: (...args: unknown[]) => Promise<unknown> } }).$client;
    const queriesFor = async (workflowIds: string[]) => {
      let queries = 0;
      const query = client.query;
      client.query = function (this: unknown, ...args: unknown[]) {
        queries++;
        return query.apply(this, args);
      };
      try {
        const loaders = createLoaders({ db }, 'acme');
        await Promise.all(
          workflowIds.flatMap((workflowId) => [
            loaders.workflowStats.load(workflowId),
            loaders.executionsOfWorkflow.load({ workflowId, first: 20 }),
          ]),
        );
      } finally {
        client.query = query;
      }
      return queries;
    };
    const many = [lineThree, packaging, ...Array.from({ length: 98 }, () => randomUUID())];
    const forOne = await queriesFor([lineThree]);
    expect(forOne).toBe(2);
    expect(await queriesFor(many)).toBe(forOne);
  });

  it('refuses page sizes over 100 and malformed cursors with a clear error', async () => {
    const reps = [{ __typename: 'Workflow', id: lineThree }];
    const tooMany = await subgraph.execute(identities.acmeViewer, WORKFLOW_ENTITIES, { reps, first: 101 });
    expect(tooMany.errors?.[0]).toMatchObject({ message: '"first" must be between 1 and 100; got 101.', extensions: { code: 'BAD_USER_INPUT' } });
    const forged = Buffer.from(JSON.stringify([new Date().toISOString(), 'not-a-uuid'])).toString('base64url');
    for (const after of ['garbage', forged]) {
      const result = await subgraph.execute(identities.acmeViewer, WORKFLOW_ENTITIES, { reps, after });
      expect(result.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
    }
  });

  it('shows nothing to a caller without a role, even through entity references', async () => {
    const nobody = { userId: 'nobody', tenantId: 'acme', roles: [] };
    const result = await subgraph.execute(nobody, WORKFLOW_ENTITIES, { reps: [{ __typename: 'Workflow', id: lineThree }] });
    expect(result.errors?.map((error) => error.extensions?.code)).toEqual(['FORBIDDEN', 'FORBIDDEN', 'FORBIDDEN']);
    const direct = await subgraph.execute(nobody, EXECUTION, { id: lineThreeIds[0] });
    expect(direct.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
  });
});
