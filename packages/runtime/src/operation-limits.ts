import { costLimitRule } from '@escape.tech/graphql-armor-cost-limit';
import { maxAliasesRule } from '@escape.tech/graphql-armor-max-aliases';
import { maxDepthRule } from '@escape.tech/graphql-armor-max-depth';
import { GraphQLError, type ValidationContext, type ValidationRule } from 'graphql';

/**
 * Limits on the shape of an operation: the gateway checks every client operation against them,
 * and a service checks a document it will run through the gateway (a BI view) the same way first.
 */
export const operationLimits = { maxDepth: 12, maxCost: 5000, maxTokens: 5000, maxAliases: 30 } as const;

/** Armor throws from inside validation; reporting instead keeps it an ordinary validation error. */
const report = {
  propagateOnRejection: false,
  onReject: [(context: ValidationContext | null, error: GraphQLError) => context?.reportError(new GraphQLError(error.message.replace(/^Syntax Error: /, '')))],
};

/** Depth, cost and aliases as graphql-js validation rules. */
export function operationLimitRules(): ValidationRule[] {
  return [
    maxDepthRule({ n: operationLimits.maxDepth, flattenFragments: true, ...report }),
    costLimitRule({ maxCost: operationLimits.maxCost, ...report }),
    maxAliasesRule({ n: operationLimits.maxAliases, ...report }),
  ];
}
