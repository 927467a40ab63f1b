import { AppError } from '@judgify/runtime/errors';
import { LlmUnavailableError, type LlmClient } from '@judgify/runtime/llm';
import type { CompiledRule } from '@judgify/rule-language/compile';
import type { JudgmentNode } from '@judgify/workflow-definition/definition';
import type { JudgmentMethod } from '../db/schema.ts';
import type { Limit } from './concurrency-limit.ts';
import type { NodeDecision, NodeJudge } from './engine.ts';
import type { FewShotSource } from './few-shot.ts';

export const DEFAULT_THRESHOLD = 0.7;

export interface JudgeOptions {
  method: JudgmentMethod;
  /** The compiled rule for a source, from a cache shared across runs. */
  compile(source: string): CompiledRule;
  llm?: LlmClient;
  /** Labelled samples like the input, shown to the LLM; without it the LLM judges on the criteria alone. */
  fewShot?: FewShotSource;
  /** Where LLM asks (its few-shot lookup included) wait for a free slot: a batch's concurrency limit. */
  limit?: Limit;
}

const quoted = (rule: string) => `rule "${rule.length > 120 ? `${rule.slice(0, 117)}...` : rule}"`;

/** Authored rules are certain when they decide; a promoted learned rule brings its held-out scores (`ruleConfidence` when true, `ruleConfidenceWhenFalse` when false). */
function byRule(node: JudgmentNode & { rule: string }, compile: JudgeOptions['compile'], input: unknown): NodeDecision {
  const result = compile(node.rule).evaluate(input);
  if (result.decided) {
    const whenFalse = result.value === false && node.ruleConfidenceWhenFalse !== undefined;
    const confidence = (whenFalse ? node.ruleConfidenceWhenFalse : node.ruleConfidence) ?? 1;
    const learned = node.ruleConfidence !== undefined ? ` (a learned rule, ${Math.round(confidence * 100)} % right on held-out samples when ${result.value})` : '';
    return { outcome: String(result.value), confidence, methodUsed: 'RULE', explanation: `${quoted(node.rule)} is ${result.value}${learned}` };
  }
  return { outcome: null, confidence: 0, methodUsed: 'RULE', explanation: `${quoted(node.rule)} is undecidable: ${result.reason}` };
}

async function byLlm(node: JudgmentNode, llm: LlmClient, input: unknown, fewShot: FewShotSource | undefined): Promise<NodeDecision> {
  const shots = fewShot ? await fewShot(node) : undefined;
  const answer = await llm.judge({
    criteria: node.criteria ?? `Decide whether this condition holds for the input: ${node.rule}`,
    input,
    outcomes: ['true', 'false', ...(node.labels ?? [])],
    examples: shots?.examples ?? [],
  });
  const shown = shots ? `, ${shots.note}` : '';
  return { outcome: answer.decision, confidence: answer.confidence, methodUsed: 'LLM', explanation: `LLM (${llm.model}${shown}): ${answer.explanation}` };
}

const llmUnavailable = (reason: string) =>
  new AppError('LLM_UNAVAILABLE', `The LLM judge is unavailable: ${reason}. Run with method RULE or HYBRID, or try again later.`);

/**
 * Decides one judgment node. RULE: the rule only. LLM: the LLM only, an error if it cannot
 * answer. HYBRID (or the node's own method): the rule first; the LLM only when the rule is
 * undecidable or less confident than the node's threshold; if the LLM is absent or fails, the
 * rule's outcome stands and the explanation says why.
 */
export function createNodeJudge(options: JudgeOptions): NodeJudge {
  const ask = (node: JudgmentNode, llm: LlmClient, input: unknown) =>
    options.limit ? options.limit(() => byLlm(node, llm, input, options.fewShot)) : byLlm(node, llm, input, options.fewShot);
  return async (node, input) => {
    const method = options.method === 'HYBRID' && node.method ? (node.method.toUpperCase() as JudgmentMethod) : options.method;
    if (method === 'RULE') {
      return node.rule ? byRule({ ...node, rule: node.rule }, options.compile, input) : { outcome: null, confidence: 0, methodUsed: 'RULE', explanation: 'has no rule; run it with method LLM or HYBRID' };
    }
    if (method === 'LLM') {
      // Only a request for LLM judgments fails without one; a hybrid request records the node undecided.
      const unavailable = (reason: string): NodeDecision => {
        if (options.method === 'LLM') throw llmUnavailable(reason);
        return { outcome: null, confidence: 0, methodUsed: 'LLM', explanation: `the node asks the LLM, which is unavailable: ${reason}` };
      };
      if (!options.llm) return unavailable('no LLM is configured (set OPENAI_API_KEY or OPENAI_BASE_URL)');
      try {
        return await ask(node, options.llm, input);
      } catch (error) {
        if (error instanceof LlmUnavailableError) return unavailable(error.message);
        throw error;
      }
    }
    const ruled = node.rule ? byRule({ ...node, rule: node.rule }, options.compile, input) : undefined;
    const threshold = node.threshold ?? DEFAULT_THRESHOLD;
    if (ruled && ruled.outcome !== null && ruled.confidence >= threshold) return ruled;
    const why = ruled ? ruled.explanation : 'no rule';
    if (!options.llm) {
      return { ...(ruled ?? { outcome: null, confidence: 0, methodUsed: 'RULE' }), explanation: `${why}; no LLM is configured to decide instead` };
    }
    try {
      const asked = await ask(node, options.llm, input);
      return { ...asked, explanation: `${why}; ${asked.explanation}` };
    } catch (error) {
      if (!(error instanceof LlmUnavailableError)) throw error;
      return { ...(ruled ?? { outcome: null, confidence: 0, methodUsed: 'RULE' }), explanation: `${why}; the LLM could not be asked (${error.message})` };
    }
  };
}
