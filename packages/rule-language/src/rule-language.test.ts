import { describe, expect, it } from 'vitest';
import { checkRule, compileRule } from './compile.ts';
import { parseRule } from './parser.ts';
import { RuleSyntaxError } from './syntax.ts';

const run = (rule: string, input: unknown) => compileRule(rule).evaluate(input);
const value = (rule: string, input: unknown = {}) => {
  const outcome = run(rule, input);
  return outcome.decided ? outcome.value : 'undecided';
};
const syntaxError = (rule: string) => {
  try {
    parseRule(rule);
  } catch (error) {
    if (error instanceof RuleSyntaxError) return { message: error.message, line: error.line, column: error.column };
    throw error;
  }
  throw new Error(`expected ${rule} not to parse`);
};

describe('rule language: the spec example', () => {
  const rule = 'temperature > 80 AND vibration > 50';
  it('decides true, false, and undecidable on a missing field', () => {
    expect(run(rule, { temperature: 90, vibration: 60 })).toEqual({ decided: true, value: true });
    expect(run(rule, { temperature: 70, vibration: 60 })).toEqual({ decided: true, value: false });
    expect(run(rule, { temperature: 90 })).toEqual({ decided: false, missing: ['vibration'], reason: 'missing input field: vibration' });
  });

  it('is decided by a known false even when the other side is missing', () => {
    expect(run(rule, { temperature: 70 })).toEqual({ decided: true, value: false });
    expect(value('a > 1 OR b > 1', { b: 5 })).toBe(true);
    expect(value('a > 1 OR b > 1', { b: 0 })).toBe('undecided');
  });
});

describe('rule language: grammar', () => {
  it.each([
    ['1 + 2 * 3 == 7', true],
    ['(1 + 2) * 3 == 9', true],
    ['10 - 4 - 3 == 3', true],
    ['2 * 3 % 4 == 2', true],
    ['-2 * -3 == 6', true],
    ['NOT 1 > 2 AND 2 > 1', true],
    ['true OR false AND false', true],
    ['(true OR false) AND false', false],
    ['!false && true || false', true],
    ['1 = 1', true],
    ['1.5e1 == 15 AND .5 == 0.5', true],
    ["'a' + \"b\" == 'ab'", true],
    ["'abc' < 'abd'", true],
    ['null == null', true],
    ["'ok' in ['ok', 'fine']", true],
    ['3 not in [1, 2]', true],
    ['not 3 in [1, 2, 3]', false],
    ['exists(a.b) AND NOT exists(a.c)', true],
  ])('%s → %s', (rule, expected) => {
    expect(value(rule, { a: { b: 1 } })).toBe(expected);
  });

  it('reads nested paths, array indexes and keywords in any case', () => {
    const input = { sensor: { temperature: 81, tags: ['hot', 'line-3'] }, readings: [{ v: 1 }, { v: 9 }] };
    expect(value('sensor.temperature > 80 and sensor.tags.1 == "line-3" And readings.1.v >= 9', input)).toBe(true);
    expect(value("'hot' IN sensor.tags", input)).toBe(true);
    expect(value('readings.5.v > 0', input)).toBe('undecided');
  });

  it('lists every field it reads', () => {
    expect(compileRule('a.b > 1 AND (c in [d, 2] OR exists(e))').fields).toEqual(['a.b', 'c', 'd', 'e']);
  });
});

describe('rule language: undecidable, never wrong', () => {
  it.each([
    ["'text' > 3", 'the input values do not fit the rule (a type mismatch or a division by zero)'],
    ['x / 0 > 1', 'the input values do not fit the rule (a type mismatch or a division by zero)'],
    ['x + 1', 'the rule does not produce true or false'],
    ['obj > 1', 'the input values do not fit the rule (a type mismatch or a division by zero)'],
    ['NOT x', 'the input values do not fit the rule (a type mismatch or a division by zero)'],
  ])('%s', (rule, reason) => {
    expect(run(rule, { x: 4, obj: { a: 1 } })).toEqual({ decided: false, missing: [], reason });
  });

  it('names every missing field', () => {
    expect(run('a > 1 AND b.c > 2 AND d > 0', { d: 1 })).toEqual({ decided: false, missing: ['a', 'b.c'], reason: 'missing input fields: a, b.c' });
  });
});

describe('rule language: hostile input', () => {
  it('never reaches prototypes or globals', () => {
    for (const rule of ['constructor == 1', 'constructor.name == "Object"', '__proto__.polluted == 1', 'toString == 1', 'x.constructor.prototype == 1', 'process.env.HOME == 1']) {
      expect(value(rule, { x: {} }), rule).toBe('undecided');
    }
    expect(value('constructor == 1', { constructor: 1 })).toBe(true);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });

  it('refuses code: there is nothing to call but exists()', () => {
    expect(syntaxError('eval("1")')).toMatchObject({ message: 'unexpected "("; did you miss AND / OR?' });
    expect(syntaxError('x; process.exit()').message).toBe('unexpected character ";"');
    expect(syntaxError('`x`').message).toBe('unexpected character "`"');
  });

  it('bounds nesting and length instead of overflowing', () => {
    expect(syntaxError(`${'('.repeat(200)}1${')'.repeat(200)}`).message).toBe('the rule is nested more than 64 levels deep');
    expect(syntaxError(`${'NOT '.repeat(100)}true`).message).toBe('the rule is nested more than 64 levels deep');
    expect(syntaxError(`${'-'.repeat(100)}1 > 0`).message).toBe('the rule is nested more than 64 levels deep');
    expect(syntaxError('x > 1 OR '.repeat(1_200) + 'true').message).toBe('a rule is at most 10000 characters');
    const terms: string[] = [];
    while (terms.join(' OR ').length < 9_900) terms.push(`f${terms.length} > ${terms.length}`);
    terms.pop();
    const long = terms.join(' OR ');
    expect(long.length).toBeGreaterThan(9_800);
    expect(value(long, { [`f${terms.length - 1}`]: terms.length })).toBe(true);
  });
});

describe('rule language: fuzzed and edge input', () => {
  it('answers every input with a tree or a RuleSyntaxError, never another exception', () => {
    const alphabet = ['a', 'b.c', '.', '..', '0', '1.5', '.5', '(', ')', '[', ']', ',', '"x"', "'", '==', '<', '>=', 'AND', 'or', '!', 'NOT', 'in', '+', '-', '*', '/', '%', 'exists', 'null', ' ', '\n', '온도', '\\', 'e9'];
    let seed = 42;
    const random = () => (seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
    for (let round = 0; round < 20_000; round++) {
      const rule = Array.from({ length: 1 + Math.floor(random() * 12) }, () => alphabet[Math.floor(random() * alphabet.length)]).join('');
      try {
        compileRule(rule).evaluate({ a: 1, b: { c: null } });
      } catch (error) {
        expect(error, rule).toBeInstanceOf(RuleSyntaxError);
      }
    }
    expect(syntaxError('a..0').message).toBe('expected a field name after ".", found "."');
  });

  it('compares null fields strictly, at any depth', () => {
    expect(value('x == null AND y.z == null AND x in [null] AND exists(x)', { x: null, y: { z: null } })).toBe(true);
    expect(value('x != null', { x: null })).toBe(false);
  });

  it('reads field names in any script', () => {
    expect(value('온도 > 80 AND 진동.값 >= 50', { 온도: 90, 진동: { 값: 50 } })).toBe(true);
  });

  it('refuses numbers it cannot represent exactly', () => {
    expect(syntaxError('x == 99999999999999999999').message).toContain('cannot be represented exactly');
    expect(syntaxError('x < 1e400').message).toContain('cannot be represented exactly');
  });

  it('takes "(" for exists only as punctuation', () => {
    expect(syntaxError('exists "(" x)').message).toBe('unexpected "\"(\""; did you miss AND / OR?');
  });
});

describe('rule language: syntax errors point at line and column', () => {
  it.each([
    ['', 'the rule is empty', 1, 1],
    ['temperature >', 'the rule ends where a value was expected', 1, 14],
    ['temperature > 80 AND\nvibration >> 50', 'expected a value, found ">"', 2, 12],
    ['a < b < c', 'comparisons cannot be chained; join them with AND, e.g. "a < b AND b < c"', 1, 7],
    ['(a > 1', 'expected ")" to close "(", found the end of the rule', 1, 7],
    ["name == 'open", 'this string is never closed', 1, 9],
    ['a.', 'expected a field name after ".", found the end of the rule', 1, 3],
    ['12abc > 1', 'unexpected "a" after the number 12', 1, 3],
    ['x in [1, 2', 'expected "]" to close the list, found the end of the rule', 1, 11],
    ['temperature > 80 vibration > 50', 'unexpected "vibration"; did you miss AND / OR?', 1, 18],
  ])('%j', (rule, message, line, column) => {
    expect(syntaxError(rule)).toEqual({ message, line, column });
  });

  it('serves the workflow validator as a rule checker', () => {
    expect(checkRule('a > 1 AND b < 2')).toBeNull();
    expect(checkRule('a >')).toEqual({ message: 'the rule ends where a value was expected', line: 1, column: 4 });
  });
});
