import { randomUUID } from 'node:crypto';
import { identities } from '@judgify/runtime/testing';
import { eq, inArray, sql } from 'drizzle-orm';
import { describe, expect, it } from 'vitest';
import * as tables from '../src/db/schema.ts';
import { judgmentSubgraphForTests, publishWorkflow, waitFor } from './harness.ts';

const harness = judgmentSubgraphForTests({ llmTimeoutMs: 2_000 });
const { completed } = harness;

const EXECUTE = /* GraphQL */ `
  mutation($input: ExecuteJudgmentInput!) { executeJudgment(input: $input) { id decision createdAt } }
`;
const execute = (workflowId: string, inputData: unknown) =>
  harness.subgraph.execute(identities.acmeOperator, EXECUTE, { input: { workflowId, inputData, method: 'RULE' } });

const db = () => harness.subgraph.infrastructure.database.db;
const storedOf = (workflowId: string) => db().select().from(tables.judgmentExecutions).where(eq(tables.judgmentExecutions.workflowId, workflowId));
const outboxOf = async (workflowId: string) =>
  (await db().select().from(tables.outbox).where(eq(tables.outbox.eventType, 'judgment.completed'))).filter(
    (row) => (row.envelope.data as { workflowId: string }).workflowId === workflowId,
  );
const executionIdOf = (event: { data: unknown }) => (event.data as { executionId: string }).executionId;

async function newWorkflow(): Promise<string> {
  const workflowId = randomUUID();
  await publishWorkflow(harness, workflowId, 1);
  await harness.subgraph.infrastructure.fence.raise('workflow', 'acme', workflowId, 1);
  return workflowId;
}

/**
 * Counts what reaches the database while `run` runs: every query the driver is handed (pool or
 * PGlite) and every transaction opened. The relay is stopped meanwhile, so only `run` is counted.
 */
async function databaseCallsDuring(run: () => Promise<unknown>) {
  const relay = harness.subgraph.infrastructure.outbox!.relay;
  await relay.stop();
  const client = (db() as unknown as { $client: { query: (...args: unknown[]) => Promise<unknown> } }).$client;
  const calls = { queries: 0, transactions: 0 };
  const [query, transaction] = [client.query, db().transaction];
  // Outside a transaction drizzle and the prepared statements run on the pool (or PGlite) itself; a transaction would check a connection out.
  client.query = function (this: unknown, ...args: unknown[]) {
    calls.queries++;
    return query.apply(this, args);
  };
  db().transaction = ((...args: Parameters<typeof transaction>) => {
    calls.transactions++;
    return transaction.apply(db(), args);
  }) as typeof transaction;
  try {
    await run();
  } finally {
    client.query = query;
    db().transaction = transaction;
    relay.start();
  }
  return calls;
}

describe('an execution and its judgment.completed event, written in one statement', () => {
  it('costs one database statement per rule judgment once the workflow is cached, and no transaction', async () => {
    const workflowId = await newWorkflow();
    expect((await execute(workflowId, { temperature: 1, vibration: 1 })).data?.executeJudgment.decision).toBe('OK');
    let id = '';
    const calls = await databaseCallsDuring(async () => {
      const result = await execute(workflowId, { temperature: 90, vibration: 60 });
      expect(result.errors).toBeUndefined();
      id = result.data?.executeJudgment.id;
    });
    expect(calls).toEqual({ queries: 1, transactions: 0 });
    await waitFor(() => completed.some((event) => executionIdOf(event) === id));
  });

  it('stores every concurrent judgment with exactly one event, published once, stamped with the row’s createdAt', async () => {
    const workflowId = await newWorkflow();
    const results = await Promise.all(Array.from({ length: 40 }, (_, serial) => execute(workflowId, { temperature: 90, vibration: serial })));
    expect(results.flatMap((result) => result.errors ?? [])).toEqual([]);
    const answered = results.map((result) => result.data?.executeJudgment as { id: string; createdAt: string });
    await waitFor(() => answered.every(({ id }) => completed.some((event) => executionIdOf(event) === id)));

    const stored = await storedOf(workflowId);
    expect(stored.map((row) => row.id).sort()).toEqual(answered.map(({ id }) => id).sort());
    const events = await outboxOf(workflowId);
    expect(events.map((row) => executionIdOf(row.envelope)).sort()).toEqual(stored.map((row) => row.id).sort());
    for (const row of stored) {
      const event = events.find((candidate) => executionIdOf(candidate.envelope) === row.id)!;
      expect(event.publishedAt).toBeInstanceOf(Date);
      expect(event.tenantId).toBe('acme');
      expect(event.envelope).toMatchObject({ eventType: 'judgment.completed', eventId: event.eventId, data: { createdAt: row.createdAt.toISOString(), inputData: row.inputData } });
      expect(answered.find(({ id }) => id === row.id)?.createdAt).toBe(row.createdAt.toISOString());
    }
    const deliveries = completed.filter((event) => stored.some((row) => row.id === executionIdOf(event)));
    expect(deliveries).toHaveLength(stored.length);
  });

  it('stores neither the execution nor its event when either insert fails', async () => {
    const workflowId = await newWorkflow();
    const before = { executions: (await storedOf(workflowId)).length, events: (await outboxOf(workflowId)).length };
    // The second insert of the statement (the event) fails, after the first (the execution) succeeded.
    await db().execute(sql`alter table judgment.outbox add constraint outbox_test_no_poison check (not (envelope->'data'->'inputData' ? 'poison'))`);
    try {
      const refused = await execute(workflowId, { temperature: 90, vibration: 60, poison: true });
      expect(refused.errors?.[0]?.extensions?.code).toBe('INTERNAL_SERVER_ERROR');
    } finally {
      await db().execute(sql`alter table judgment.outbox drop constraint outbox_test_no_poison`);
    }
    // And the first: the execution itself is refused.
    await db().execute(sql`alter table judgment.judgment_executions add constraint executions_test_no_poison check (not (input_data ? 'poison'))`);
    try {
      const refused = await execute(workflowId, { temperature: 90, vibration: 60, poison: true });
      expect(refused.errors?.[0]?.extensions?.code).toBe('INTERNAL_SERVER_ERROR');
    } finally {
      await db().execute(sql`alter table judgment.judgment_executions drop constraint executions_test_no_poison`);
    }
    expect({ executions: (await storedOf(workflowId)).length, events: (await outboxOf(workflowId)).length }).toEqual(before);

    // The statement still works afterwards (on PostgreSQL it was prepared before the tables changed).
    const after = await execute(workflowId, { temperature: 90, vibration: 60 });
    expect(after.data?.executeJudgment.decision).toBe('STOP_LINE');
    expect((await outboxOf(workflowId)).map((row) => executionIdOf(row.envelope))).toEqual([after.data?.executeJudgment.id]);
  });

  it('isolates a refused judgment stored together with others: only it fails, the others are stored with their events', async () => {
    const workflowId = await newWorkflow();
    await db().execute(sql`alter table judgment.outbox add constraint outbox_test_no_poison_group check (not (envelope->'data'->'inputData' ? 'poison'))`);
    let results;
    try {
      // Many at once, so the writer shares statements between them.
      results = await Promise.all(Array.from({ length: 30 }, (_, serial) => execute(workflowId, serial === 17 ? { temperature: 90, vibration: 60, poison: true } : { temperature: 90, vibration: serial })));
    } finally {
      await db().execute(sql`alter table judgment.outbox drop constraint outbox_test_no_poison_group`);
    }
    expect(results.map((result, serial) => [serial, result.errors?.[0]?.extensions?.code ?? 'stored'])).toEqual(
      Array.from({ length: 30 }, (_, serial) => [serial, serial === 17 ? 'INTERNAL_SERVER_ERROR' : 'stored']),
    );
    const stored = await storedOf(workflowId);
    expect(stored).toHaveLength(29);
    expect((await outboxOf(workflowId)).map((row) => executionIdOf(row.envelope)).sort()).toEqual(stored.map((row) => row.id).sort());
  });

  it('writes a batch chunk’s events in input order, so the relay publishes them in that order', async () => {
    const workflowId = await newWorkflow();
    const inputs = Array.from({ length: 30 }, (_, serial) => ({ temperature: 90, vibration: 60, serial }));
    const response = await harness.subgraph.execute(
      identities.acmeOperator,
      `mutation($input: ExecuteJudgmentsInput!) { executeJudgments(input: $input) { succeeded results { execution { id } } } }`,
      { input: { workflowId, inputs, method: 'RULE' } },
    );
    expect(response.data?.executeJudgments.succeeded).toBe(30);
    const ids = (response.data?.executeJudgments.results as Array<{ execution: { id: string } }>).map((item) => item.execution.id);
    const rows = await db().select().from(tables.outbox).where(inArray(tables.outbox.eventId, (await outboxOf(workflowId)).map((row) => row.eventId)));
    expect(rows.sort((a, b) => a.position - b.position).map((row) => executionIdOf(row.envelope))).toEqual(ids);
    await waitFor(() => ids.every((id) => completed.some((event) => executionIdOf(event) === id)));
    expect(completed.filter((event) => ids.includes(executionIdOf(event))).map(executionIdOf)).toEqual(ids);
  });
});
