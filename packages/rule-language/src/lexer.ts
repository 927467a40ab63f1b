import { MAX_RULE_LENGTH, RuleSyntaxError } from './syntax.ts';

export type TokenType = 'number' | 'string' | 'identifier' | 'keyword' | 'operator' | 'punctuation' | 'end';

export interface Token {
  type: TokenType;
  /** Operators and keywords normalized: `AND`/`&&` → `and`, `=` → `==`, … */
  value: string;
  /** For numbers and strings, the value they denote. */
  literal?: number | string;
  offset: number;
}

// A Map, not an object literal: `KEYWORDS['constructor']` must not find Object's constructor.
const KEYWORDS = new Map(['and', 'or', 'not', 'in', 'true', 'false', 'null'].map((word) => [word, word]));
const OPERATORS = ['&&', '||', '==', '!=', '<=', '>=', '<', '>', '=', '!', '+', '-', '*', '/', '%'];
const OPERATOR_ALIASES = new Map([['&&', 'and'], ['||', 'or'], ['!', 'not'], ['=', '==']]);
const ESCAPES = new Map([['n', '\n'], ['t', '\t'], ['r', '\r'], ['\\', '\\'], ["'", "'"], ['"', '"']]);

export function positionOf(source: string, offset: number): { line: number; column: number } {
  let line = 1;
  let lineStart = 0;
  for (let index = 0; index < offset && index < source.length; index++) {
    if (source[index] === '\n') {
      line++;
      lineStart = index + 1;
    }
  }
  return { line, column: offset - lineStart + 1 };
}

function fail(source: string, offset: number, message: string): never {
  const { line, column } = positionOf(source, offset);
  throw new RuleSyntaxError(message, line, column);
}

export function tokenize(source: string): Token[] {
  if (source.length > MAX_RULE_LENGTH) fail(source, MAX_RULE_LENGTH, `a rule is at most ${MAX_RULE_LENGTH} characters`);
  const tokens: Token[] = [];
  let index = 0;
  while (index < source.length) {
    const character = source[index]!;
    if (/\s/.test(character)) {
      index++;
      continue;
    }
    const start = index;
    const previous = tokens[tokens.length - 1];
    // Right after a path's ".", digits are an index (`readings.1.v`), never a decimal; after a
    // field name, "." continues the path (`tags.1`); elsewhere ".5" is a number.
    const afterDot = previous?.type === 'punctuation' && previous.value === '.';
    const continuesPath = afterDot || previous?.type === 'identifier' || (previous?.type === 'number' && source[index - 1] !== ' ');
    if (/[0-9]/.test(character) || (character === '.' && !continuesPath && /[0-9]/.test(source[index + 1] ?? ''))) {
      const pattern = afterDot ? /^[0-9]+/ : /^(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)(?:[eE][+-]?[0-9]+)?/;
      const match = pattern.exec(source.slice(index));
      if (!match) fail(source, index, `unexpected "${character}"`);
      index += match[0].length;
      if (/[\p{L}_]/u.test(source[index] ?? '')) fail(source, index, `unexpected "${source[index]}" after the number ${match[0]}`);
      const literal = Number(match[0]);
      if (!Number.isFinite(literal) || (Number.isInteger(literal) && !Number.isSafeInteger(literal))) {
        fail(source, start, `the number ${match[0]} cannot be represented exactly; numbers go up to ${Number.MAX_SAFE_INTEGER}`);
      }
      tokens.push({ type: 'number', value: match[0], literal, offset: start });
      continue;
    }
    if (character === '"' || character === "'") {
      let text = '';
      index++;
      while (true) {
        if (index >= source.length) fail(source, start, 'this string is never closed');
        const next = source[index]!;
        if (next === character) break;
        if (next === '\n') fail(source, start, 'a string must end on the line it starts');
        if (next === '\\') {
          const escaped = source[index + 1] ?? '';
          if (escaped === 'u' && /^[0-9a-fA-F]{4}$/.test(source.slice(index + 2, index + 6))) {
            text += String.fromCharCode(parseInt(source.slice(index + 2, index + 6), 16));
            index += 6;
            continue;
          }
          const replacement = ESCAPES.get(escaped);
          if (replacement === undefined) fail(source, index, `unknown escape "\\${escaped}" in a string`);
          text += replacement;
          index += 2;
          continue;
        }
        text += next;
        index++;
      }
      index++;
      tokens.push({ type: 'string', value: text, literal: text, offset: start });
      continue;
    }
    // Field names may be in any script (Korean input keys included).
    if (/[\p{L}_]/u.test(character)) {
      const match = /^[\p{L}_][\p{L}\p{M}\p{N}_]*/u.exec(source.slice(index))!;
      index += match[0].length;
      const keyword = KEYWORDS.get(match[0].toLowerCase());
      if (!keyword) tokens.push({ type: 'identifier', value: match[0], offset: start });
      else tokens.push({ type: ['true', 'false', 'null'].includes(keyword) ? 'keyword' : 'operator', value: keyword, offset: start });
      continue;
    }
    const operator = OPERATORS.find((candidate) => source.startsWith(candidate, index));
    if (operator) {
      index += operator.length;
      tokens.push({ type: 'operator', value: OPERATOR_ALIASES.get(operator) ?? operator, offset: start });
      continue;
    }
    if ('()[],.'.includes(character)) {
      index++;
      tokens.push({ type: 'punctuation', value: character, offset: start });
      continue;
    }
    fail(source, index, `unexpected character "${character}"`);
  }
  tokens.push({ type: 'end', value: '', offset: source.length });
  return tokens;
}
