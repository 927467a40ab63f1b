import { createGraphQLError, type Plugin } from 'graphql-yoga';

/** Deeper than any input we accept; deeper values would also overflow recursive serializers. */
export const MAX_VARIABLE_DEPTH = 64;

const refuse = (message: string) => createGraphQLError(message, { extensions: { code: 'BAD_USER_INPUT', http: { status: 400 } } });

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

/** Refuses, before parsing, input no service could store or safely walk. */
export function useInputGuards(): Plugin {
  return {
    onParams({ params }) {
      if (params.query && /\u0000|\\u0000/i.test(params.query)) throw refuse('Text must not contain the NUL character (\\u0000).');
      const problem = variablesProblem(params.variables);
      if (problem) throw refuse(problem);
    },
  };
}
