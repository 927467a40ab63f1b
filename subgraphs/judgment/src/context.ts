import type { LiveUpdates } from '@judgify/runtime/pubsub';
import type { RequestContext } from '@judgify/runtime/subgraph-yoga';
import DataLoader from 'dataloader';
import type { ExecutionRow } from './db/schema.ts';
import {
  findExecutions,
  listExecutionPages,
  workflowExecutionsKeyId,
  type ExecutionDeps,
  type WorkflowExecutionsKey,
} from './domain/execution.ts';
import type { Actor, JudgmentDeps } from './domain/execute.ts';
import { workflowStats, type WorkflowStats } from './domain/workflow-stats.ts';

export type Deps = JudgmentDeps;

export interface Context extends RequestContext {
  deps: Deps;
  actor: Actor;
  live: LiveUpdates;
  loaders: ReturnType<typeof createLoaders>;
}

/** Per request, so batching and caching never leak between users or tenants. */
export function createLoaders(deps: ExecutionDeps, tenantId: string) {
  return {
    execution: new DataLoader<string, ExecutionRow | null>((ids) => findExecutions(deps, tenantId, ids)),
    executionsOfWorkflow: new DataLoader<WorkflowExecutionsKey, ExecutionRow[], string>(
      (keys) => listExecutionPages(deps, tenantId, keys),
      { cacheKeyFn: workflowExecutionsKeyId },
    ),
    workflowStats: new DataLoader<string, WorkflowStats>((ids) => workflowStats(deps, tenantId, ids)),
  };
}
