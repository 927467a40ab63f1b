import type { RequestContext } from '@judgify/runtime/subgraph-yoga';
import DataLoader from 'dataloader';
import type { FeedbackRow } from './db/schema.ts';
import { feedbackOfExecutions, findFeedback, type FeedbackDeps } from './domain/feedback.ts';

export type Deps = FeedbackDeps;

export interface Context extends RequestContext {
  deps: Deps;
  loaders: ReturnType<typeof createLoaders>;
}

/** Per request, so batching and caching never leak between users or tenants. */
export function createLoaders(deps: Deps, tenantId: string) {
  return {
    feedback: new DataLoader<string, FeedbackRow | null>((ids) => findFeedback(deps, tenantId, ids)),
    feedbackOfExecution: new DataLoader<string, FeedbackRow[]>((executionIds) => feedbackOfExecutions(deps, tenantId, executionIds)),
  };
}
