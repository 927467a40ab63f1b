import type { LiveUpdates } from '@judgify/runtime/pubsub';
import type { SharedBreakers } from '@judgify/runtime/shared-breakers';
import type { RequestContext } from '@judgify/runtime/subgraph-yoga';
import DataLoader from 'dataloader';
import type { ActionAttemptRow, ActionRunRow, ActionTargetRow, EventSubscriptionRow, WorkflowEventRow, WorkflowRow } from './db/schema.ts';
import { attemptsOfRuns, findActionRuns, runsOfExecutions, type ActionRunDeps } from './domain/action-runs.ts';
import { findActionTargets, type ActionTargetDeps } from './domain/action-targets.ts';
import { findEventSubscriptions } from './domain/event-subscriptions.ts';
import { historyKeyId, historyPages, snapshotKeyId, snapshotsAt, type HistoryKey, type SnapshotKey } from './domain/workflow-history.ts';
import { findWorkflows, type Actor, type WorkflowDeps } from './domain/workflow.ts';

export type Deps = WorkflowDeps &
  ActionTargetDeps &
  ActionRunDeps & {
    /** The circuit breakers of targets and subscriptions, shared by replicas. */
    breakers: SharedBreakers;
  };

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
    actionTarget: new DataLoader<string, ActionTargetRow | null>((ids) => findActionTargets(deps, tenantId, ids)),
    eventSubscription: new DataLoader<string, EventSubscriptionRow | null>((ids) => findEventSubscriptions(deps, tenantId, ids)),
    actionRun: new DataLoader<string, ActionRunRow | null>((ids) => findActionRuns(deps, tenantId, ids)),
    runsOfExecution: new DataLoader<string, ActionRunRow[]>((ids) => runsOfExecutions(deps, tenantId, ids)),
    attemptsOfRun: new DataLoader<string, ActionAttemptRow[]>((ids) => attemptsOfRuns(deps, tenantId, ids)),
  };
}
