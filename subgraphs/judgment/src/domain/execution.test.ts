import { describe, expect, it } from 'vitest';
import { checkExecutionValues, executionValues, ExecutionWriter, groupByPage, workflowExecutionsKeyId, type ExecutionValues } from './execution.ts';

describe('groupByPage', () => {
  it('puts requests for the same page together and keeps each position in the batch', () => {
    const groups = groupByPage([
      { workflowId: 'a', first: 5 },
      { workflowId: 'b', first: 5, after: null },
      { workflowId: 'c', first: 5, after: 'xyz' },
      { workflowId: 'd' },
    ]);
    expect(groups).toEqual([
      { page: { first: 5, after: null }, requests: [{ index: 0, workflowId: 'a' }, { index: 1, workflowId: 'b' }] },
      { page: { first: 5, after: 'xyz' }, requests: [{ index: 2, workflowId: 'c' }] },
      { page: { first: null, after: null }, requests: [{ index: 3, workflowId: 'd' }] },
    ]);
  });
});

describe('workflowExecutionsKeyId', () => {
  it('treats a missing page argument like an explicit null', () => {
    expect(workflowExecutionsKeyId({ workflowId: 'a' })).toBe(workflowExecutionsKeyId({ workflowId: 'a', first: null, after: null }));
    expect(workflowExecutionsKeyId({ workflowId: 'a', first: 2 })).not.toBe(workflowExecutionsKeyId({ workflowId: 'a', first: 3 }));
  });
});

describe('checkExecutionValues', () => {
  const valid = {
    workflowId: '5b0f3c86-1f39-4c51-9a8d-7d2d7f0f4b6e',
    workflowVersion: 2,
    status: 'SUCCEEDED',
    decision: 'STOP_LINE',
    confidence: 0.9,
    explanation: 'hot',
    method: 'HYBRID',
    methodUsed: 'RULE',
    cached: false,
    inputData: { temperature: 90, nested: { list: [1, 'a', null, true] } },
    executionTimeMs: 0.25,
    path: ['check', 'stop'],
    nodeResults: [{ nodeId: 'check', outcome: 'true', confidence: 0.9, methodUsed: 'RULE', explanation: 'held', extra: 1 }],
    actions: [{ nodeId: 'notify', action: 'webhook' }, { nodeId: 'page', action: 'webhook', url: 'https://example.com' }],
  } as const;

  it('gives what the zod schema gives for values the engine makes', () => {
    const values = structuredClone(valid) as unknown as ExecutionValues;
    expect(checkExecutionValues(values)).toEqual(executionValues.parse(values));
    const bare = { ...values, path: undefined, nodeResults: undefined, actions: undefined, unknown: 'dropped' } as unknown as ExecutionValues;
    expect(checkExecutionValues(bare)).toEqual(executionValues.parse(bare));
  });

  it('refuses, naming every field, whatever the schema refuses', () => {
    const broken: Array<Partial<Record<keyof ExecutionValues, unknown>>> = [
      { workflowId: 'line-3' },
      { workflowVersion: 0 },
      { workflowVersion: 1.5 },
      { status: 'DONE' },
      { decision: '' },
      { confidence: 1.5 },
      { confidence: Number.NaN },
      { method: 'MAGIC' },
      { cached: 'no' },
      { inputData: [] },
      { inputData: { at: new Date() } },
      { inputData: { ratio: Number.POSITIVE_INFINITY } },
      { executionTimeMs: -1 },
      { path: [1] },
      { nodeResults: [{ nodeId: 'check', outcome: 1, confidence: 1, methodUsed: 'RULE', explanation: '' }] },
      { actions: [{ nodeId: 'notify' }] },
    ];
    for (const change of broken) {
      const values = { ...structuredClone(valid), ...change } as unknown as ExecutionValues;
      expect(executionValues.safeParse(values).success, JSON.stringify(change)).toBe(false);
      expect(() => checkExecutionValues(values), JSON.stringify(change)).toThrow(/Invalid input — execution\./);
    }
  });
});

describe('ExecutionWriter', () => {
  /** A statement that answers when told to, recording the rows each run was given. */
  function fakeStatement() {
    const runs: Array<{ ids: string[]; answer: () => void; fail: (error: Error) => void }> = [];
    const insert = (params: readonly unknown[]) =>
      new Promise<Array<{ id: string; created_at: string }>>((resolve, reject) => {
        const ids = (JSON.parse(params[0] as string) as Array<{ id: string }>).map((row) => row.id);
        runs.push({ ids, answer: () => resolve(ids.map((id) => ({ id, created_at: '2025-01-02T03:04:05.678Z' }))), fail: reject });
      });
    return { insert, runs };
  }
  const rowsOf = (...ids: string[]) => [ids.map((id) => JSON.stringify({ id })).join(','), ids.length] as const;
  const settle = () => new Promise((resolve) => setImmediate(resolve));

  it('sends a write at once when idle, and groups the writes that arrive while statements run, in arrival order', async () => {
    const { insert, runs } = fakeStatement();
    const writer = new ExecutionWriter(insert, { maxInFlight: 1, maxRows: 1000 });
    const first = writer.write(...rowsOf('a'));
    expect(runs.map((run) => run.ids)).toEqual([['a']]);
    const waiting = [writer.write(...rowsOf('b', 'c')), writer.write(...rowsOf('d'))];
    expect(runs).toHaveLength(1);
    runs[0]!.answer();
    expect((await first).get('a')).toEqual(new Date('2025-01-02T03:04:05.678Z'));
    await settle();
    expect(runs.map((run) => run.ids)).toEqual([['a'], ['b', 'c', 'd']]);
    runs[1]!.answer();
    const [bc, d] = await Promise.all(waiting);
    expect([...bc!.keys()]).toContain('c');
    expect(d!.has('d')).toBe(true);
  });

  it('keeps a statement within maxRows, never splitting a write', async () => {
    const { insert, runs } = fakeStatement();
    const writer = new ExecutionWriter(insert, { maxInFlight: 1, maxRows: 3 });
    void writer.write(...rowsOf('a'));
    void writer.write(...rowsOf('b', 'c'));
    void writer.write(...rowsOf('d', 'e'));
    void writer.write(...rowsOf('f'));
    runs[0]!.answer();
    await settle();
    runs[1]!.answer();
    await settle();
    expect(runs.map((run) => run.ids)).toEqual([['a'], ['b', 'c'], ['d', 'e', 'f']]);
  });

  it('tries each write of a failed shared statement again alone: only the one the database refuses fails', async () => {
    const { insert, runs } = fakeStatement();
    const writer = new ExecutionWriter(insert, { maxInFlight: 1, maxRows: 1000 });
    void writer.write(...rowsOf('a')).catch(() => {});
    const good = writer.write(...rowsOf('b'));
    const refused = writer.write(...rowsOf('poison'));
    runs[0]!.answer();
    await settle();
    expect(runs[1]!.ids).toEqual(['b', 'poison']);
    runs[1]!.fail(new Error('check constraint'));
    await settle();
    expect(runs.slice(2).map((run) => run.ids)).toEqual([['b'], ['poison']]);
    runs[2]!.answer();
    runs[3]!.fail(new Error('check constraint'));
    expect((await good).has('b')).toBe(true);
    await expect(refused).rejects.toThrow('check constraint');
  });
});
