/**
 * How alike two inputs are, for few-shot examples. The metric (documented in docs/learning.md):
 *
 * 1. Inputs are flattened: nested objects and arrays become dotted fields (`sensor.temp`,
 *    `readings.0`).
 * 2. A workflow's sample space lists each field its labelled samples have had (at most
 *    MAX_FIELDS): numeric (every value a number), with the smallest and largest seen, or
 *    categorical, with the non-number values seen (`"L3"`, `true`, `null`; at most
 *    MAX_CATEGORIES, later ones count as unknown).
 * 3. An input becomes a vector: a numeric field is scaled to [0, 1] by its range (0 when the range
 *    is 0), a missing one sits at 0.5, halfway from anything; a categorical field is one component
 *    per known value, 1/√2 where the input has that value, so two different values are 1 apart and
 *    an unknown or missing value is 1/√2 from every known one.
 * 4. The distance is the Euclidean distance of the vectors divided by √(number of fields): 0 for
 *    the same input, about 1 for inputs that differ in every field. Compared to six decimals.
 *
 * Every step is a plain vector operation, computed in float32 as pgvector does, so PostgreSQL with
 * pgvector (`<->` on the same vectors) and the app find the same neighbours in the same order.
 */

export type Flat = Map<string, unknown>;

/** Fields of an input, nested ones by their dotted path; at most this many levels deep. */
const MAX_DEPTH = 10;

/**
 * The input's fields by dotted path. Keys holding a dot are left out (no path could name them
 * unambiguously, in a rule or in SQL), and so is what lies deeper than MAX_DEPTH.
 */
export function flatten(input: unknown): Flat {
  const flat: Flat = new Map();
  const walk = (value: unknown, path: string, depth: number) => {
    if (typeof value === 'object' && value !== null) {
      if (depth >= MAX_DEPTH) return;
      const entries = Array.isArray(value) ? value.map((item, index) => [String(index), item] as const) : Object.entries(value);
      for (const [key, child] of entries) if (!key.includes('.')) walk(child, path ? `${path}.${key}` : key, depth + 1);
      return;
    }
    if (path) flat.set(path, value);
  };
  walk(input, '', 0);
  return flat;
}

/** Bounds on a workflow's sample space, so free text or ids in inputs cannot make vectors huge. */
export const MAX_FIELDS = 200;
export const MAX_CATEGORIES = 50;

export type FieldSpec = { name: string; kind: 'numeric'; min: number; max: number } | { name: string; kind: 'categorical'; values: string[] };

/** A categorical value as one comparable text: strings as themselves, the rest as JSON (`true`, `null`, `12`). */
export const categoryOf = (value: unknown) => (typeof value === 'string' ? value : JSON.stringify(value ?? null));

export const isNumber = (value: unknown): value is number => typeof value === 'number' && Number.isFinite(value);

/** The space of samples labelled in this order, as the sample space table keeps it (tests and benches build it this way). */
export function fieldSpecs(samples: readonly Flat[]): FieldSpec[] {
  const seen = new Map<string, { min: number; max: number; numeric: boolean; categories: Set<string> }>();
  for (const sample of samples) {
    for (const [name, value] of sample) {
      if (!seen.has(name) && seen.size >= MAX_FIELDS) continue;
      const field = seen.get(name) ?? { min: Infinity, max: -Infinity, numeric: true, categories: new Set<string>() };
      if (isNumber(value)) {
        field.min = Math.min(field.min, value);
        field.max = Math.max(field.max, value);
      } else {
        field.numeric = false;
        if (field.categories.size < MAX_CATEGORIES) field.categories.add(categoryOf(value));
      }
      seen.set(name, field);
    }
  }
  return orderedSpecs([...seen].map(([name, field]) => (field.numeric ? { name, kind: 'numeric', min: field.min, max: field.max } : { name, kind: 'categorical', values: [...field.categories] })));
}

/** Specs in the one order every computation uses: fields by name, categories sorted. */
export function orderedSpecs(specs: readonly FieldSpec[]): FieldSpec[] {
  const byName = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);
  return [...specs]
    .sort((a, b) => byName(a.name, b.name))
    .map((spec) => (spec.kind === 'categorical' ? { ...spec, values: [...spec.values].sort(byName) } : spec));
}

export const CATEGORY_WEIGHT = Math.fround(Math.SQRT1_2);

/** A numeric field's component: scaled by the range, 0.5 when missing (or not a number). */
export function scaled(value: unknown, spec: { min: number; max: number }): number {
  if (!isNumber(value)) return 0.5;
  const range = spec.max - spec.min;
  return range === 0 ? 0 : (value - spec.min) / range;
}

/** The input as a vector over the space (see the metric above), in float32 as pgvector stores it. */
export function vectorOf(input: Flat, specs: readonly FieldSpec[]): Float32Array {
  const vector: number[] = [];
  for (const spec of specs) {
    const value = input.get(spec.name);
    if (spec.kind === 'numeric') vector.push(scaled(value, spec));
    else {
      const category = input.has(spec.name) && !isNumber(value) ? categoryOf(value) : undefined;
      for (const known of spec.values) vector.push(category === known ? CATEGORY_WEIGHT : 0);
    }
  }
  return Float32Array.from(vector);
}

/** pgvector's `<->`: float32 differences and sum, square root in double; then over √fields. */
export const distance = (a: Float32Array, b: Float32Array, fields: number) => distanceAt(a, 0, b, fields);

/** The distance of the row of `matrix` starting at `offset` (as long as `query`) from `query`. */
function distanceAt(matrix: Float32Array, offset: number, query: Float32Array, fields: number): number {
  let sum = 0;
  for (let index = 0; index < query.length; index++) {
    const difference = Math.fround(matrix[offset + index]! - query[index]!);
    sum = Math.fround(sum + Math.fround(difference * difference));
  }
  return fields ? Math.sqrt(sum) / Math.sqrt(fields) : 0;
}

/** Distances compared to 6 decimals, in the app and in SQL alike. */
export const roundDistance = (value: number) => Math.round(value * 1e6) / 1e6;

/** The vectors of many inputs in one array, row after row: what the in-app path searches. */
export function vectorMatrix(inputs: readonly Flat[], specs: readonly FieldSpec[]): { matrix: Float32Array; dimensions: number } {
  const dimensions = specs.reduce((sum, spec) => sum + (spec.kind === 'numeric' ? 1 : spec.values.length), 0);
  const matrix = new Float32Array(inputs.length * dimensions);
  inputs.forEach((input, row) => matrix.set(vectorOf(input, specs), row * dimensions));
  return { matrix, dimensions };
}

export interface Neighbour {
  /** The row of the matrix. */
  row: number;
  distance: number;
}

/**
 * The k rows nearest the query, nearest first; among equal distances, the row `before` puts first.
 * One pass over the matrix, keeping the k best in order (k is small).
 */
export function nearestRows(matrix: Float32Array, dimensions: number, query: Float32Array, fields: number, k: number, before: (a: number, b: number) => boolean): Neighbour[] {
  const best: Neighbour[] = [];
  const rows = dimensions ? matrix.length / dimensions : 0;
  const comesFirst = (a: Neighbour, b: Neighbour) => a.distance < b.distance || (a.distance === b.distance && before(a.row, b.row));
  for (let row = 0; row < rows; row++) {
    const candidate = { row, distance: roundDistance(distanceAt(matrix, row * dimensions, query, fields)) };
    if (best.length === k && !comesFirst(candidate, best[k - 1]!)) continue;
    let at = best.length;
    while (at > 0 && comesFirst(candidate, best[at - 1]!)) at--;
    best.splice(at, 0, candidate);
    if (best.length > k) best.pop();
  }
  return best;
}
