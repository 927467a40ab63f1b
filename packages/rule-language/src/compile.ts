import { parseRule } from './parser.ts';
import { RuleSyntaxError, type Expression } from './syntax.ts';

/** A value the rule cannot know: a missing field, or an operation its operands do not allow. */
const UNKNOWN: unique symbol = Symbol('unknown');
type Value = number | string | boolean | null | readonly unknown[] | object | typeof UNKNOWN;
type Evaluator = (input: unknown) => Value;

export type RuleOutcome =
  | { decided: true; value: boolean }
  | { decided: false; missing: string[]; reason: string };

export interface CompiledRule {
  source: string;
  /** Every field path the rule reads, dotted. */
  fields: string[];
  evaluate(input: unknown): RuleOutcome;
}

const hasOwn = Object.prototype.hasOwnProperty;

/**
 * Reads a field path from the input. Only the input's own data is reachable: inherited
 * properties (`constructor`, `__proto__`, `toString`, …) are missing, like any absent field.
 */
function resolvePath(input: unknown, path: readonly string[]): Value {
  let current: unknown = input;
  for (const segment of path) {
    if (Array.isArray(current)) {
      if (!/^[0-9]+$/.test(segment) || Number(segment) >= current.length) return UNKNOWN;
      current = current[Number(segment)];
    } else if (typeof current === 'object' && current !== null && hasOwn.call(current, segment)) {
      current = (current as Record<string, unknown>)[segment];
    } else {
      return UNKNOWN;
    }
  }
  return current === undefined ? UNKNOWN : (current as Value);
}

const isPrimitive = (value: Value): value is number | string | boolean | null =>
  value === null || typeof value === 'number' || typeof value === 'string' || typeof value === 'boolean';

function compileNode(node: Expression, fields: Set<string>): Evaluator {
  switch (node.kind) {
    case 'literal': {
      const value = node.value;
      return () => value;
    }
    case 'field': {
      fields.add(node.path.join('.'));
      const path = node.path;
      if (path.length === 1) {
        const [name] = path as [string];
        return (input) => {
          if (typeof input !== 'object' || input === null || Array.isArray(input) || !hasOwn.call(input, name)) return UNKNOWN;
          const value = (input as Record<string, unknown>)[name];
          return value === undefined ? UNKNOWN : (value as Value);
        };
      }
      return (input) => resolvePath(input, path);
    }
    case 'exists': {
      fields.add(node.path.join('.'));
      const path = node.path;
      return (input) => resolvePath(input, path) !== UNKNOWN;
    }
    case 'list': {
      const items = node.items.map((item) => compileNode(item, fields));
      return (input) => items.map((item) => item(input));
    }
    case 'not': {
      const operand = compileNode(node.operand, fields);
      return (input) => {
        const value = operand(input);
        return typeof value === 'boolean' ? !value : UNKNOWN;
      };
    }
    case 'negate': {
      const operand = compileNode(node.operand, fields);
      return (input) => {
        const value = operand(input);
        return typeof value === 'number' ? -value : UNKNOWN;
      };
    }
    case 'logical': {
      const left = compileNode(node.left, fields);
      const right = compileNode(node.right, fields);
      // Three-valued: a known false decides AND, a known true decides OR, whatever is unknown.
      const decisive = node.operator === 'and' ? false : true;
      return (input) => {
        const a = left(input);
        if (a === decisive) return decisive;
        const b = right(input);
        if (b === decisive) return decisive;
        return typeof a === 'boolean' && typeof b === 'boolean' ? !decisive : UNKNOWN;
      };
    }
    case 'compare': {
      const left = compileNode(node.left, fields);
      const right = compileNode(node.right, fields);
      const compare = comparators[node.operator];
      return (input) => {
        const a = left(input);
        const b = right(input);
        if (a === UNKNOWN || b === UNKNOWN || !isPrimitive(a) || !isPrimitive(b)) return UNKNOWN;
        return compare(a, b);
      };
    }
    case 'arithmetic': {
      const left = compileNode(node.left, fields);
      const right = compileNode(node.right, fields);
      const operate = arithmetic[node.operator];
      return (input) => {
        const a = left(input);
        const b = right(input);
        if (node.operator === '+' && typeof a === 'string' && typeof b === 'string') return a + b;
        if (typeof a !== 'number' || typeof b !== 'number') return UNKNOWN;
        const result = operate(a, b);
        return Number.isFinite(result) ? result : UNKNOWN;
      };
    }
    case 'in': {
      const value = compileNode(node.value, fields);
      const list = compileNode(node.list, fields);
      return (input) => {
        const needle = value(input);
        const haystack = list(input);
        if (needle === UNKNOWN || !Array.isArray(haystack) || !isPrimitive(needle)) return UNKNOWN;
        if (haystack.includes(needle)) return true;
        return haystack.includes(UNKNOWN) ? UNKNOWN : false;
      };
    }
  }
}

type Primitive = number | string | boolean | null;
const ordered = (test: (a: number | string, b: number | string) => boolean) => (a: Primitive, b: Primitive) =>
  (typeof a === 'number' && typeof b === 'number') || (typeof a === 'string' && typeof b === 'string') ? test(a, b) : UNKNOWN;

const comparators: Record<'==' | '!=' | '<' | '<=' | '>' | '>=', (a: Primitive, b: Primitive) => Value> = {
  '==': (a, b) => a === b,
  '!=': (a, b) => a !== b,
  '<': ordered((a, b) => a < b),
  '<=': ordered((a, b) => a <= b),
  '>': ordered((a, b) => a > b),
  '>=': ordered((a, b) => a >= b),
};

const arithmetic: Record<'+' | '-' | '*' | '/' | '%', (a: number, b: number) => number> = {
  '+': (a, b) => a + b,
  '-': (a, b) => a - b,
  '*': (a, b) => a * b,
  '/': (a, b) => a / b,
  '%': (a, b) => a % b,
};

/** Parses and compiles a rule once; the result evaluates any number of inputs without re-parsing. */
export function compileRule(source: string): CompiledRule {
  const fields = new Set<string>();
  const evaluator = compileNode(parseRule(source), fields);
  const paths = [...fields].map((field) => ({ field, path: field.split('.') }));
  return {
    source,
    fields: [...fields],
    evaluate(input) {
      const value = evaluator(input);
      if (typeof value === 'boolean') return { decided: true, value };
      const missing = paths.filter(({ path }) => resolvePath(input, path) === UNKNOWN).map(({ field }) => field);
      if (missing.length) return { decided: false, missing, reason: `missing input field${missing.length > 1 ? 's' : ''}: ${missing.join(', ')}` };
      return {
        decided: false,
        missing,
        reason:
          value === UNKNOWN
            ? 'the input values do not fit the rule (a type mismatch or a division by zero)'
            : 'the rule does not produce true or false',
      };
    },
  };
}

/** The workflow definition validator's view of the language: why a rule does not parse, or null. */
export function checkRule(source: string): { message: string; line: number; column: number } | null {
  try {
    parseRule(source);
    return null;
  } catch (error) {
    if (error instanceof RuleSyntaxError) return { message: error.message, line: error.line, column: error.column };
    throw error;
  }
}
