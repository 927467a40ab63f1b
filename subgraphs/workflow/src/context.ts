import type { RequestContext } from '@judgify/runtime/subgraph-yoga';
import DataLoader from 'dataloader';
import type { WorkflowRow } from './db/schema.ts';
import { findWorkflows, type WorkflowDeps } from './domain/workflow.ts';

export type Deps = WorkflowDeps;

export interface Context extends RequestContext {
  deps: Deps;
  loaders: ReturnType<typeof createLoaders>;
}

/** Per request, so batching and caching never leak between users or tenants. */
export function createLoaders(deps: Deps, tenantId: string) {
  return {
    workflow: new DataLoader<string, WorkflowRow | null>((ids) => findWorkflows(deps, tenantId, ids)),
  };
}
