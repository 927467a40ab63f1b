/** The rule language's syntax tree. */
export type Expression =
  | { kind: 'literal'; value: number | string | boolean | null }
  | { kind: 'field'; path: string[] }
  | { kind: 'list'; items: Expression[] }
  | { kind: 'not'; operand: Expression }
  | { kind: 'negate'; operand: Expression }
  | { kind: 'logical'; operator: 'and' | 'or'; left: Expression; right: Expression }
  | { kind: 'compare'; operator: ComparisonOperator; left: Expression; right: Expression }
  | { kind: 'arithmetic'; operator: '+' | '-' | '*' | '/' | '%'; left: Expression; right: Expression }
  | { kind: 'in'; value: Expression; list: Expression }
  | { kind: 'exists'; path: string[] };

export type ComparisonOperator = '==' | '!=' | '<' | '<=' | '>' | '>=';

/** A rule that does not parse, with where: 1-based line and column. */
export class RuleSyntaxError extends Error {
  constructor(
    message: string,
    readonly line: number,
    readonly column: number,
  ) {
    super(message);
    this.name = 'RuleSyntaxError';
  }
}

export const MAX_RULE_LENGTH = 10_000;
export const MAX_NESTING = 64;
