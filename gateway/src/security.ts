import { costLimitRule } from '@escape.tech/graphql-armor-cost-limit';
import { maxAliasesRule } from '@escape.tech/graphql-armor-max-aliases';
import { maxDepthRule } from '@escape.tech/graphql-armor-max-depth';
import { maxTokensPlugin } from '@escape.tech/graphql-armor-max-tokens';
import { GraphQLError, type ValidationContext } from 'graphql';
import type { Plugin } from 'graphql-yoga';

/** Limits on the shape of an operation, checked before any subgraph is called. */
export const operationLimits = { maxDepth: 12, maxCost: 5000, maxTokens: 5000, maxAliases: 30 } as const;

/** Armor throws from inside validation; reporting instead keeps it an ordinary validation error. */
const report = {
  propagateOnRejection: false,
  onReject: [(context: ValidationContext | null, error: GraphQLError) => context?.reportError(new GraphQLError(error.message.replace(/^Syntax Error: /, '')))],
};

/**
 * Depth, cost and aliases run as validation rules, so a refused operation is an ordinary
 * validation failure (400, GRAPHQL_VALIDATION_FAILED); the token limit stops the parser itself.
 */
export function useOperationLimits(): Plugin[] {
  return [
    maxTokensPlugin({ n: operationLimits.maxTokens }) as Plugin,
    {
      onValidate({ addValidationRule }) {
        addValidationRule(maxDepthRule({ n: operationLimits.maxDepth, flattenFragments: true, ...report }));
        addValidationRule(costLimitRule({ maxCost: operationLimits.maxCost, ...report }));
        addValidationRule(maxAliasesRule({ n: operationLimits.maxAliases, ...report }));
      },
    },
  ];
}
