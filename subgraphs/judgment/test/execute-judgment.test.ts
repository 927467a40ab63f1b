import { randomUUID } from 'node:crypto';
import { handleOnce } from '@judgify/runtime/inbox';
import { exampleWorkflowDefinition, forwardedHeaders, identities } from '@judgify/runtime/testing';
import { describe, expect, it } from 'vitest';
import * as tables from '../src/db/schema.ts';
import { haltingDefinition, judgmentSubgraphForTests, publishWorkflow as publishToHarness, waitFor, workflowEvent, type WorkflowState } from './harness.ts';

const harness = judgmentSubgraphForTests({ llmTimeoutMs: 2_000 });
const { completed } = harness;

const EXECUTE = /* GraphQL */ `
  mutation($input: ExecuteJudgmentInput!) {
    executeJudgment(input: $input) { id status decision confidence explanation method methodUsed cached workflowVersion path nodeResults executionTimeMs }
  }
`;
const execute = (workflowId: string, inputData: unknown, method = 'RULE', identity = identities.acmeOperator) =>
  harness.subgraph.execute(identity, EXECUTE, { input: { workflowId, inputData, method } });

/** Publishes a workflow event and waits until the read model has it. */
const publishWorkflow = (workflowId: string, version: number, state: WorkflowState = {}, tenantId = 'acme') => publishToHarness(harness, workflowId, version, state, tenantId);

describe('executeJudgment', () => {
  it('decides the spec example by rule, stores it and publishes judgment.completed', async () => {
    const workflowId = randomUUID();
    await publishWorkflow(workflowId, 1);
    const result = await execute(workflowId, { temperature: 90, vibration: 60 });
    expect(result.errors).toBeUndefined();
    const execution = result.data?.executeJudgment;
    expect(execution).toMatchObject({
      status: 'SUCCEEDED',
      decision: 'STOP_LINE',
      confidence: 1,
      method: 'RULE',
      methodUsed: 'RULE',
      cached: false,
      workflowVersion: 1,
      path: ['check', 'stop'],
    });
    await waitFor(() => completed.some((event) => (event.data as { executionId: string }).executionId === execution.id));
    expect(completed.find((event) => (event.data as { executionId: string }).executionId === execution.id)).toMatchObject({
      eventType: 'judgment.completed',
      source: 'judgment',
      tenantId: 'acme',
      data: { workflowId, decision: 'STOP_LINE', methodUsed: 'RULE', cached: false },
    });
    const read = await harness.subgraph.execute(identities.acmeViewer, `query($id: ID!) { judgmentExecution(id: $id) { decision inputData } }`, { id: execution.id });
    expect(read.data?.judgmentExecution).toEqual({ decision: 'STOP_LINE', inputData: { temperature: 90, vibration: 60 } });
  });

  it('serves a repeated HYBRID input from the cache, still recording it, until the workflow changes', async () => {
    const workflowId = randomUUID();
    await publishWorkflow(workflowId, 1);
    const first = await execute(workflowId, { temperature: 10, vibration: 5 }, 'HYBRID');
    const second = await execute(workflowId, { vibration: 5, temperature: 10 }, 'HYBRID');
    expect(first.data?.executeJudgment).toMatchObject({ decision: 'OK', cached: false });
    expect(second.data?.executeJudgment).toMatchObject({ decision: 'OK', cached: true });
    expect(second.data?.executeJudgment.id).not.toBe(first.data?.executeJudgment.id);

    const flipped = { ...exampleWorkflowDefinition, edges: [{ from: 'check', to: 'ok', when: 'true' }, { from: 'check', to: 'stop', when: 'false' }] };
    await publishWorkflow(workflowId, 2, { definition: flipped });
    const third = await execute(workflowId, { temperature: 10, vibration: 5 }, 'HYBRID');
    expect(third.data?.executeJudgment).toMatchObject({ decision: 'STOP_LINE', cached: false, workflowVersion: 2 });

    const stats = await harness.subgraph.execute(
      identities.acmeViewer,
      `query($r: [_Any!]!) { _entities(representations: $r) { ... on Workflow { successRate executions { cached } } } }`,
      { r: [{ __typename: 'Workflow', id: workflowId }] },
    );
    expect(stats.data?._entities[0]).toEqual({ successRate: 1, executions: [{ cached: false }, { cached: true }, { cached: false }] });
  });

  it('never reads or writes the result cache for RULE judgments: a rule costs less than a lookup', async () => {
    const lookups = async () => {
      const text = await harness.subgraph.infrastructure.metrics.registry.metrics();
      return text
        .split('\n')
        .filter((line) => line.startsWith('cache_requests_total{cache="judgment"'))
        .reduce((sum, line) => sum + Number(line.split(' ').at(-1)), 0);
    };
    const workflowId = randomUUID();
    await publishWorkflow(workflowId, 1);
    const before = await lookups();
    const first = await execute(workflowId, { temperature: 10, vibration: 5 });
    const second = await execute(workflowId, { temperature: 10, vibration: 5 });
    expect([first.data?.executeJudgment, second.data?.executeJudgment]).toMatchObject([
      { decision: 'OK', method: 'RULE', cached: false },
      { decision: 'OK', method: 'RULE', cached: false },
    ]);
    expect(await lookups()).toBe(before);
    // Nor did it leave a result for HYBRID to find: the first HYBRID run of the input is its own.
    expect((await execute(workflowId, { temperature: 10, vibration: 5 }, 'HYBRID')).data?.executeJudgment).toMatchObject({ cached: false });
  });

  it('ignores stale and repeated workflow events', async () => {
    const workflowId = randomUUID();
    await publishWorkflow(workflowId, 1);
    await publishWorkflow(workflowId, 3, { isActive: false });
    await publishWorkflow(workflowId, 2, { isActive: true });
    await new Promise((resolve) => setTimeout(resolve, 50));
    const result = await execute(workflowId, { temperature: 90, vibration: 60 });
    expect(result.errors?.[0]).toMatchObject({ extensions: { code: 'CONFLICT' } });
    expect(result.errors?.[0]?.message).toContain('is inactive; reactivate it to run judgments');
  });

  it('refuses unknown, deleted, other tenants’ workflows and viewers, clearly', async () => {
    const workflowId = randomUUID();
    await publishWorkflow(workflowId, 1, {}, 'globex');
    expect((await execute(workflowId, { temperature: 1 })).errors?.[0]?.extensions?.code).toBe('NOT_FOUND');
    expect((await execute('not-a-uuid', { temperature: 1 })).errors?.[0]?.extensions?.code).toBe('NOT_FOUND');
    const deletedId = randomUUID();
    await publishWorkflow(deletedId, 1);
    await publishWorkflow(deletedId, 2, { deleted: true });
    expect((await execute(deletedId, { temperature: 1 })).errors?.[0]?.extensions?.code).toBe('NOT_FOUND');
    const ownId = randomUUID();
    await publishWorkflow(ownId, 1);
    const viewer = await execute(ownId, { temperature: 1 }, 'RULE', identities.acmeViewer);
    expect(viewer.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
  });

  it('checks input limits before any work', async () => {
    const workflowId = randomUUID();
    await publishWorkflow(workflowId, 1);
    let deep: Record<string, unknown> = { leaf: 1 };
    for (let level = 0; level < 10; level++) deep = { next: deep };
    const tooDeep = await execute(workflowId, deep);
    expect(tooDeep.errors?.[0]).toMatchObject({ message: 'input.inputData is nested 11 levels deep; the limit is 10.', extensions: { code: 'BAD_USER_INPUT' } });
    const notObject = await execute(workflowId, [1, 2]);
    expect(notObject.errors?.[0]?.message).toBe('input.inputData must be a JSON object of input fields.');
    // PostgreSQL's jsonb refuses an unpaired surrogate (as NUL, which every request refuses already): refused up front, not a failed INSERT masked as an internal error.
    const surrogate = await execute(workflowId, { note: 'a\udc00b' });
    expect(surrogate.errors?.[0]).toMatchObject({ message: 'input.inputData holds a NUL character (\\u0000) or an unpaired surrogate, which cannot be stored.', extensions: { code: 'BAD_USER_INPUT' } });
    const badMethod = await harness.subgraph.execute(identities.acmeOperator, EXECUTE, { input: { workflowId, inputData: {}, method: 'MAGIC' } });
    expect(badMethod.errors?.[0]?.message).toContain('Value "MAGIC" does not exist in "JudgmentMethod" enum');
  });

  it('lists executions by decision and method', async () => {
    const workflowId = randomUUID();
    await publishWorkflow(workflowId, 1);
    await execute(workflowId, { temperature: 90, vibration: 60 });
    await execute(workflowId, { temperature: 10, vibration: 60 });
    const stops = await harness.subgraph.execute(
      identities.acmeViewer,
      `query($w: ID!) { judgmentExecutions(filter: { workflowId: $w, decision: "STOP_LINE", methodUsed: RULE }) { decision } }`,
      { w: workflowId },
    );
    expect(stops.data?.judgmentExecutions).toEqual([{ decision: 'STOP_LINE' }]);
  });
});

describe('read-your-writes and pinned versions', () => {
  const halting = haltingDefinition;
  const executions = async () => (await harness.subgraph.infrastructure.database.db.select().from(tables.judgmentExecutions)).length;
  /** What the workflow subgraph does as an update commits, before it answers. */
  const announce = (workflowId: string, version: number) => harness.subgraph.infrastructure.fence.raise('workflow', 'acme', workflowId, version);

  it('waits for a version announced as written but not yet received, and runs on it', async () => {
    const workflowId = randomUUID();
    await publishWorkflow(workflowId, 1);
    await announce(workflowId, 2);
    const judged = execute(workflowId, { temperature: 90, vibration: 60 });
    await new Promise((resolve) => setTimeout(resolve, 100));
    await harness.subgraph.infrastructure.bus.publish(workflowEvent(workflowId, 2, { definition: halting }));
    expect((await judged).data?.executeJudgment).toMatchObject({ workflowVersion: 2, decision: 'HALT' });
  });

  it('answers WORKFLOW_VERSION_PENDING, running nothing, when the announced version does not arrive in time', async () => {
    const workflowId = randomUUID();
    await publishWorkflow(workflowId, 1);
    await announce(workflowId, 3);
    const before = await executions();
    const result = await execute(workflowId, { temperature: 90, vibration: 60 });
    expect(result.errors?.[0]).toMatchObject({
      message: `Workflow "${workflowId}" is at version 3, but that version has not reached the judgment service within 500 ms (it has version 1). Nothing was run; retry shortly.`,
      extensions: { code: 'WORKFLOW_VERSION_PENDING', expectedVersion: 3, availableVersion: 1, retryAfterSeconds: 1 },
    });
    expect(await executions()).toBe(before);
  });

  it('runs exactly the version a judgment pins, and names a version that does not exist', async () => {
    const workflowId = randomUUID();
    await publishWorkflow(workflowId, 1);
    await publishWorkflow(workflowId, 2, { definition: halting });
    await announce(workflowId, 2);
    const pinned = await harness.subgraph.execute(identities.acmeOperator, EXECUTE, { input: { workflowId, inputData: { temperature: 90, vibration: 60 }, method: 'RULE', workflowVersion: 1 } });
    expect(pinned.data?.executeJudgment).toMatchObject({ workflowVersion: 1, decision: 'STOP_LINE' });
    expect((await execute(workflowId, { temperature: 90, vibration: 60 })).data?.executeJudgment).toMatchObject({ workflowVersion: 2, decision: 'HALT' });
    const future = await harness.subgraph.execute(identities.acmeOperator, EXECUTE, { input: { workflowId, inputData: {}, workflowVersion: 9 } });
    expect(future.errors?.[0]).toMatchObject({ message: `Workflow "${workflowId}" has no version 9: its latest is 2.`, extensions: { code: 'NOT_FOUND' } });
    const zero = await harness.subgraph.execute(identities.acmeOperator, EXECUTE, { input: { workflowId, inputData: {}, workflowVersion: 0 } });
    expect(zero.errors?.[0]).toMatchObject({ message: '"workflowVersion" must be 1 or more; got 0.', extensions: { code: 'BAD_USER_INPUT' } });
  });

  it('never lets an event of one tenant touch another tenant’s workflow: consumers act only in the tenant of the event', async () => {
    const workflowId = randomUUID();
    await publishWorkflow(workflowId, 1);
    await harness.subgraph.infrastructure.bus.publish(workflowEvent(workflowId, 5, { definition: halting }, 'globex'));
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect((await execute(workflowId, { temperature: 90, vibration: 60 })).data?.executeJudgment).toMatchObject({ workflowVersion: 1, decision: 'STOP_LINE' });
    expect((await execute(workflowId, { temperature: 90, vibration: 60 }, 'RULE', identities.globexAdmin)).errors?.[0]?.extensions?.code).toBe('NOT_FOUND');
    const versions = await harness.subgraph.infrastructure.database.db.select().from(tables.workflowVersions);
    expect(versions.filter((row) => row.workflowId === workflowId).map((row) => [row.tenantId, row.version])).toEqual([['acme', 1]]);
  });

  it('handles an event once by its eventId, however often it is delivered', async () => {
    const event = workflowEvent(randomUUID(), 1);
    let handled = 0;
    const db = harness.subgraph.infrastructure.database.db;
    expect(await handleOnce(db, tables.inbox, event, async () => void handled++)).toBe(true);
    expect(await handleOnce(db, tables.inbox, event, async () => void handled++)).toBe(false);
    expect(handled).toBe(1);
  });
});

describe('hybrid and LLM judgments against a local OpenAI-compatible server', () => {
  it('asks the LLM when a rule is undecidable, and says so', async () => {
    const workflowId = randomUUID();
    await publishWorkflow(workflowId, 1);
    harness.llmServer.respondWith(() => ({ content: JSON.stringify({ decision: 'true', confidence: 0.82, explanation: 'very hot alone is enough' }) }));
    const before = harness.llmServer.requests.length;
    const result = await execute(workflowId, { temperature: 99 }, 'HYBRID');
    expect(result.data?.executeJudgment).toMatchObject({ status: 'SUCCEEDED', decision: 'STOP_LINE', methodUsed: 'LLM', confidence: 0.82 });
    expect(result.data?.executeJudgment.explanation).toContain('is undecidable: missing input field: vibration; LLM (judge-test, without labelled samples: no user request to ask learning for): very hot alone is enough');
    expect(harness.llmServer.requests.length).toBe(before + 1);
    expect(JSON.stringify(harness.llmServer.requests.at(-1))).toContain('temperature > 80 AND vibration > 50');
  });

  it('keeps the rule outcome when the LLM fails, explaining why', async () => {
    const workflowId = randomUUID();
    await publishWorkflow(workflowId, 1);
    harness.llmServer.respondWith(() => ({ status: 500, content: 'upstream exploded' }));
    const result = await execute(workflowId, { temperature: 99 }, 'HYBRID');
    expect(result.data?.executeJudgment).toMatchObject({ status: 'FAILED', decision: 'UNDECIDED', methodUsed: 'RULE' });
    expect(result.data?.executeJudgment.explanation).toContain('the LLM could not be asked');
  });

  it('answers method LLM with the LLM, and LLM_UNAVAILABLE when it cannot', async () => {
    const workflowId = randomUUID();
    await publishWorkflow(workflowId, 1);
    harness.llmServer.respondWith(() => ({ content: JSON.stringify({ decision: 'false', confidence: 0.6, explanation: 'readings look normal' }) }));
    const answered = await execute(workflowId, { temperature: 85, vibration: 55 }, 'LLM');
    expect(answered.data?.executeJudgment).toMatchObject({ decision: 'OK', methodUsed: 'LLM', confidence: 0.6 });
    harness.llmServer.respondWith(() => ({ content: 'not json at all' }));
    const malformed = await execute(workflowId, { temperature: 86, vibration: 55 }, 'LLM');
    expect(malformed.errors?.[0]?.extensions?.code).toBe('LLM_UNAVAILABLE');
  });

  it('counts judgments by the method that decided them, and result-cache lookups, in /metrics', async () => {
    const count = async (series: string) => {
      const line = (await harness.subgraph.infrastructure.metrics.registry.metrics()).split('\n').find((text) => text.startsWith(`${series} `));
      return Number(line?.split(' ').at(-1) ?? 0);
    };
    const [rule, llm, misses, hits] = await Promise.all([
      count('judgment_method_used_total{method_used="RULE",service="judgment"}'),
      count('judgment_method_used_total{method_used="LLM",service="judgment"}'),
      count('cache_requests_total{cache="judgment",result="miss",service="judgment"}'),
      count('cache_requests_total{cache="judgment",result="hit",service="judgment"}'),
    ]);
    const workflowId = randomUUID();
    await publishWorkflow(workflowId, 1);
    harness.llmServer.respondWith(() => ({ content: JSON.stringify({ decision: 'true', confidence: 0.7, explanation: 'hot' }) }));
    await execute(workflowId, { temperature: 91, vibration: 61 }, 'HYBRID');
    await execute(workflowId, { temperature: 91, vibration: 61 }, 'HYBRID');
    await execute(workflowId, { temperature: 97 }, 'HYBRID');
    expect(await count('judgment_method_used_total{method_used="RULE",service="judgment"}')).toBe(rule + 2);
    expect(await count('judgment_method_used_total{method_used="LLM",service="judgment"}')).toBe(llm + 1);
    expect(await count('cache_requests_total{cache="judgment",result="miss",service="judgment"}')).toBe(misses + 2);
    expect(await count('cache_requests_total{cache="judgment",result="hit",service="judgment"}')).toBe(hits + 1);
  });
});

describe('simulateWorkflow', () => {
  const SIMULATE = /* GraphQL */ `
    query($w: ID, $d: JSON, $inputs: [JSON!]!) { simulateWorkflow(workflowId: $w, definition: $d, inputs: $inputs, method: RULE) { status decision path } }
  `;

  it('runs an unsaved definition on many inputs and stores nothing', async () => {
    const count = async () => (await harness.subgraph.infrastructure.database.db.select().from(tables.judgmentExecutions)).length;
    const before = await count();
    const result = await harness.subgraph.execute(identities.acmeOperator, SIMULATE, {
      d: exampleWorkflowDefinition,
      inputs: [{ temperature: 90, vibration: 60 }, { temperature: 1, vibration: 1 }, { temperature: 90 }],
    });
    expect(result.data?.simulateWorkflow).toEqual([
      { status: 'SUCCEEDED', decision: 'STOP_LINE', path: ['check', 'stop'] },
      { status: 'SUCCEEDED', decision: 'OK', path: ['check', 'ok'] },
      { status: 'FAILED', decision: 'UNDECIDED', path: ['check'] },
    ]);
    expect(await count()).toBe(before);
  });

  it('validates the definition and the number of inputs', async () => {
    const broken = await harness.subgraph.execute(identities.acmeOperator, SIMULATE, { d: { startNode: 'x', nodes: [], edges: [] }, inputs: [{}] });
    expect(broken.errors?.[0]?.extensions?.problems).toEqual([{ path: 'definition.nodes', message: 'a workflow needs at least one node' }]);
    const tooMany = await harness.subgraph.execute(identities.acmeOperator, SIMULATE, { d: exampleWorkflowDefinition, inputs: Array.from({ length: 1001 }, () => ({})) });
    expect(tooMany.errors?.[0]?.message).toBe('inputs must hold 1 to 1000 records; got 1001.');
    const neither = await harness.subgraph.execute(identities.acmeOperator, SIMULATE, { inputs: [{}] });
    expect(neither.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
  });
});

describe('judgmentCompleted subscription (at the subgraph, over SSE)', () => {
  async function subscribe(identity: typeof identities.acmeViewer, workflowId?: string) {
    const response = await harness.subgraph.yoga.fetch('http://subgraph/graphql', {
      method: 'POST',
      headers: { ...(await forwardedHeaders(identity, 'judgment')), accept: 'text/event-stream' },
      body: JSON.stringify({
        query: 'subscription($w: ID) { judgmentCompleted(workflowId: $w) { id decision workflowVersion } }',
        variables: { w: workflowId },
      }),
    });
    const reader = response.body!.getReader();
    const received: Array<{ id: string; decision: string }> = [];
    let buffer = '';
    void (async () => {
      for (;;) {
        const { value, done } = await reader.read();
        if (done) return;
        buffer += new TextDecoder().decode(value);
        for (const match of buffer.matchAll(/^data: (.+)$/gm)) {
          const payload = JSON.parse(match[1]!) as { data?: { judgmentCompleted: { id: string; decision: string } } };
          if (payload.data) received.push(payload.data.judgmentCompleted);
        }
        buffer = buffer.slice(buffer.lastIndexOf('\n') + 1);
      }
    })();
    await new Promise((resolve) => setTimeout(resolve, 100));
    return { received, stop: () => reader.cancel() };
  }

  it('streams executions of the subscriber’s tenant, filtered by workflow at the source', async () => {
    const watched = randomUUID();
    const other = randomUUID();
    await publishWorkflow(watched, 1);
    await publishWorkflow(other, 1);
    await publishWorkflow(watched, 1, {}, 'globex');
    const all = await subscribe(identities.acmeViewer);
    const onlyWatched = await subscribe(identities.acmeViewer, watched);
    const globex = await subscribe(identities.globexAdmin);

    const first = (await execute(watched, { temperature: 90, vibration: 60 })).data?.executeJudgment;
    const second = (await execute(other, { temperature: 1, vibration: 1 })).data?.executeJudgment;
    await waitFor(() => all.received.length >= 2 && onlyWatched.received.length >= 1);
    expect(all.received.map((execution) => execution.id)).toEqual([first.id, second.id]);
    expect(onlyWatched.received).toEqual([{ id: first.id, decision: 'STOP_LINE', workflowVersion: 1 }]);
    expect(globex.received).toEqual([]);
    await Promise.all([all.stop(), onlyWatched.stop(), globex.stop()]);
  });
});
