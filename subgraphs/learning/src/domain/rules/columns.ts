import { categoryOf } from '../similarity.ts';
import { holds, isNameable, type Condition } from './conditions.ts';
import type { Example } from './dataset.ts';

/** A field holding only numbers (where present): its values by position, NaN where absent, and the positions sorted by value. */
export interface NumericColumn {
  values: Float64Array;
  order: Int32Array;
}

/** A field holding text, booleans or null: each position's category code (ABSENT, or NUMBER for a number among them). */
export interface CategoricalColumn {
  codes: Int32Array;
  categories: string[];
  /** The positions of each category, by code. */
  positions: Int32Array[];
}

export const ABSENT = -2;
export const NUMBER = -1;

/**
 * The examples by column, built once per extraction: the algorithms sweep typed arrays instead of
 * looking fields up example by example, which is what lets them run on 100k samples.
 */
export interface FieldIndex {
  size: number;
  positive: Uint8Array;
  numeric: Map<string, NumericColumn>;
  categorical: Map<string, CategoricalColumn>;
  examples: readonly Example[];
}

/** The fields rules may test: a field that also holds text is tested by category only (thresholds on it would read oddly). */
export function indexFields(examples: readonly Example[]): FieldIndex {
  const size = examples.length;
  const positive = Uint8Array.from(examples, (example) => (example.positive ? 1 : 0));
  const seen = new Map<string, { numbers: boolean; other: boolean }>();
  for (const example of examples) {
    for (const [field, value] of example.fields) {
      if (!isNameable(field)) continue;
      const kind = seen.get(field) ?? seen.set(field, { numbers: false, other: false }).get(field)!;
      if (typeof value === 'number' && Number.isFinite(value)) kind.numbers = true;
      else kind.other = true;
    }
  }
  const numeric = new Map<string, NumericColumn>();
  const categorical = new Map<string, CategoricalColumn>();
  for (const [field, kind] of seen) {
    if (!kind.other) {
      const values = new Float64Array(size).fill(Number.NaN);
      const present: number[] = [];
      examples.forEach((example, position) => {
        const value = example.fields.get(field);
        if (typeof value === 'number' && Number.isFinite(value)) {
          values[position] = value;
          present.push(position);
        }
      });
      numeric.set(field, { values, order: Int32Array.from(present.sort((a, b) => values[a]! - values[b]!)) });
      continue;
    }
    const codes = new Int32Array(size).fill(ABSENT);
    const byCategory = new Map<string, number[]>();
    examples.forEach((example, position) => {
      if (!example.fields.has(field)) return;
      const value = example.fields.get(field);
      if (typeof value === 'number' && Number.isFinite(value)) {
        codes[position] = NUMBER;
        return;
      }
      const key = categoryOf(value);
      let members = byCategory.get(key);
      if (!members) byCategory.set(key, (members = []));
      members.push(position);
    });
    const categories = [...byCategory.keys()];
    categories.forEach((category, code) => {
      for (const position of byCategory.get(category)!) codes[position] = code;
    });
    categorical.set(field, { codes, categories, positions: categories.map((category) => Int32Array.from(byCategory.get(category)!)) });
  }
  return { size, positive, numeric, categorical, examples };
}

/** The examples a condition holds for, as `holds` decides it, one byte each. */
export function conditionMask(index: FieldIndex, condition: Condition): Uint8Array {
  const mask = new Uint8Array(index.size);
  const numeric = index.numeric.get(condition.field);
  const categorical = index.categorical.get(condition.field);
  if (numeric && (condition.op === '>' || condition.op === '<=')) {
    const { values } = numeric;
    const threshold = condition.value;
    // NaN (absent) compares false either way, as a missing field fails any test.
    if (condition.op === '>') for (let position = 0; position < index.size; position++) mask[position] = values[position]! > threshold ? 1 : 0;
    else for (let position = 0; position < index.size; position++) mask[position] = values[position]! <= threshold ? 1 : 0;
    return mask;
  }
  if (categorical && (condition.op === '==' || condition.op === '!=')) {
    const code = categorical.categories.indexOf(categoryOf(condition.value));
    const { codes } = categorical;
    if (condition.op === '==') for (let position = 0; position < index.size; position++) mask[position] = code >= 0 && codes[position] === code ? 1 : 0;
    else {
      for (let position = 0; position < index.size; position++) {
        const at = codes[position]!;
        // A number among a field's categories has no code: the condition itself decides.
        mask[position] = at === ABSENT ? 0 : at === NUMBER ? (holds(condition, index.examples[position]!.fields) ? 1 : 0) : at !== code ? 1 : 0;
      }
    }
    return mask;
  }
  for (let position = 0; position < index.size; position++) mask[position] = holds(condition, index.examples[position]!.fields) ? 1 : 0;
  return mask;
}

/** Where every one of the masks holds. */
export function intersect(size: number, masks: readonly Uint8Array[]): Uint8Array {
  const all = new Uint8Array(size).fill(1);
  for (const mask of masks) for (let position = 0; position < size; position++) all[position]! &= mask[position]!;
  return all;
}
