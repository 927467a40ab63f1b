import { GraphQLError, type ExecutionResult } from 'graphql';
import type { Plugin } from 'graphql-yoga';

/**
 * The federation executor reports request errors it finds before running any plan (such as a
 * variable of the wrong type) as a result with `data: undefined`. The GraphQL-over-HTTP spec
 * calls these request errors: answer 400 and give each a code clients can branch on.
 */
export function useRequestErrors(): Plugin {
  return {
    onExecute() {
      return {
        onExecuteDone({ result, setResult }) {
          const single = result as ExecutionResult;
          if (!('errors' in single) || !single.errors?.length || single.data !== undefined) return;
          setResult({
            errors: single.errors.map(
              (error) =>
                new GraphQLError(error.message, {
                  nodes: error.nodes,
                  source: error.source,
                  positions: error.positions,
                  path: error.path,
                  extensions: { code: 'BAD_USER_INPUT', ...error.extensions, http: error.extensions.http ?? { status: 400 } },
                }),
            ),
          });
        },
      };
    },
  };
}
