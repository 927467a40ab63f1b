import { randomUUID } from 'node:crypto';
import { createEvent } from '@judgify/runtime/events';
import { exampleWorkflowDefinition, identities } from '@judgify/runtime/testing';
import { eq, sql } from 'drizzle-orm';
import { describe, expect, it } from 'vitest';
import * as tables from '../src/db/schema.ts';
import { judgmentSubgraphForTests, waitFor } from './harness.ts';

const harness = judgmentSubgraphForTests({ llmTimeoutMs: 5_000 });
const { completed } = harness;

/** Publishes the workflow subgraph's event for a new workflow (the spec example) and waits until the read model has it. */
async function newWorkflow(): Promise<string> {
  const workflowId = randomUUID();
  await harness.subgraph.infrastructure.bus.publish(
    createEvent({
      eventType: 'workflow.created',
      source: 'workflow',
      tenantId: 'acme',
      data: { workflowId, version: 1, name: 'batch line', definition: exampleWorkflowDefinition, isActive: true, deleted: false, changes: {} },
    }),
  );
  await waitFor(async () => (await harness.subgraph.infrastructure.database.db.select().from(tables.workflowDefinitions).where(eq(tables.workflowDefinitions.id, workflowId))).length === 1, 10_000);
  return workflowId;
}

const EXECUTE_BATCH = /* GraphQL */ `
  mutation($input: ExecuteJudgmentsInput!) {
    executeJudgments(input: $input) {
      succeeded failed
      results { index execution { id status decision methodUsed cached inputData executionTimeMs } error { code message } }
    }
  }
`;
const executeBatch = (workflowId: string, inputs: unknown[], method = 'RULE', identity = identities.acmeOperator) =>
  harness.subgraph.execute(identity, EXECUTE_BATCH, { input: { workflowId, inputs, method } });

interface BatchItem {
  index: number;
  execution: { id: string; status: string; decision: string; methodUsed: string; cached: boolean; inputData: Record<string, unknown>; executionTimeMs: number } | null;
  error: { code: string; message: string } | null;
}

const storedOf = async (workflowId: string) =>
  harness.subgraph.infrastructure.database.db.select().from(tables.judgmentExecutions).where(eq(tables.judgmentExecutions.workflowId, workflowId));
const outboxEventsOf = async (workflowId: string) =>
  (await harness.subgraph.infrastructure.database.db.select().from(tables.outbox).where(eq(tables.outbox.eventType, 'judgment.completed'))).filter(
    (row) => (row.envelope.data as { workflowId: string }).workflowId === workflowId,
  );
const metric = async (series: string) => {
  const line = (await harness.subgraph.infrastructure.metrics.registry.metrics()).split('\n').find((text) => text.startsWith(`${series} `));
  return Number(line?.split(' ').at(-1) ?? 0);
};

/** The spec example decides STOP_LINE, OK, or (without vibration) nothing: three kinds of input, in turn. */
const mixedInput = (serial: number) =>
  [{ temperature: 90, vibration: 60, serial }, { temperature: 10, vibration: 5, serial }, { temperature: 90, serial }][serial % 3]!;
const expectedDecision = (serial: number) => ['STOP_LINE', 'OK', 'UNDECIDED'][serial % 3];

describe('executeJudgments', () => {
  it('judges every input in order, an undecided one as an execution, each stored with exactly one judgment.completed', async () => {
    const workflowId = await newWorkflow();
    const succeededBefore = await metric('judgment_requests_total{method="RULE",result="succeeded",service="judgment"}');
    const failedBefore = await metric('judgment_requests_total{method="RULE",result="failed",service="judgment"}');
    const inputs = Array.from({ length: 250 }, (_, serial) => mixedInput(serial));
    const response = await executeBatch(workflowId, inputs);
    expect(response.errors).toBeUndefined();
    const batch = response.data?.executeJudgments as { succeeded: number; failed: number; results: BatchItem[] };
    expect(batch).toMatchObject({ succeeded: 250, failed: 0 });
    expect(batch.results.map((item) => item.index)).toEqual(inputs.map((_, index) => index));
    batch.results.forEach((item, index) => {
      expect(item.error).toBeNull();
      expect(item.execution).toMatchObject({ decision: expectedDecision(index), status: index % 3 === 2 ? 'FAILED' : 'SUCCEEDED', methodUsed: 'RULE', cached: false, inputData: inputs[index] });
      expect(item.execution!.executionTimeMs).toBeGreaterThanOrEqual(0);
    });
    const ids = batch.results.map((item) => item.execution!.id);
    expect(new Set(ids).size).toBe(250);
    expect((await storedOf(workflowId)).map((row) => row.id).sort()).toEqual([...ids].sort());

    // One event per execution in the outbox (written with the rows), and one on the bus.
    const events = await outboxEventsOf(workflowId);
    expect(events.map((row) => (row.envelope.data as { executionId: string }).executionId).sort()).toEqual([...ids].sort());
    await waitFor(() => completed.filter((event) => (event.data as { workflowId: string }).workflowId === workflowId).length >= 250, 10_000);
    await new Promise((resolve) => setTimeout(resolve, 100));
    const published = completed.filter((event) => (event.data as { workflowId: string }).workflowId === workflowId);
    expect(published.map((event) => (event.data as { executionId: string }).executionId).sort()).toEqual([...ids].sort());
    expect(published[0]).toMatchObject({ eventType: 'judgment.completed', source: 'judgment', tenantId: 'acme' });
    expect(Object.keys(published[0]!.data as object).sort()).toEqual(
      ['actions', 'cached', 'confidence', 'createdAt', 'decision', 'executionId', 'executionTimeMs', 'explanation', 'inputData', 'method', 'methodUsed', 'status', 'workflowId', 'workflowVersion'].sort(),
    );

    // Counted per execution, as executeJudgment counts them.
    expect(await metric('judgment_requests_total{method="RULE",result="succeeded",service="judgment"}')).toBe(succeededBefore + 167);
    expect(await metric('judgment_requests_total{method="RULE",result="failed",service="judgment"}')).toBe(failedBefore + 83);
  });

  it('stores each chunk of 100 all or nothing: a chunk whose write fails gives every item in it that error, and the other chunks stand', async () => {
    const workflowId = await newWorkflow();
    const db = harness.subgraph.infrastructure.database.db;
    // A real failure inside the chunk's INSERT: the database refuses one row, so its whole transaction rolls back.
    await db.execute(sql`alter table judgment.judgment_executions add constraint batch_test_no_poison check (not (input_data ? 'poison'))`);
    try {
      const inputs = Array.from({ length: 250 }, (_, serial) => (serial === 150 ? { ...mixedInput(serial), poison: true } : mixedInput(serial)));
      const response = await executeBatch(workflowId, inputs);
      expect(response.errors).toBeUndefined();
      const batch = response.data?.executeJudgments as { succeeded: number; failed: number; results: BatchItem[] };
      expect(batch).toMatchObject({ succeeded: 150, failed: 100 });
      batch.results.forEach((item, index) => {
        if (index >= 100 && index < 200) {
          expect(item.execution).toBeNull();
          expect(item.error?.code).toBe('INTERNAL_SERVER_ERROR');
          expect(item.error?.message).toMatch(/^Items 100–199 of this batch could not be stored, so none of them was \(request .+\); the other chunks stand\. Retry these items\.$/);
          expect(item.error?.message).not.toContain('constraint');
        } else {
          expect(item.error).toBeNull();
          expect(item.execution).toMatchObject({ decision: expectedDecision(index), inputData: inputs[index] });
        }
      });
      const stored = await storedOf(workflowId);
      expect(stored.map((row) => (row.inputData as { serial: number }).serial).sort((a, b) => a - b)).toEqual([
        ...Array.from({ length: 100 }, (_, serial) => serial),
        ...Array.from({ length: 50 }, (_, serial) => 200 + serial),
      ]);
      // No event without its row: the failed chunk's events rolled back with it.
      const events = await outboxEventsOf(workflowId);
      expect(events.map((row) => (row.envelope.data as { executionId: string }).executionId).sort()).toEqual(stored.map((row) => row.id).sort());
    } finally {
      await db.execute(sql`alter table judgment.judgment_executions drop constraint batch_test_no_poison`);
    }
  });

  it('refuses more than 1000 inputs, none, a non-object or an input it cannot store, naming it, before any work', async () => {
    const workflowId = await newWorkflow();
    const tooMany = await executeBatch(workflowId, Array.from({ length: 1001 }, () => ({})));
    expect(tooMany.errors?.[0]).toMatchObject({ message: 'input.inputs must hold 1 to 1000 records; got 1001.', extensions: { code: 'BAD_USER_INPUT', field: 'input.inputs' } });
    const none = await executeBatch(workflowId, []);
    expect(none.errors?.[0]).toMatchObject({ message: 'input.inputs must hold 1 to 1000 records; got 0.', extensions: { code: 'BAD_USER_INPUT' } });
    const notObject = await executeBatch(workflowId, [{}, {}, {}, [1, 2]]);
    expect(notObject.errors?.[0]).toMatchObject({ message: 'input.inputs[3] must be a JSON object of input fields.', extensions: { code: 'BAD_USER_INPUT', field: 'input.inputs[3]' } });
    let deep: Record<string, unknown> = { leaf: 1 };
    for (let level = 0; level < 10; level++) deep = { next: deep };
    expect((await executeBatch(workflowId, [{}, deep])).errors?.[0]?.message).toBe('input.inputs[1] is nested 11 levels deep; the limit is 10.');
    // NUL is refused for every request already (Text must not contain…); an unpaired surrogate reaches the check, and jsonb would refuse it too.
    const surrogate = await executeBatch(workflowId, [{}, {}, { note: 'a\ud800b' }]);
    expect(surrogate.errors?.[0]).toMatchObject({ message: 'input.inputs[2] holds a NUL character (\\u0000) or an unpaired surrogate, which cannot be stored.', extensions: { code: 'BAD_USER_INPUT' } });
    expect((await executeBatch(workflowId, [{}], 'RULE', identities.acmeViewer)).errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
    expect((await executeBatch(randomUUID(), [{}])).errors?.[0]?.extensions?.code).toBe('NOT_FOUND');
    expect(await storedOf(workflowId)).toEqual([]);
  });

  it('takes 1000 inputs', async () => {
    const workflowId = await newWorkflow();
    const response = await executeBatch(workflowId, Array.from({ length: 1000 }, (_, serial) => mixedInput(serial)));
    expect(response.data?.executeJudgments).toMatchObject({ succeeded: 1000, failed: 0 });
    expect(await storedOf(workflowId)).toHaveLength(1000);
  });
});

describe('executeJudgments asking the LLM', () => {
  it('has at most 10 LLM requests in flight, and keeps an input’s own error (LLM_UNAVAILABLE) in its place', async () => {
    const workflowId = await newWorkflow();
    let inFlight = 0;
    let peak = 0;
    harness.llmServer.respondWith((body) => {
      inFlight++;
      peak = Math.max(peak, inFlight);
      // Counted out just before the server answers: the client cannot send its next request sooner.
      // Long enough that all ten arrive before the first answer, even on a busy machine.
      setTimeout(() => inFlight--, 150);
      if (JSON.stringify(body).includes('broken-input')) return { content: 'not json at all', delayMs: 150 };
      return { content: JSON.stringify({ decision: 'true', confidence: 0.8, explanation: 'hot enough' }), delayMs: 150 };
    });
    const before = harness.llmServer.requests.length;
    const inputs = Array.from({ length: 45 }, (_, serial) => ({ temperature: 85, vibration: 55, serial, ...(serial === 7 ? { marker: 'broken-input' } : {}) }));
    const started = performance.now();
    const response = await executeBatch(workflowId, inputs, 'LLM');
    const wallMs = performance.now() - started;
    expect(response.errors).toBeUndefined();
    const batch = response.data?.executeJudgments as { succeeded: number; failed: number; results: BatchItem[] };
    expect(harness.llmServer.requests.length - before).toBe(45);
    expect(peak).toBe(10);
    expect(batch).toMatchObject({ succeeded: 44, failed: 1 });
    expect(batch.results[7]).toMatchObject({ index: 7, execution: null, error: { code: 'LLM_UNAVAILABLE' } });
    expect(batch.results[7]!.error!.message).toContain('LLM answer is not JSON');
    for (const item of batch.results.filter((_, index) => index !== 7)) expect(item.execution).toMatchObject({ decision: 'STOP_LINE', methodUsed: 'LLM' });
    // An item's time counts its own LLM ask, not its wait for a free slot: the last ones waited for four rounds.
    for (const item of batch.results.slice(-10)) expect(item.execution!.executionTimeMs).toBeLessThan(wallMs / 2);
    expect(await storedOf(workflowId)).toHaveLength(44);
  });

  it('asks the LLM only where HYBRID rules are unsure, and reads and writes the result cache once for the whole batch', async () => {
    const workflowId = await newWorkflow();
    harness.llmServer.respondWith(() => ({ content: JSON.stringify({ decision: 'false', confidence: 0.75, explanation: 'not hot enough' }) }));
    // What executeJudgment cached is a hit for the batch, and the other way round.
    const single = await harness.subgraph.execute(identities.acmeOperator, `mutation($input: ExecuteJudgmentInput!) { executeJudgment(input: $input) { cached } }`, {
      input: { workflowId, inputData: { temperature: 90, vibration: 60 }, method: 'HYBRID' },
    });
    expect(single.data?.executeJudgment).toEqual({ cached: false });
    const before = harness.llmServer.requests.length;
    const inputs = [{ temperature: 90, vibration: 60 }, { temperature: 95 }, { temperature: 1, vibration: 1 }];
    const first = (await executeBatch(workflowId, inputs, 'HYBRID')).data?.executeJudgments as { results: BatchItem[] };
    expect(first.results.map((item) => [item.execution?.decision, item.execution?.methodUsed, item.execution?.cached])).toEqual([
      ['STOP_LINE', 'RULE', true],
      ['OK', 'LLM', false],
      ['OK', 'RULE', false],
    ]);
    expect(harness.llmServer.requests.length - before).toBe(1);
    const again = (await executeBatch(workflowId, inputs, 'HYBRID')).data?.executeJudgments as { results: BatchItem[] };
    expect(again.results.map((item) => item.execution?.cached)).toEqual([true, true, true]);
    expect(harness.llmServer.requests.length - before).toBe(1);
  });
});
