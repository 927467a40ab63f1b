import { createRequire } from 'node:module';
import { Ajv, type ErrorObject, type ValidateFunction } from 'ajv';

/** The name of the dataset a view's rows are bound to when it is drawn (rows: the data at the view's dataPath). */
export const ROWS_DATASET = 'rows';

let compiled: ValidateFunction | undefined;

/** Compiling Vega-Lite's schema takes a second or so: done once, on first use or at start-up (`warmChartValidator`). */
function vegaLiteValidator(): ValidateFunction {
  if (!compiled) {
    const schema = createRequire(import.meta.url)('vega-lite/vega-lite-schema.json') as Record<string, unknown>;
    compiled = new Ajv({ strict: false, validateFormats: false, allErrors: false, logger: false }).compile(schema);
  }
  return compiled;
}

export const warmChartValidator = () => void vegaLiteValidator();

/** The most specific of ajv's errors: Vega-Lite's schema is one large anyOf, whose top errors say little. */
function mostSpecific(errors: ErrorObject[]): string {
  const deepest = [...errors].sort((a, b) => b.instancePath.length - a.instancePath.length)[0]!;
  const where = deepest.instancePath ? `at ${deepest.instancePath}` : 'at the top level';
  const detail = deepest.keyword === 'additionalProperties' ? ` (${String(deepest.params.additionalProperty)})` : deepest.keyword === 'enum' ? ` (one of ${(deepest.params.allowedValues as unknown[]).slice(0, 8).join(', ')})` : '';
  return `${where}: ${deepest.message ?? deepest.keyword}${detail}`;
}

type Json = Record<string, unknown>;
const isObject = (value: unknown): value is Json => typeof value === 'object' && value !== null && !Array.isArray(value);
const strings = (value: unknown): string[] => (typeof value === 'string' ? [value] : Array.isArray(value) ? value.filter((item): item is string => typeof item === 'string') : []);

/** Fields a spec's transforms add to its rows (calculate's `as`, fold's key/value, …). */
function derivedFields(spec: Json, into: Set<string>): void {
  for (const step of Array.isArray(spec.transform) ? spec.transform : []) {
    if (!isObject(step)) continue;
    if ('fold' in step) for (const name of strings(step.as).length ? strings(step.as) : ['key', 'value']) into.add(name);
    for (const name of strings(step.as)) into.add(name);
    for (const list of [step.aggregate, step.window, step.joinaggregate]) {
      for (const entry of Array.isArray(list) ? list : []) if (isObject(entry)) for (const name of strings(entry.as)) into.add(name);
    }
    if ('aggregate' in step) for (const name of strings(step.groupby)) into.add(name);
  }
}

/** Every `field` the spec's encodings read, in every layer. */
function encodedFields(spec: Json, into: string[]): void {
  const channelFields = (definition: unknown) => {
    for (const part of Array.isArray(definition) ? definition : [definition]) {
      if (!isObject(part)) continue;
      if (typeof part.field === 'string') into.push(part.field);
      if (isObject(part.condition) || Array.isArray(part.condition)) channelFields(part.condition);
    }
  };
  if (isObject(spec.encoding)) for (const definition of Object.values(spec.encoding)) channelFields(definition);
  for (const key of ['layer', 'concat', 'hconcat', 'vconcat'] as const) {
    for (const child of Array.isArray(spec[key]) ? spec[key] : []) if (isObject(child)) encodedFields(child, into);
  }
  if (isObject(spec.spec)) encodedFields(spec.spec, into);
}

/**
 * Data sources other than the view's own rows, and anything that loads or links a URL (image
 * marks, `url`/`href` channels), anywhere in the spec: a chart draws only what its query returned,
 * and sends it nowhere.
 */
function foreignData(spec: Json, path: string): string | undefined {
  for (const [key, value] of Object.entries(spec)) {
    if (key === 'url' || key === 'href' || (key === 'mark' && (value === 'image' || (isObject(value) && value.type === 'image')))) return `${path ? `${path}.` : ''}${key}`;
    if ((key === 'data' && path) || key === 'datasets') return `${path ? `${path}.` : ''}${key}`;
    if (key === 'data' && !(isObject(value) && value.name === ROWS_DATASET && Object.keys(value).length === 1)) return 'data';
    if (key === 'transform' && Array.isArray(value) && value.some((step) => isObject(step) && 'lookup' in step)) return `${path || 'spec'}.transform (lookup)`;
    const children = Array.isArray(value) ? value : [value];
    for (const [index, child] of children.entries()) {
      if (isObject(child) && key !== 'data') {
        const found = foreignData(child, `${path ? `${path}.` : ''}${key}${Array.isArray(value) ? `[${index}]` : ''}`);
        if (found) return found;
      }
    }
  }
  return undefined;
}

/**
 * A chart spec a view can be saved with: valid Vega-Lite, drawing only the view's rows (`data:
 * {"name": "rows"}`), and reading only fields those rows have (`available`, from the query's
 * selection at the view's dataPath) or that its transforms add. Returns the problems.
 */
export function checkChartSpec(spec: unknown, available: ReadonlySet<string>): string[] {
  if (!isObject(spec)) return ['chart spec must be a JSON object (a Vega-Lite spec)'];
  const validate = vegaLiteValidator();
  if (!validate(spec)) return [`chart spec is not valid Vega-Lite ${mostSpecific(validate.errors ?? [])}`];
  // vega-embed reads its own options from `usermeta.embedOptions`, over the viewer's: none may ride in a spec.
  if ('usermeta' in spec) return ['chart spec must not carry "usermeta": a saved view may not set how the viewer draws it (vega-embed options)'];
  const foreign = foreignData(spec, '');
  if (foreign) return [`chart spec must draw only the view's own rows and load or link nothing: give "data": {"name": "${ROWS_DATASET}"} at the top level, no other data source, image mark, url or href (found ${foreign})`];
  const derived = new Set<string>();
  derivedFields(spec, derived);
  for (const key of ['layer', 'concat', 'hconcat', 'vconcat'] as const) for (const child of Array.isArray(spec[key]) ? spec[key] : []) if (isObject(child)) derivedFields(child, derived);
  const used: string[] = [];
  encodedFields(spec, used);
  const missing = [...new Set(used)].filter((field) => !available.has(field) && !derived.has(field));
  if (missing.length) {
    return [`chart spec reads field${missing.length > 1 ? 's' : ''} ${missing.map((field) => `"${field}"`).join(', ')} that the query does not return at the view's dataPath; it returns ${[...available].map((field) => `"${field}"`).join(', ') || 'nothing there'}`];
  }
  return [];
}
