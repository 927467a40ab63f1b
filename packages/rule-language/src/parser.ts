import { positionOf, tokenize, type Token } from './lexer.ts';
import { MAX_NESTING, RuleSyntaxError, type ComparisonOperator, type Expression } from './syntax.ts';

const COMPARISONS = new Set(['==', '!=', '<', '<=', '>', '>=']);

/**
 * Parses a rule into its syntax tree, or throws RuleSyntaxError saying what is wrong and where.
 * Recursive descent, lowest precedence first: OR, AND, NOT, comparison / IN, + -, * / %, unary -.
 */
export function parseRule(source: string): Expression {
  const tokens = tokenize(source);
  let position = 0;
  let depth = 0;

  const peek = (): Token => tokens[position]!;
  const describe = (token: Token) => (token.type === 'end' ? 'the end of the rule' : `"${source.slice(token.offset, tokens[position + 1]?.offset ?? source.length).trim() || token.value}"`);
  const fail = (token: Token, message: string): never => {
    const { line, column } = positionOf(source, token.offset);
    throw new RuleSyntaxError(message, line, column);
  };
  const isOperator = (value: string) => peek().type === 'operator' && peek().value === value;
  const isPunctuation = (value: string) => peek().type === 'punctuation' && peek().value === value;
  const expectPunctuation = (value: string, context: string) => {
    if (!isPunctuation(value)) fail(peek(), `expected "${value}" ${context}, found ${describe(peek())}`);
    position++;
  };
  const nested = <T>(parse: () => T): T => {
    if (++depth > MAX_NESTING) fail(peek(), `the rule is nested more than ${MAX_NESTING} levels deep`);
    try {
      return parse();
    } finally {
      depth--;
    }
  };

  const parseOr = (): Expression =>
    nested(() => {
      let left = parseAnd();
      while (isOperator('or')) {
        position++;
        left = { kind: 'logical', operator: 'or', left, right: parseAnd() };
      }
      return left;
    });

  const parseAnd = (): Expression => {
    let left = parseNot();
    while (isOperator('and')) {
      position++;
      left = { kind: 'logical', operator: 'and', left, right: parseNot() };
    }
    return left;
  };

  const parseNot = (): Expression => {
    if (isOperator('not')) {
      position++;
      return nested(() => ({ kind: 'not', operand: parseNot() }));
    }
    return parseComparison();
  };

  const parseComparison = (): Expression => {
    const left = parseAdditive();
    const token = peek();
    let result: Expression = left;
    if (token.type === 'operator' && COMPARISONS.has(token.value)) {
      position++;
      result = { kind: 'compare', operator: token.value as ComparisonOperator, left, right: parseAdditive() };
    } else if (isOperator('in')) {
      position++;
      result = { kind: 'in', value: left, list: parseAdditive() };
    } else if (isOperator('not') && tokens[position + 1]?.type === 'operator' && tokens[position + 1]?.value === 'in') {
      position += 2;
      result = { kind: 'not', operand: { kind: 'in', value: left, list: parseAdditive() } };
    }
    const after = peek();
    if (result !== left && after.type === 'operator' && (COMPARISONS.has(after.value) || after.value === 'in')) {
      fail(after, 'comparisons cannot be chained; join them with AND, e.g. "a < b AND b < c"');
    }
    return result;
  };

  const parseAdditive = (): Expression => {
    let left = parseMultiplicative();
    while (isOperator('+') || isOperator('-')) {
      const operator = peek().value as '+' | '-';
      position++;
      left = { kind: 'arithmetic', operator, left, right: parseMultiplicative() };
    }
    return left;
  };

  const parseMultiplicative = (): Expression => {
    let left = parseUnary();
    while (isOperator('*') || isOperator('/') || isOperator('%')) {
      const operator = peek().value as '*' | '/' | '%';
      position++;
      left = { kind: 'arithmetic', operator, left, right: parseUnary() };
    }
    return left;
  };

  const parseUnary = (): Expression => {
    if (isOperator('-')) {
      position++;
      return nested(() => ({ kind: 'negate', operand: parseUnary() }));
    }
    return parsePrimary();
  };

  const parsePath = (): string[] => {
    const path = [peek().value];
    position++;
    while (isPunctuation('.')) {
      position++;
      const segment = peek();
      if (segment.type === 'identifier' || (segment.type === 'number' && /^[0-9]+$/.test(segment.value))) {
        path.push(segment.value);
        position++;
      } else {
        fail(segment, `expected a field name after ".", found ${describe(segment)}`);
      }
    }
    return path;
  };

  const parsePrimary = (): Expression => {
    const token = peek();
    switch (token.type) {
      case 'number':
      case 'string':
        position++;
        return { kind: 'literal', value: token.literal! };
      case 'keyword':
        position++;
        return { kind: 'literal', value: token.value === 'null' ? null : token.value === 'true' };
      case 'identifier': {
        if (token.value.toLowerCase() === 'exists' && tokens[position + 1]?.type === 'punctuation' && tokens[position + 1]?.value === '(') {
          position += 2;
          if (peek().type !== 'identifier') fail(peek(), `exists(...) takes a field name, found ${describe(peek())}`);
          const path = parsePath();
          expectPunctuation(')', 'to close exists(');
          return { kind: 'exists', path };
        }
        return { kind: 'field', path: parsePath() };
      }
      case 'punctuation':
        if (token.value === '(') {
          position++;
          const inner = parseOr();
          expectPunctuation(')', 'to close "("');
          return inner;
        }
        if (token.value === '[') {
          position++;
          return nested(() => {
            const items: Expression[] = [];
            while (!isPunctuation(']')) {
              items.push(parseOr());
              if (!isPunctuation(',')) break;
              position++;
            }
            expectPunctuation(']', 'to close the list');
            return { kind: 'list', items };
          });
        }
        break;
      default:
        break;
    }
    return fail(token, token.type === 'end' ? 'the rule ends where a value was expected' : `expected a value, found ${describe(token)}`);
  };

  if (peek().type === 'end') fail(peek(), 'the rule is empty');
  const expression = parseOr();
  if (peek().type !== 'end') fail(peek(), `unexpected ${describe(peek())}; did you miss AND / OR?`);
  return expression;
}
