import { exampleWorkflowDefinition } from '@judgify/runtime/testing';
import { compileRule } from '@judgify/rule-language/compile';
import type { WorkflowDefinition } from '@judgify/workflow-definition/definition';
import { describe, expect, it } from 'vitest';
import { runWorkflow } from './engine.ts';
import { createNodeJudge } from './judge.ts';

const spec = exampleWorkflowDefinition as WorkflowDefinition;

const byRules = createNodeJudge({ method: 'RULE', compile: compileRule });

describe('workflow runs', () => {
  it('decides the spec example: STOP_LINE by rule with confidence 1', async () => {
    expect(await runWorkflow(spec, { temperature: 90, vibration: 60 }, byRules)).toEqual({
      status: 'SUCCEEDED',
      decision: 'STOP_LINE',
      confidence: 1,
      methodUsed: 'RULE',
      explanation: 'check: rule "temperature > 80 AND vibration > 50" is true → decision STOP_LINE',
      path: ['check', 'stop'],
      nodeResults: [{ nodeId: 'check', outcome: 'true', confidence: 1, methodUsed: 'RULE', explanation: 'rule "temperature > 80 AND vibration > 50" is true' }],
      actions: [],
    });
    expect((await runWorkflow(spec, { temperature: 20, vibration: 60 }, byRules)).decision).toBe('OK');
  });

  it('passes action nodes, recording them, and chains judgments', async () => {
    const definition: WorkflowDefinition = {
      startNode: 'hot',
      nodes: [
        { id: 'hot', type: 'judgment', rule: 'temperature > 80' },
        { id: 'page', type: 'action', action: 'webhook', url: 'https://hooks.example.com/x' },
        { id: 'shaky', type: 'judgment', rule: 'vibration > 50' },
        { id: 'stop', type: 'output', decision: 'STOP' },
        { id: 'watch', type: 'output', decision: 'WATCH' },
        { id: 'ok', type: 'output', decision: 'OK' },
      ],
      edges: [
        { from: 'hot', to: 'page', when: 'true' },
        { from: 'hot', to: 'ok', when: 'false' },
        { from: 'page', to: 'shaky' },
        { from: 'shaky', to: 'stop', when: 'true' },
        { from: 'shaky', to: 'watch', when: 'false' },
      ],
    };
    const result = await runWorkflow(definition, { temperature: 90, vibration: 10 }, byRules);
    expect(result).toMatchObject({
      status: 'SUCCEEDED',
      decision: 'WATCH',
      path: ['hot', 'page', 'shaky', 'watch'],
      actions: [{ nodeId: 'page', action: 'webhook', url: 'https://hooks.example.com/x' }],
    });
  });

  it('fails undecided, naming the missing field, when rules alone cannot decide', async () => {
    const result = await runWorkflow(spec, { temperature: 90 }, byRules);
    expect(result).toMatchObject({ status: 'FAILED', decision: 'UNDECIDED', confidence: 0, path: ['check'] });
    expect(result.explanation).toBe(
      'check: rule "temperature > 80 AND vibration > 50" is undecidable: missing input field: vibration → node check could not decide',
    );
  });

  it('fails undecided when an outcome has no edge', async () => {
    const oneWay: WorkflowDefinition = { ...spec, edges: [spec.edges[0]!] };
    const result = await runWorkflow(oneWay, { temperature: 20, vibration: 60 }, byRules);
    expect(result).toMatchObject({ status: 'FAILED', decision: 'UNDECIDED' });
    expect(result.explanation).toContain('no edge leaves check for outcome "false"');
  });
});

describe('hybrid judging without an LLM', () => {
  const hybrid = createNodeJudge({ method: 'HYBRID', compile: compileRule });

  it('lets a decided rule stand', async () => {
    expect(await runWorkflow(spec, { temperature: 90, vibration: 60 }, hybrid)).toMatchObject({ decision: 'STOP_LINE', methodUsed: 'RULE', confidence: 1 });
  });

  it('keeps the rule outcome and says no LLM could decide instead', async () => {
    const result = await runWorkflow(spec, { temperature: 90 }, hybrid);
    expect(result.status).toBe('FAILED');
    expect(result.explanation).toContain('no LLM is configured to decide instead');
  });

  it('records an LLM-only node undecided under a hybrid request, instead of failing it', async () => {
    const llmNode = { ...spec, nodes: [{ id: 'check', type: 'judgment', criteria: 'is it overheating?', method: 'llm' }, ...spec.nodes.slice(1)] } as WorkflowDefinition;
    const result = await runWorkflow(llmNode, { temperature: 90 }, hybrid);
    expect(result).toMatchObject({ status: 'FAILED', decision: 'UNDECIDED' });
    expect(result.explanation).toContain('the node asks the LLM, which is unavailable: no LLM is configured');
  });

  it('decides with a learned rule’s held-out confidence, one for true and one for false, and hands a weak one on', async () => {
    const learned = {
      ...spec,
      nodes: [{ ...spec.nodes[0]!, ruleConfidence: 0.96, ruleConfidenceWhenFalse: 0.55, criteria: 'is it overheating?' }, ...spec.nodes.slice(1)],
    } as WorkflowDefinition;
    const hot = await runWorkflow(learned, { temperature: 90, vibration: 60 }, hybrid);
    expect(hot).toMatchObject({ decision: 'STOP_LINE', methodUsed: 'RULE', confidence: 0.96 });
    expect(hot.explanation).toContain('(a learned rule, 96 % right on held-out samples when true)');
    // Below the node's threshold (0.7) when false: the LLM is asked (none here, so the rule's outcome stands, saying so).
    const cool = await runWorkflow(learned, { temperature: 20, vibration: 10 }, hybrid);
    expect(cool).toMatchObject({ decision: 'OK', confidence: 0.55 });
    expect(cool.explanation).toContain('55 % right on held-out samples when false); no LLM is configured to decide instead');
  });

  it('refuses method LLM with LLM_UNAVAILABLE', async () => {
    const llmOnly = createNodeJudge({ method: 'LLM', compile: compileRule });
    await expect(runWorkflow(spec, { temperature: 90 }, llmOnly)).rejects.toMatchObject({
      extensions: { code: 'LLM_UNAVAILABLE' },
      message: 'The LLM judge is unavailable: no LLM is configured (set OPENAI_API_KEY or OPENAI_BASE_URL). Run with method RULE or HYBRID, or try again later.',
    });
  });
});
