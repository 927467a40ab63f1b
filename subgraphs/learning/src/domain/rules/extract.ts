import { LlmUnavailableError, type LlmClient } from '@judgify/runtime/llm';
import type { JobNote, RuleAlgorithm, SampleSplit } from '../../db/schema.ts';
import { exampleOf, scoreRule, stratifiedSplit, type Example, type RuleScore } from './dataset.ts';
import { decisionTreeRules } from './decision-tree.ts';
import { frequencyRules } from './frequency.ts';
import { llmProposals } from './llm-pattern.ts';

/** Below these, held-out scores say nothing: extraction is refused with the counts. */
export const MIN_SAMPLES = 20;
export const MIN_PER_CLASS = 5;

export interface LabelledSample {
  input: Record<string, unknown>;
  label: string;
}

export interface ExtractionRequest {
  samples: readonly LabelledSample[];
  /** What each label means for the node: `"true"`, `"false"`, or another outcome (left out). */
  outcomes: Readonly<Record<string, string>>;
  seed: number;
  llm?: LlmClient;
  /** Run only these (all by default): the evaluation measures each on its own. */
  algorithms?: readonly RuleAlgorithm[];
  onProgress?(fraction: number): Promise<void> | void;
  /** How long each algorithm took, for the metrics. */
  onAlgorithm?(algorithm: RuleAlgorithm, seconds: number): void;
}

export interface Candidate {
  algorithm: RuleAlgorithm;
  expression: string;
  /** On the held-out samples only. */
  score: RuleScore;
}

export interface ExtractionResult {
  split: SampleSplit;
  candidates: Candidate[];
  notes: JobNote[];
}

/** Why samples of these counts cannot be learned from (too few, or one outcome only), naming the counts; undefined when they can. */
export function refusalFor(counts: { positives: number; negatives: number; excluded?: number }, node = 'this node'): string | undefined {
  const { positives, negatives, excluded = 0 } = counts;
  const usable = positives + negatives;
  if (usable >= MIN_SAMPLES && positives >= MIN_PER_CLASS && negatives >= MIN_PER_CLASS) return undefined;
  if (usable > 0 && (positives === 0 || negatives === 0)) {
    return `All ${usable} labelled samples of ${node} mean "${positives ? 'true' : 'false'}": a rule needs examples of both outcomes. Give feedback on judgments that went the other way.`;
  }
  const neither = excluded ? ` and ${excluded} whose label belongs to neither of its outcomes` : '';
  return `Rule extraction needs at least ${MIN_SAMPLES} labelled samples with at least ${MIN_PER_CLASS} of each outcome; ${node} has ${usable} (${positives} "true", ${negatives} "false")${neither}.`;
}

/** Too few samples, or only one class: nothing can be learned, and the reason names the counts. */
export class ExtractionRefused extends Error {
  override readonly name = 'ExtractionRefused';
}

const CANDIDATES_PER_ALGORITHM = 5;

/**
 * Learns candidate rules for a judgment node from labelled samples: a seeded, stratified split
 * (70 % to learn from, 30 % held out), each algorithm on the training part, every candidate
 * scored on the held-out part only, duplicates dropped, best F1 first.
 */
export async function extractRules(request: ExtractionRequest): Promise<ExtractionResult> {
  const examples: Example[] = [];
  let excluded = 0;
  for (const sample of request.samples) {
    const outcome = request.outcomes[sample.label];
    if (outcome === 'true' || outcome === 'false') examples.push(exampleOf(sample.input, outcome === 'true'));
    else excluded++;
  }
  const positives = examples.filter((example) => example.positive).length;
  const refusal = refusalFor({ positives, negatives: examples.length - positives, excluded });
  if (refusal) throw new ExtractionRefused(refusal);
  const { train, test } = stratifiedSplit(examples, request.seed);
  const labels = (outcome: string) => Object.entries(request.outcomes).filter(([, value]) => value === outcome).map(([label]) => label).sort();
  const split: SampleSplit = { seed: request.seed, trainCount: train.length, testCount: test.length, positiveLabels: labels('true'), negativeLabels: labels('false'), excluded };
  const notes: JobNote[] = [];
  const found: Array<{ algorithm: RuleAlgorithm; expression: string }> = [];
  const wanted = (algorithm: RuleAlgorithm) => !request.algorithms || request.algorithms.includes(algorithm);
  const algorithms: Array<[RuleAlgorithm, () => Promise<string[]>]> = [];
  if (wanted('FREQUENCY')) algorithms.push(['FREQUENCY', async () => frequencyRules(train, CANDIDATES_PER_ALGORITHM).map((rule) => rule.expression)]);
  if (wanted('DECISION_TREE')) algorithms.push(['DECISION_TREE', async () => decisionTreeRules(train).slice(0, CANDIDATES_PER_ALGORITHM).map((rule) => rule.expression)]);
  const { llm } = request;
  if (wanted('LLM_PATTERN') && llm) {
    algorithms.push([
      'LLM_PATTERN',
      async () => {
        const proposals = await llmProposals(llm, train, request.seed);
        for (const dropped of proposals.dropped) notes.push({ algorithm: 'LLM_PATTERN', message: `dropped a proposal: ${dropped}` });
        return proposals.expressions;
      },
    ]);
  } else if (wanted('LLM_PATTERN')) notes.push({ algorithm: 'LLM_PATTERN', message: 'skipped: no LLM is configured' });
  for (const [index, [algorithm, learn]] of algorithms.entries()) {
    const started = performance.now();
    try {
      for (const expression of await learn()) found.push({ algorithm, expression });
    } catch (error) {
      if (!(error instanceof LlmUnavailableError)) throw error;
      notes.push({ algorithm, message: `skipped: ${error.message}` });
    }
    request.onAlgorithm?.(algorithm, (performance.now() - started) / 1000);
    await request.onProgress?.((index + 1) / (algorithms.length + 1));
  }
  const seen = new Set<string>();
  const candidates: Candidate[] = [];
  for (const { algorithm, expression } of found) {
    const key = expression.replace(/\s+/g, ' ').trim();
    if (seen.has(key)) continue;
    seen.add(key);
    candidates.push({ algorithm, expression: key, score: scoreRule(key, test) });
  }
  candidates.sort((a, b) => b.score.f1 - a.score.f1 || b.score.accuracy - a.score.accuracy || a.expression.length - b.expression.length);
  return { split, candidates, notes };
}
