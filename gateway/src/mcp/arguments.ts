import { Ajv, type ErrorObject, type ValidateFunction } from 'ajv';
import type { JsonSchema } from './json-schema.ts';

/** RFC 3339 date-times, as the DateTime scalar takes them: 2025-01-31T09:00:00Z, with an optional fraction and offset. */
const DATE_TIME = /^\d{4}-\d{2}-\d{2}[Tt]\d{2}:\d{2}:\d{2}(\.\d+)?([Zz]|[+-]\d{2}:\d{2})$/;

const ajv = new Ajv({ allErrors: true, strict: true, allowUnionTypes: true, logger: false });
ajv.addFormat('date-time', { type: 'string', validate: (text: string) => DATE_TIME.test(text) && !Number.isNaN(Date.parse(text)) });

/** At most this many problems are listed; the first ones are what an agent fixes first. */
const MAX_PROBLEMS = 5;

/** `/input/workflowId` → `input.workflowId`; `/views/0/title` → `views[0].title`. */
function argumentPath(instancePath: string, property?: string): string {
  const parts = instancePath.split('/').slice(1).map((part) => part.replace(/~1/g, '/').replace(/~0/g, '~'));
  if (property !== undefined) parts.push(property);
  return parts.reduce((path, part) => (/^\d+$/.test(part) ? `${path}[${part}]` : path ? `${path}.${part}` : part), '');
}

const describeValue = (value: unknown) => {
  const text = JSON.stringify(value);
  return text === undefined ? String(value) : text.length > 60 ? `${text.slice(0, 57)}...` : text;
};

/** The value at a JSON pointer, to say what was sent. */
function valueAt(data: unknown, instancePath: string): unknown {
  return instancePath
    .split('/')
    .slice(1)
    .reduce<unknown>((value, part) => (value !== null && typeof value === 'object' ? (value as Record<string, unknown>)[part] : undefined), data);
}

/** The schema of the property at a path, to say what was expected of a missing one. */
function schemaAt(schema: JsonSchema, path: string[]): JsonSchema | undefined {
  return path.reduce<JsonSchema | undefined>((current, part) => (/^\d+$/.test(part) ? current?.items : current?.properties?.[part]), schema);
}

function expected(schema: JsonSchema | undefined): string {
  if (!schema) return 'a value';
  if (schema.enum) return `one of ${schema.enum.filter((value) => value !== null).join(', ')}`;
  const types = ([] as string[]).concat(schema.type ?? []).filter((type) => type !== 'null');
  if (schema.format === 'date-time') return 'a date-time string (RFC 3339, e.g. 2025-01-31T09:00:00Z)';
  if (!types.length) return 'any JSON value';
  const type = types.join(' or ');
  return `${/^[aeiou]/.test(type) ? 'an' : 'a'} ${type}`;
}

function describeProblem(error: ErrorObject, schema: JsonSchema, data: unknown): string {
  const at = argumentPath(error.instancePath);
  const sent = describeValue(valueAt(data, error.instancePath));
  const pathParts = error.instancePath.split('/').slice(1);
  switch (error.keyword) {
    case 'required': {
      const missing = (error.params as { missingProperty: string }).missingProperty;
      return `"${argumentPath(error.instancePath, missing)}" is required: ${expected(schemaAt(schema, [...pathParts, missing]))}`;
    }
    case 'additionalProperties': {
      const extra = (error.params as { additionalProperty: string }).additionalProperty;
      const known = Object.keys(schemaAt(schema, pathParts)?.properties ?? {});
      return `"${argumentPath(error.instancePath, extra)}" is not an argument here; expected ${known.length ? `only ${known.join(', ')}` : 'none'}`;
    }
    case 'type':
      return `"${at}" must be ${expected(schemaAt(schema, pathParts))}, got ${sent}`;
    case 'enum':
      return `"${at}" must be ${expected(schemaAt(schema, pathParts))}, got ${sent}`;
    case 'format':
      return `"${at}" must be ${expected(schemaAt(schema, pathParts))}, got ${sent}`;
    default:
      return `"${at || '(arguments)'}" ${error.message ?? 'is invalid'}, got ${sent}`;
  }
}

/**
 * A compiled check of a tool's arguments against its JSON Schema; `check` answers undefined when
 * they fit, else one line per problem naming the argument and what was expected.
 */
export class ArgumentCheck {
  private readonly validate: ValidateFunction;

  constructor(readonly schema: JsonSchema) {
    this.validate = ajv.compile(schema);
  }

  check(args: unknown): string[] | undefined {
    if (this.validate(args)) return undefined;
    const errors = this.validate.errors ?? [];
    // A value of the wrong type also fails the enum or format beside it: say it once.
    const seen = new Set<string>();
    const problems: string[] = [];
    for (const error of errors) {
      const key = `${error.instancePath}|${error.keyword === 'required' || error.keyword === 'additionalProperties' ? JSON.stringify(error.params) : ''}`;
      if (seen.has(key)) continue;
      seen.add(key);
      problems.push(describeProblem(error, this.schema, args));
    }
    const shown = problems.slice(0, MAX_PROBLEMS);
    if (problems.length > shown.length) shown.push(`and ${problems.length - shown.length} more`);
    return shown;
  }
}
