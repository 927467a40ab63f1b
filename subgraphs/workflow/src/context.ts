import type { LiveUpdates } from '@judgify/runtime/pubsub';
import type { RequestContext } from '@judgify/runtime/subgraph-yoga';
import DataLoader from 'dataloader';
import type { WorkflowEventRow, WorkflowRow } from './db/schema.ts';
import { historyKeyId, historyPages, snapshotKeyId, snapshotsAt, type HistoryKey, type SnapshotKey } from './domain/workflow-history.ts';
import { findWorkflows, type Actor, type WorkflowDeps } from './domain/workflow.ts';

export type Deps = WorkflowDeps;

export interface Context extends RequestContext {
  deps: Deps;
  actor: Actor;
  live: LiveUpdates;
  loaders: ReturnType<typeof createLoaders>;
}

/** Per request, so batching and caching never leak between users or tenants. */
export function createLoaders(deps: Deps, tenantId: string) {
  return {
    workflow: new DataLoader<string, WorkflowRow | null>((ids) => findWorkflows(deps, tenantId, ids)),
    history: new DataLoader<HistoryKey, WorkflowEventRow[], string>((keys) => historyPages(deps, tenantId, keys), { cacheKeyFn: historyKeyId }),
    snapshot: new DataLoader<SnapshotKey, WorkflowRow | null, string>((keys) => snapshotsAt(deps, tenantId, keys), { cacheKeyFn: snapshotKeyId }),
  };
}
