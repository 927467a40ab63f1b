import { conditionMask, indexFields, type FieldIndex } from './columns.ts';
import { conjunctionText, thresholdBetween, type Condition } from './conditions.ts';
import type { Example } from './dataset.ts';
import { valueOfCategory, type LearnedRule } from './frequency.ts';

export interface TreeOptions {
  maxDepth?: number;
  /** Examples a leaf must hold at least. */
  minLeaf?: number;
}

interface Split {
  condition: Condition;
  impurity: number;
}

const gini = (positives: number, total: number) => {
  if (!total) return 0;
  const share = positives / total;
  return 2 * share * (1 - share);
};

/**
 * The split of a node's examples (those in `node`) that lowers Gini impurity most: a threshold on
 * a number or one category against the rest. Sweeps each column in its presorted order, so a
 * node costs one pass per field rather than a sort.
 */
function bestSplit(index: FieldIndex, node: Uint8Array, total: number, totalPositives: number, minLeaf: number): Split | undefined {
  const { positive } = index;
  let best: Split | undefined;
  const consider = (impurity: number, condition: () => Condition) => {
    if (!best || impurity < best.impurity - 1e-12) best = { condition: condition(), impurity };
  };
  for (const [field, { order, values }] of index.numeric) {
    let below = 0;
    let belowPositives = 0;
    let previous: number | undefined;
    for (const position of order) {
      if (!node[position]) continue;
      const value = values[position]!;
      // Examples without the field fall on the side where `x <= t` does not hold, as in a rule.
      if (previous !== undefined && value !== previous && below >= minLeaf && total - below >= minLeaf) {
        const impurity = (below * gini(belowPositives, below) + (total - below) * gini(totalPositives - belowPositives, total - below)) / total;
        const threshold = previous;
        consider(impurity, () => ({ field, op: '<=', value: thresholdBetween(threshold, value) }));
      }
      below++;
      if (positive[position]) belowPositives++;
      previous = value;
    }
  }
  for (const [field, { categories, positions }] of index.categorical) {
    categories.forEach((category, code) => {
      let count = 0;
      let positives = 0;
      for (const position of positions[code]!) {
        if (!node[position]) continue;
        count++;
        if (positive[position]) positives++;
      }
      if (count < minLeaf || total - count < minLeaf) return;
      const impurity = (count * gini(positives, count) + (total - count) * gini(totalPositives - positives, total - count)) / total;
      consider(impurity, () => ({ field, op: '==', value: valueOfCategory(category) }));
    });
  }
  return best && (best as Split).impurity < gini(totalPositives, total) - 1e-9 ? best : undefined;
}

/** The opposite test, for the branch where a split's condition does not hold. */
const negated = (condition: Condition): Condition =>
  condition.op === '<=' ? { ...condition, op: '>' } : condition.op === '>' ? { ...condition, op: '<=' } : { ...condition, op: condition.op === '==' ? '!=' : '==' };

/**
 * CART: a binary tree grown by the Gini-best split until leaves are pure, small or deep enough.
 * Every path to a leaf where most examples are positive becomes a conjunction, and all of them
 * together (when there are two to four) one disjunction.
 */
export function decisionTreeRules(examples: readonly Example[], options: TreeOptions = {}): LearnedRule[] {
  const maxDepth = options.maxDepth ?? 4;
  const minLeaf = options.minLeaf ?? Math.max(3, Math.floor(examples.length * 0.01));
  const index = indexFields(examples);
  const positives = examples.filter((example) => example.positive).length;
  const paths: Array<{ conditions: Condition[]; positives: number; count: number }> = [];
  const grow = (node: Uint8Array, conditions: Condition[], depth: number) => {
    let count = 0;
    let leafPositives = 0;
    for (let position = 0; position < index.size; position++) {
      if (!node[position]) continue;
      count++;
      if (index.positive[position]) leafPositives++;
    }
    const split = depth < maxDepth && leafPositives > 0 && leafPositives < count ? bestSplit(index, node, count, leafPositives, minLeaf) : undefined;
    if (!split) {
      if (leafPositives * 2 > count) paths.push({ conditions, positives: leafPositives, count });
      return;
    }
    const holding = conditionMask(index, split.condition);
    const yes = new Uint8Array(index.size);
    const no = new Uint8Array(index.size);
    for (let position = 0; position < index.size; position++) {
      if (!node[position]) continue;
      if (holding[position]) yes[position] = 1;
      else no[position] = 1;
    }
    grow(yes, [...conditions, split.condition], depth + 1);
    grow(no, [...conditions, negated(split.condition)], depth + 1);
  };
  grow(new Uint8Array(index.size).fill(1), [], 0);
  const trainF1 = (truePositive: number, predicted: number) => (truePositive ? (2 * truePositive) / (predicted + positives) : 0);
  const rules: LearnedRule[] = paths
    .filter((path) => path.conditions.length)
    .map((path) => ({ conditions: path.conditions, expression: conjunctionText(path.conditions), trainF1: trainF1(path.positives, path.count) }));
  if (rules.length >= 2 && rules.length <= 4) {
    const covered = paths.reduce((sum, path) => sum + path.count, 0);
    const coveredPositives = paths.reduce((sum, path) => sum + path.positives, 0);
    rules.push({ conditions: [], expression: rules.map((rule) => `(${rule.expression})`).join(' OR '), trainF1: trainF1(coveredPositives, covered) });
  }
  return rules.sort((a, b) => b.trainF1 - a.trainF1);
}
