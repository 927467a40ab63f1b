import type { LiveUpdates } from '@judgify/runtime/pubsub';
import type { RequestContext } from '@judgify/runtime/subgraph-yoga';
import DataLoader from 'dataloader';
import type { FeedbackRow, RuleCandidateRow, RuleExtractionJobRow } from './db/schema.ts';
import { feedbackOfExecutions, findFeedback, type FeedbackDeps } from './domain/feedback.ts';
import type { PromotionDeps } from './domain/promotion.ts';
import { candidatesOfJobs, findCandidates, findJobs } from './domain/rule-jobs.ts';
import { learningSummaries, type LearningSummary } from './domain/samples.ts';

export type Deps = FeedbackDeps & PromotionDeps;

export interface Context extends RequestContext {
  deps: Deps;
  live: LiveUpdates;
  loaders: ReturnType<typeof createLoaders>;
}

/** Per request, so batching and caching never leak between users or tenants. */
export function createLoaders(deps: Deps, tenantId: string) {
  return {
    feedback: new DataLoader<string, FeedbackRow | null>((ids) => findFeedback(deps, tenantId, ids)),
    feedbackOfExecution: new DataLoader<string, FeedbackRow[]>((executionIds) => feedbackOfExecutions(deps, tenantId, executionIds)),
    job: new DataLoader<string, RuleExtractionJobRow | null>((ids) => findJobs(deps, tenantId, ids)),
    candidate: new DataLoader<string, RuleCandidateRow | null>((ids) => findCandidates(deps, tenantId, ids)),
    candidatesOfJob: new DataLoader<string, RuleCandidateRow[]>((jobIds) => candidatesOfJobs(deps, tenantId, jobIds)),
    learningSummary: new DataLoader<{ workflowId: string; version: number }, LearningSummary, string>((keys) => learningSummaries(deps, tenantId, keys), {
      cacheKeyFn: (key) => `${key.workflowId}@${key.version}`,
    }),
  };
}
