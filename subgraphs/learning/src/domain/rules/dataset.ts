import { compileRule } from '@judgify/rule-language/compile';
import { flatten, type Flat } from '../similarity.ts';

/** A labelled sample, as the algorithms see it: its fields, and whether its label is the node's `true`. */
export interface Example {
  input: Record<string, unknown>;
  fields: Flat;
  positive: boolean;
}

export const exampleOf = (input: Record<string, unknown>, positive: boolean): Example => ({ input, fields: flatten(input), positive });

/** A small seeded generator (mulberry32): the same seed always splits the same samples the same way. */
export function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let mixed = Math.imul(state ^ (state >>> 15), 1 | state);
    mixed = (mixed + Math.imul(mixed ^ (mixed >>> 7), 61 | mixed)) ^ mixed;
    return ((mixed ^ (mixed >>> 14)) >>> 0) / 4294967296;
  };
}

/** A Fisher-Yates shuffle by the given generator. */
export function shuffled<T>(items: readonly T[], random: () => number): T[] {
  const copy = [...items];
  for (let index = copy.length - 1; index > 0; index--) {
    const other = Math.floor(random() * (index + 1));
    [copy[index], copy[other]] = [copy[other]!, copy[index]!];
  }
  return copy;
}

/**
 * A stratified split: the same share of each class held out, by a seeded shuffle. Candidates are
 * learned from `train` and scored only on `test`.
 */
export function stratifiedSplit<T extends { positive: boolean }>(examples: readonly T[], seed: number, testShare = 0.3): { train: T[]; test: T[] } {
  const random = seededRandom(seed);
  const train: T[] = [];
  const test: T[] = [];
  for (const positive of [true, false]) {
    const group = shuffled(examples.filter((example) => example.positive === positive), random);
    const held = Math.max(1, Math.round(group.length * testShare));
    test.push(...group.slice(0, held));
    train.push(...group.slice(held));
  }
  return { train, test };
}

export interface RuleScore {
  precision: number;
  /** Of the examples it does not match, the share that are negative: how sure it is when it says false. */
  negativePredictiveValue: number;
  recall: number;
  f1: number;
  accuracy: number;
  /** Examples the rule is true for. */
  support: number;
}

/** How a rule does on examples: it predicts `true` where it evaluates to true; false or undecidable is `false`. */
export function scoreRule(expression: string, examples: readonly Example[]): RuleScore {
  const rule = compileRule(expression);
  let truePositive = 0;
  let falsePositive = 0;
  let falseNegative = 0;
  let trueNegative = 0;
  for (const example of examples) {
    const result = rule.evaluate(example.input);
    const fires = result.decided && result.value === true;
    if (fires && example.positive) truePositive++;
    else if (fires) falsePositive++;
    else if (example.positive) falseNegative++;
    else trueNegative++;
  }
  const precision = truePositive + falsePositive ? truePositive / (truePositive + falsePositive) : 0;
  const negativePredictiveValue = trueNegative + falseNegative ? trueNegative / (trueNegative + falseNegative) : 0;
  const recall = truePositive + falseNegative ? truePositive / (truePositive + falseNegative) : 0;
  return {
    precision,
    negativePredictiveValue,
    recall,
    f1: precision + recall ? (2 * precision * recall) / (precision + recall) : 0,
    accuracy: examples.length ? (truePositive + trueNegative) / examples.length : 0,
    support: truePositive + falsePositive,
  };
}
