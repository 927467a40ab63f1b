import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createSupergraphClient, type SupergraphClient } from '@judgify/runtime/supergraph-client';
import { silentLogger } from '@judgify/runtime/testing';
import type { WorkflowDefinition } from '@judgify/workflow-definition/definition';
import { Registry } from 'prom-client';
import { describe, expect, it } from 'vitest';
import { fewShotMetric, fewShotSource, type FewShotSettings } from './few-shot.ts';

const definition: WorkflowDefinition = {
  startNode: 'hot',
  nodes: [
    { id: 'hot', type: 'judgment', criteria: 'Is it too hot?', labels: ['UNSURE'] },
    { id: 'shaking', type: 'judgment', rule: 'vibration > 50' },
    { id: 'stop', type: 'output', decision: 'STOP_LINE' },
    { id: 'check', type: 'output', decision: 'INSPECT' },
    { id: 'ok', type: 'output', decision: 'OK' },
    { id: 'ask', type: 'output', decision: 'ASK' },
  ],
  edges: [
    { from: 'hot', to: 'shaking', when: 'true' },
    { from: 'hot', to: 'ok', when: 'false' },
    { from: 'hot', to: 'ask', when: 'UNSURE' },
    { from: 'shaking', to: 'stop', when: 'true' },
    { from: 'shaking', to: 'check', when: 'false' },
  ],
};

const workflow = { id: '0b8e0f8e-7f6c-4c77-9d43-2a4c6f1e3b5a', definition };
const on = { delegation: 'jd1.grant', requestId: 'request-1' };

/** Answers every call with these samples, and keeps what it was asked. */
function answering(samples: Array<{ inputData: unknown; label: string }>) {
  const calls: Array<{ variables?: Record<string, unknown>; roles?: string[] }> = [];
  const supergraph: SupergraphClient = {
    execute: async <TData,>(_on: unknown, _document: string, options: { variables?: Record<string, unknown>; roles?: string[] } = {}) => {
      calls.push(options);
      return { data: { similarSamples: samples } as TData };
    },
  };
  return { supergraph, calls };
}

const settings = (supergraph: SupergraphClient, overrides: Partial<FewShotSettings> = {}): FewShotSettings => ({
  supergraph,
  logger: silentLogger,
  samples: 15,
  timeoutMs: 1_000,
  sampleCount: fewShotMetric(new Registry()),
  ...overrides,
});

describe('few-shot examples', () => {
  it('show each node the samples whose label tells its outcome, asking once per run with viewer rights only', async () => {
    const { supergraph, calls } = answering([
      { inputData: { temperature: 95, vibration: 70 }, label: 'STOP_LINE' },
      { inputData: { temperature: 91, vibration: 10 }, label: 'INSPECT' },
      { inputData: { temperature: 40 }, label: 'OK' },
      { inputData: { temperature: 70 }, label: 'ASK' },
      { inputData: { temperature: 88 }, label: 'SOMETHING_ELSE' },
    ]);
    const source = fewShotSource(settings(supergraph), on, workflow, { temperature: 93 });
    const hot = await source(definition.nodes[0] as never);
    expect(hot.examples).toEqual([
      { input: { temperature: 95, vibration: 70 }, decision: 'true' },
      { input: { temperature: 91, vibration: 10 }, decision: 'true' },
      { input: { temperature: 40 }, decision: 'false' },
      { input: { temperature: 70 }, decision: 'UNSURE' },
    ]);
    expect(hot.note).toBe('with 4 similar labelled samples');
    const shaking = await source(definition.nodes[1] as never);
    expect(shaking.examples).toEqual([
      { input: { temperature: 95, vibration: 70 }, decision: 'true' },
      { input: { temperature: 91, vibration: 10 }, decision: 'false' },
    ]);
    expect(calls).toHaveLength(1);
    expect(calls[0]).toMatchObject({ variables: { workflowId: workflow.id, input: { temperature: 93 }, first: 15 }, roles: ['viewer'] });
  });

  it('say why there are none: none yet, none telling the node, off, or no user to ask as', async () => {
    expect((await fewShotSource(settings(answering([]).supergraph), on, workflow, {})(definition.nodes[0] as never)).note).toBe('without labelled samples: none yet');
    const unrelated = answering([{ inputData: {}, label: 'SOMETHING_ELSE' }]).supergraph;
    expect((await fewShotSource(settings(unrelated), on, workflow, {})(definition.nodes[0] as never)).note).toBe('without labelled samples: none whose label tells this node’s outcome');
    const off = answering([{ inputData: {}, label: 'OK' }]);
    expect((await fewShotSource(settings(off.supergraph, { samples: 0 }), on, workflow, {})(definition.nodes[0] as never)).note).toBe('without labelled samples: few-shot examples are off');
    expect((await fewShotSource(settings(off.supergraph), { requestId: 'r' }, workflow, {})(definition.nodes[0] as never)).note).toBe('without labelled samples: no user request to ask learning for');
    expect(off.calls).toHaveLength(0);
  });

  it('give up on a lookup that takes longer than its budget, so the LLM answers without them', async () => {
    const stuck = createServer(() => {});
    await new Promise<void>((resolve) => stuck.listen(0, '127.0.0.1', resolve));
    try {
      const supergraph = createSupergraphClient({ url: `http://127.0.0.1:${(stuck.address() as AddressInfo).port}`, service: 'judgment', logger: silentLogger });
      const started = performance.now();
      const shots = await fewShotSource(settings(supergraph, { timeoutMs: 150 }), on, workflow, {})(definition.nodes[0] as never);
      expect(shots).toEqual({ examples: [], note: 'without labelled samples: the lookup took over 150 ms' });
      expect(performance.now() - started).toBeLessThan(2_000);
    } finally {
      stuck.closeAllConnections();
      stuck.close();
    }
  });

  it('count the samples shown with each judgment in few_shot_sample_count', async () => {
    const registry = new Registry();
    const sampleCount = fewShotMetric(registry);
    const source = fewShotSource(settings(answering([{ inputData: {}, label: 'OK' }, { inputData: {}, label: 'STOP_LINE' }]).supergraph, { sampleCount }), on, workflow, {});
    await source(definition.nodes[0] as never);
    const metrics = await registry.metrics();
    expect(metrics).toContain('few_shot_sample_count_count 1');
    expect(metrics).toContain('few_shot_sample_count_sum 2');
  });
});
