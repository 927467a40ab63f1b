import { conditionMask, indexFields, intersect, type FieldIndex } from './columns.ts';
import { conditionText, conjunctionText, thresholdBetween, type Condition } from './conditions.ts';
import type { Example } from './dataset.ts';

export interface LearnedRule {
  conditions: Condition[];
  expression: string;
  /** F1 on the examples it was learned from (scoring on held-out ones happens elsewhere). */
  trainF1: number;
}

interface Counts {
  truePositive: number;
  falsePositive: number;
}

const f1Of = ({ truePositive, falsePositive }: Counts, positives: number) =>
  truePositive ? (2 * truePositive) / (2 * truePositive + falsePositive + (positives - truePositive)) : 0;

/** A category as the value a rule tests: `true`, `false` and `null` as themselves, the rest as text. */
export const valueOfCategory = (category: string): string | number | boolean | null => {
  if (category === 'true') return true;
  if (category === 'false') return false;
  if (category === 'null') return null;
  return category;
};

/**
 * The best test to add on each field, for the examples a rule already covers: every threshold
 * between neighbouring values (`x > t`, `x <= t`) and every category (`x == v`), by the F1 of the
 * rule with the test added.
 */
export function bestTests(index: FieldIndex, covered: Uint8Array, positives: number): Array<{ condition: Condition; counts: Counts; f1: number }> {
  const tests: Array<{ condition: Condition; counts: Counts; f1: number }> = [];
  const { positive } = index;
  for (const [field, { order, values }] of index.numeric) {
    let coveredPositives = 0;
    let coveredNegatives = 0;
    for (const position of order) {
      if (!covered[position]) continue;
      if (positive[position]) coveredPositives++;
      else coveredNegatives++;
    }
    let belowPositives = 0;
    let belowNegatives = 0;
    let best: { condition: Condition; counts: Counts; f1: number } | undefined;
    let previous: number | undefined;
    for (const position of order) {
      if (!covered[position]) continue;
      const value = values[position]!;
      if (previous !== undefined && value !== previous) {
        const above = { truePositive: coveredPositives - belowPositives, falsePositive: coveredNegatives - belowNegatives };
        const below = { truePositive: belowPositives, falsePositive: belowNegatives };
        for (const [op, counts] of [['>', above], ['<=', below]] as const) {
          const f1 = f1Of(counts, positives);
          // The threshold is worked out only for a better test: it is the slow part.
          if (!best || f1 > best.f1) best = { condition: { field, op, value: thresholdBetween(previous, value) }, counts, f1 };
        }
      }
      if (positive[position]) belowPositives++;
      else belowNegatives++;
      previous = value;
    }
    if (best) tests.push(best);
  }
  for (const [field, { categories, positions }] of index.categorical) {
    let best: { condition: Condition; counts: Counts; f1: number } | undefined;
    const all = { truePositive: 0, falsePositive: 0 };
    const perValue = categories.map((category, code) => {
      const counts = { truePositive: 0, falsePositive: 0 };
      for (const position of positions[code]!) {
        if (!covered[position]) continue;
        if (positive[position]) counts.truePositive++;
        else counts.falsePositive++;
      }
      all.truePositive += counts.truePositive;
      all.falsePositive += counts.falsePositive;
      return { category, counts };
    });
    for (const { category, counts } of perValue) {
      const other = { truePositive: all.truePositive - counts.truePositive, falsePositive: all.falsePositive - counts.falsePositive };
      for (const [op, tally] of [['==', counts], ['!=', other]] as const) {
        const f1 = f1Of(tally, positives);
        if (!best || f1 > best.f1) best = { condition: { field, op, value: valueOfCategory(category) }, counts: tally, f1 };
      }
    }
    if (best) tests.push(best);
  }
  return tests;
}

const BEAM = 8;
const MAX_CONDITIONS = 3;

/**
 * Frequency analysis: the single-field tests that best separate the classes, then conjunctions
 * of them grown one test at a time (a beam of the best eight) while F1 improves, up to three
 * tests. Returns the distinct rules found, best first.
 */
export function frequencyRules(examples: readonly Example[], limit = 5): LearnedRule[] {
  const positives = examples.filter((example) => example.positive).length;
  const index = indexFields(examples);
  const masks = new Map<string, Uint8Array>();
  const maskOf = (condition: Condition) => {
    const key = conditionText(condition);
    let mask = masks.get(key);
    if (!mask) masks.set(key, (mask = conditionMask(index, condition)));
    return mask;
  };
  const coverOf = (conditions: readonly Condition[]) => intersect(index.size, conditions.map(maskOf));
  let beam = bestTests(index, intersect(index.size, []), positives)
    .sort((a, b) => b.f1 - a.f1)
    .slice(0, BEAM)
    .map((test) => ({ conditions: [test.condition], f1: test.f1 }));
  const found = [...beam];
  for (let size = 2; size <= MAX_CONDITIONS && beam.length; size++) {
    const grown: typeof beam = [];
    for (const rule of beam) {
      for (const test of bestTests(index, coverOf(rule.conditions), positives)) {
        if (test.f1 > rule.f1 + 1e-9) grown.push({ conditions: [...rule.conditions, test.condition], f1: test.f1 });
      }
    }
    beam = dedupe(grown).sort((a, b) => b.f1 - a.f1).slice(0, BEAM);
    found.push(...beam);
  }
  return dedupe(found)
    .sort((a, b) => b.f1 - a.f1 || a.conditions.length - b.conditions.length)
    .slice(0, limit)
    .map((rule) => ({ conditions: rule.conditions, expression: conjunctionText(rule.conditions), trainF1: rule.f1 }));
}

function dedupe<T extends { conditions: Condition[] }>(rules: T[]): T[] {
  const seen = new Map<string, T>();
  for (const rule of rules) {
    const key = conjunctionText([...rule.conditions].sort((a, b) => conjunctionText([a]).localeCompare(conjunctionText([b]))));
    if (!seen.has(key)) seen.set(key, rule);
  }
  return [...seen.values()];
}
