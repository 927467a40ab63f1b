import { costLimitPlugin } from '@escape.tech/graphql-armor-cost-limit';
import { maxAliasesPlugin } from '@escape.tech/graphql-armor-max-aliases';
import { maxDepthPlugin } from '@escape.tech/graphql-armor-max-depth';
import { maxTokensPlugin } from '@escape.tech/graphql-armor-max-tokens';
import type { Plugin } from 'graphql-yoga';

/** Limits on the shape of an operation, checked during validation before any subgraph is called. */
export const operationLimits = { maxDepth: 12, maxCost: 5000, maxTokens: 5000, maxAliases: 30 } as const;

export function useOperationLimits(): Plugin[] {
  return [
    maxDepthPlugin({ n: operationLimits.maxDepth, exposeLimits: true, flattenFragments: true }),
    costLimitPlugin({ maxCost: operationLimits.maxCost, exposeLimits: true }),
    maxTokensPlugin({ n: operationLimits.maxTokens, exposeLimits: true }),
    maxAliasesPlugin({ n: operationLimits.maxAliases, exposeLimits: true }),
  ] as Plugin[];
}
