import { maxTokensPlugin } from '@escape.tech/graphql-armor-max-tokens';
import { operationLimitRules, operationLimits } from '@judgify/runtime/operation-limits';
import type { Plugin } from 'graphql-yoga';

/**
 * Depth, cost and aliases run as validation rules, so a refused operation is an ordinary
 * validation failure (400, GRAPHQL_VALIDATION_FAILED); the token limit stops the parser itself.
 */
export function useOperationLimits(): Plugin[] {
  return [
    maxTokensPlugin({ n: operationLimits.maxTokens }) as Plugin,
    {
      onValidate({ addValidationRule }) {
        for (const rule of operationLimitRules()) addValidationRule(rule);
      },
    },
  ];
}
