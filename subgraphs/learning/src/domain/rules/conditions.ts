import { categoryOf, type Flat } from '../similarity.ts';

/** One test on one field, as the algorithms build them: a threshold on a number, or a value of a category. */
export type Condition =
  | { field: string; op: '>' | '<='; value: number }
  | { field: string; op: '==' | '!='; value: string | number | boolean | null };

/** A field the rule language can name: segments of letters (any script), digits and `_`, array indices. */
const SEGMENT = /^(?:[\p{L}_][\p{L}\p{N}_]*|\d+)$/u;
const KEYWORDS = new Set(['and', 'or', 'not', 'in', 'true', 'false', 'null', 'exists']);
export const isNameable = (field: string) => {
  const segments = field.split('.');
  return SEGMENT.test(segments[0]!) && !/^\d/.test(segments[0]!) && !KEYWORDS.has(segments[0]!.toLowerCase()) && segments.every((segment) => SEGMENT.test(segment));
};

const literal = (value: string | number | boolean | null) =>
  typeof value === 'string' ? `'${value.replace(/\\/g, '\\\\').replace(/'/g, "\\'").replace(/\n/g, '\\n')}'` : String(value);

export const conditionText = (condition: Condition) => `${condition.field} ${condition.op} ${typeof condition.value === 'number' ? numberText(condition.value) : literal(condition.value)}`;

/** A number as the rule language writes it: no exponent, no float noise (`80.5`, not `80.50000000001`). */
export function numberText(value: number): string {
  const text = Number(value.toPrecision(12)).toString();
  return /e/i.test(text) ? value.toFixed(Math.max(0, 12 - Math.floor(Math.log10(Math.abs(value) || 1)))) : text;
}

/**
 * A threshold between two neighbouring values `below` < `above`: among the numbers in
 * [below, above) with the fewest decimals, the one nearest the middle — so learned rules read
 * like authored ones (`temperature > 80`, not `> 80.35`) and keep a margin on both sides.
 */
export function thresholdBetween(below: number, above: number): number {
  const middle = (below + above) / 2;
  for (let decimals = 0; decimals <= 10; decimals++) {
    const step = 10 ** -decimals;
    const first = Math.ceil(below / step - 1e-9);
    const last = Math.ceil(above / step - 1e-9) - 1;
    if (first > last) continue;
    const nearest = Math.min(last, Math.max(first, Math.floor(middle / step)));
    const candidates = [nearest, nearest + 1].filter((multiple) => multiple >= first && multiple <= last);
    const best = candidates.reduce((a, b) => (Math.abs(a * step - middle) <= Math.abs(b * step - middle) ? a : b));
    return Number((best * step).toFixed(decimals));
  }
  return below;
}

export function holds(condition: Condition, fields: Flat): boolean {
  if (!fields.has(condition.field)) return false;
  const value = fields.get(condition.field);
  switch (condition.op) {
    case '>':
      return typeof value === 'number' && value > condition.value;
    case '<=':
      return typeof value === 'number' && value <= condition.value;
    case '==':
      return categoryOf(value) === categoryOf(condition.value);
    case '!=':
      return value !== undefined && categoryOf(value) !== categoryOf(condition.value);
  }
}

/**
 * A conjunction written out, simplified: on one field, `x > 3 AND x > 5` is `x > 5` and
 * `x <= 7 AND x <= 4` is `x <= 4`; repeated tests appear once; the order is stable.
 */
export function conjunctionText(conditions: readonly Condition[]): string {
  const kept = new Map<string, Condition>();
  for (const condition of conditions) {
    const key = condition.op === '>' || condition.op === '<=' ? `${condition.field} ${condition.op}` : conditionText(condition);
    const held = kept.get(key);
    if (held && condition.op === '>' && held.op === '>') kept.set(key, condition.value > held.value ? condition : held);
    else if (held && condition.op === '<=' && held.op === '<=') kept.set(key, condition.value < held.value ? condition : held);
    else if (!held) kept.set(key, condition);
  }
  return [...kept.values()].map(conditionText).join(' AND ');
}
