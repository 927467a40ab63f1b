import { parse, type ParseOptions, type Source } from 'graphql';
import { createGraphQLError, type Plugin } from 'graphql-yoga';

/** Deeper than any input we accept; deeper values would also overflow recursive serializers. */
export const MAX_VARIABLE_DEPTH = 64;

/**
 * Brackets (`{`, `(`, `[`) a document may nest. Operations are limited to depth 12 and inputs to
 * 10 levels, so this is far above any real document, and far below the depth at which
 * graphql-js's recursive parser overflows the stack (a few thousand).
 */
export const MAX_DOCUMENT_NESTING = 64;

const refuse = (message: string, code = 'BAD_USER_INPUT') => createGraphQLError(message, { extensions: { code, http: { status: 400 } } });

/** The first problem in a variables value: too deep, or text PostgreSQL cannot store. */
export function variablesProblem(value: unknown): string | undefined {
  const stack: Array<[unknown, number]> = [[value, 1]];
  while (stack.length) {
    const [current, depth] = stack.pop()!;
    if (typeof current === 'string') {
      if (current.includes('\u0000')) return 'Text must not contain the NUL character (\\u0000).';
      continue;
    }
    if (typeof current !== 'object' || current === null) continue;
    if (depth > MAX_VARIABLE_DEPTH) return `Variables are nested more than ${MAX_VARIABLE_DEPTH} levels deep.`;
    for (const [key, child] of Object.entries(current)) {
      if (key.includes('\u0000')) return 'Text must not contain the NUL character (\\u0000).';
      stack.push([child, depth + 1]);
    }
  }
  return undefined;
}

/**
 * How deeply a document's brackets nest, found in one pass without parsing: strings, block
 * strings and comments are skipped, so their brackets do not count. Stops counting at `limit + 1`.
 */
export function documentNesting(document: string, limit = MAX_DOCUMENT_NESTING): number {
  let depth = 0;
  let deepest = 0;
  for (let index = 0; index < document.length; index++) {
    const character = document[index];
    if (character === '#') {
      while (index < document.length && document[index] !== '\n' && document[index] !== '\r') index++;
    } else if (character === '"') {
      if (document.startsWith('"""', index)) {
        const end = document.indexOf('"""', index + 3);
        // Escaped triple quotes (\""") do not end a block string.
        let close = end;
        while (close !== -1 && document[close - 1] === '\\') close = document.indexOf('"""', close + 3);
        index = close === -1 ? document.length : close + 2;
      } else {
        index++;
        while (index < document.length && document[index] !== '"' && document[index] !== '\n') index += document[index] === '\\' ? 2 : 1;
      }
    } else if (character === '{' || character === '(' || character === '[') {
      depth++;
      if (depth > deepest) deepest = depth;
      if (deepest > limit) return deepest;
    } else if (character === '}' || character === ')' || character === ']') {
      depth = Math.max(0, depth - 1);
    }
  }
  return deepest;
}

/** Why a document must not reach the parser, if it must not. */
export function documentProblem(document: string): { code: 'BAD_USER_INPUT' | 'BAD_REQUEST'; message: string } | undefined {
  if (/\u0000|\\u0000/i.test(document)) return { code: 'BAD_USER_INPUT', message: 'Text must not contain the NUL character (\\u0000).' };
  if (documentNesting(document) > MAX_DOCUMENT_NESTING) {
    return { code: 'BAD_REQUEST', message: `Document nests more than ${MAX_DOCUMENT_NESTING} levels of "{", "(" or "[": no operation needs that many.` };
  }
  return undefined;
}

/** Refuses, before parsing, input no service could store or safely walk. */
export function useInputGuards(): Plugin {
  return {
    onParams({ params }) {
      if (typeof params.query === 'string') {
        const problem = documentProblem(params.query);
        if (problem) throw refuse(problem.message, problem.code);
      }
      const problem = variablesProblem(params.variables);
      if (problem) throw refuse(problem);
    },
  };
}

/** graphql-js's own token limit on every parse: a document too long stops the parser early, with a 400 naming the limit. */
export function useParserTokenLimit(maxTokens: number): Plugin {
  return {
    onParse({ setParseFn }) {
      setParseFn((source: string | Source, options?: ParseOptions) => parse(source, { ...options, maxTokens }));
    },
  };
}
