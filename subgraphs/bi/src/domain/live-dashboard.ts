import { boundedStream } from '@judgify/runtime/bounded-stream';
import { AppError } from '@judgify/runtime/errors';
import type { Logger } from '@judgify/runtime/logger';
import type { Histogram } from '@judgify/runtime/metrics';
import type { LiveUpdates } from '@judgify/runtime/pubsub';
import type { DelegatedRequest, SupergraphClient } from '@judgify/runtime/supergraph-client';
import { Kind, parse, visit, type DocumentNode } from 'graphql';
import type { DashboardRow, StoredDashboardView } from '../db/schema.ts';
import { findDashboards, type DashboardDeps } from './dashboard.ts';
import { DASHBOARD_CHANGED, METRICS_CHANGED, type DashboardChangedNotice } from './live.ts';
import type { MetricsChange, MetricsKind } from './metrics/ingest.ts';
import { runViewQuery, type ViewData } from './view-data.ts';
import { inSpan, SpanKind } from '@judgify/runtime/tracing';

/** At most one push per view per this many ms: a burst of judgments becomes one fresh read. */
export const MIN_PUSH_INTERVAL_MS = 250;
/** Updates a subscriber may leave untaken before it is ended as too slow. */
const MAX_UNTAKEN_UPDATES = 100;

export type DashboardUpdateReason = 'SNAPSHOT' | 'DATA_CHANGED' | 'DASHBOARD_CHANGED';

export interface ViewSnapshot extends ViewData {
  viewId: string;
  title: string;
}

/**
 * The whole current state every time (so a subscriber who joins a shared stream late is shown
 * everything by the latest update), and which views were rerun for it.
 */
export interface DashboardUpdate {
  reason: DashboardUpdateReason;
  dashboard: DashboardRow;
  /** Every view's latest data, in the dashboard's order. */
  views: ViewSnapshot[];
  changedViewIds: string[];
}

export interface LiveDashboardDeps {
  db: DashboardDeps['db'];
  live: LiveUpdates;
  supergraph: SupergraphClient;
  logger: Logger;
  /** Seconds from the event that changed a view's data to the push carrying it. */
  pushLatency: Histogram;
}

/** Root fields whose data only these kinds of events change; any other root field is rerun on every event. */
const CHANGED_BY: Record<string, readonly MetricsKind[]> = {
  judgmentMetrics: ['judgment', 'feedback', 'delivery'],
  judgmentStats: ['judgment', 'feedback', 'delivery'],
  judgmentExecutions: ['judgment'],
  judgmentExecution: ['judgment'],
  workflows: ['judgment', 'feedback'],
  workflow: ['judgment', 'feedback'],
  feedbackList: ['feedback'],
  samples: ['feedback'],
  dashboards: [],
  dashboard: [],
};

interface ViewScope {
  kinds: ReadonlySet<MetricsKind>;
  /** The workflows the view is narrowed to (by a workflowId argument or variable); none: all. */
  workflowIds: ReadonlySet<string>;
}

/** Which events can change a view's data: from its root fields and any workflowId it is narrowed to. */
export function scopeOf(view: Pick<StoredDashboardView, 'query' | 'variables'>): ViewScope {
  let document: DocumentNode;
  try {
    document = parse(view.query);
  } catch {
    return { kinds: new Set(), workflowIds: new Set() };
  }
  const kinds = new Set<MetricsKind>();
  const workflowIds = new Set<string>();
  const unknownRoot = (name: string) => !(name in CHANGED_BY);
  for (const definition of document.definitions) {
    if (definition.kind !== Kind.OPERATION_DEFINITION) continue;
    for (const selection of definition.selectionSet.selections) {
      const name = selection.kind === Kind.FIELD ? selection.name.value : '';
      for (const kind of unknownRoot(name) ? (['judgment', 'feedback', 'delivery'] as const) : CHANGED_BY[name]!) kinds.add(kind);
    }
  }
  visit(document, {
    Argument(node) {
      if (node.name.value === 'workflowId' && node.value.kind === Kind.STRING) workflowIds.add(node.value.value);
    },
    ObjectField(node) {
      if (node.name.value === 'workflowId' && node.value.kind === Kind.STRING) workflowIds.add(node.value.value);
    },
  });
  const fromVariables = (value: unknown): void => {
    if (typeof value !== 'object' || value === null) return;
    for (const [key, inner] of Object.entries(value)) {
      if (key === 'workflowId' && typeof inner === 'string') workflowIds.add(inner);
      else fromVariables(inner);
    }
  };
  fromVariables(view.variables);
  return { kinds, workflowIds };
}

const affects = (scope: ViewScope, change: MetricsChange) => scope.kinds.has(change.kind) && (!scope.workflowIds.size || scope.workflowIds.has(change.workflowId));

/**
 * A dashboard as it changes: every view's data on subscribe, then the views an event can change,
 * rerun through the gateway as the subscriber (the grant renewed on the connection), at most once
 * per view per 250 ms however many events come; every view again when the dashboard itself
 * changes. Ends with NOT_FOUND if the dashboard is not the tenant's, or is deleted meanwhile.
 */
export async function dashboardUpdates(deps: LiveDashboardDeps, on: DelegatedRequest, tenantId: string, dashboardId: string): Promise<AsyncGenerator<DashboardUpdate>> {
  const [initial] = await findDashboards(deps, tenantId, [dashboardId]);
  if (!initial) throw new AppError('NOT_FOUND', `There is no dashboard with id "${dashboardId}" in your tenant.`, { field: 'id' });
  let dashboard = initial;
  let scopes = new Map(dashboard.views.map((view) => [view.id, scopeOf(view)]));
  const lastPush = new Map<string, number>();
  /** Views waiting for a rerun, with the time of the oldest event they wait for. */
  const dirty = new Map<string, number>();
  /** Per waiting view, the traces of the changes it waits for: the push that answers them joins them. */
  const traces = new Map<string, Set<string>>();
  let dashboardDirty = false;
  let timer: NodeJS.Timeout | undefined;
  let flushing = false;
  let closed = false;
  /** Nothing is pushed before the snapshot: events meanwhile wait for it. */
  let started = false;

  const metricChanges = deps.live.subscribe<MetricsChange>(METRICS_CHANGED, tenantId);
  const dashboardChanges = deps.live.subscribe<DashboardChangedNotice>(DASHBOARD_CHANGED, tenantId);
  const stop = () => {
    closed = true;
    clearTimeout(timer);
    void metricChanges.return(undefined);
    void dashboardChanges.return(undefined);
  };
  const updates = boundedStream<DashboardUpdate>({
    limit: MAX_UNTAKEN_UPDATES,
    overflow: () => new AppError('SUBSCRIBER_TOO_SLOW', `Subscription closed: it fell more than ${MAX_UNTAKEN_UPDATES} dashboard updates behind. Subscribe again.`),
    detach: stop,
  });
  // A stream that fails is not returned by the server around it: it stops listening itself.
  const fail = (error: unknown) => {
    stop();
    updates.fail(error);
  };

  const latest = new Map<string, ViewSnapshot>();
  /** Reruns the views and pushes the dashboard's state, with them as the changed ones. */
  const rerun = async (reason: DashboardUpdateReason, views: readonly StoredDashboardView[]): Promise<number> => {
    const fresh = await Promise.all(views.map(async (view) => ({ viewId: view.id, title: view.title, ...(await runViewQuery(deps.supergraph, on, view.query, view.variables)) })));
    const pushedAt = Date.now();
    for (const snapshot of fresh) {
      latest.set(snapshot.viewId, snapshot);
      lastPush.set(snapshot.viewId, pushedAt);
    }
    if (!closed) updates.push({ reason, dashboard, views: dashboard.views.map((view) => latest.get(view.id)!), changedViewIds: views.map((view) => view.id) });
    return pushedAt;
  };

  const schedule = () => {
    if (closed || !started || flushing || timer) return;
    const now = Date.now();
    let soonest = Number.POSITIVE_INFINITY;
    if (dashboardDirty) soonest = now;
    for (const viewId of dirty.keys()) soonest = Math.min(soonest, Math.max(now, (lastPush.get(viewId) ?? 0) + MIN_PUSH_INTERVAL_MS));
    if (soonest === Number.POSITIVE_INFINITY) return;
    timer = setTimeout(() => {
      timer = undefined;
      void flush();
    }, soonest - now);
  };

  const flush = async () => {
    if (closed) return;
    flushing = true;
    try {
      const now = Date.now();
      if (dashboardDirty) {
        dashboardDirty = false;
        const [fresh] = await findDashboards(deps, tenantId, [dashboardId]);
        if (!fresh) return fail(new AppError('NOT_FOUND', `Dashboard "${dashboardId}" was deleted.`));
        dashboard = fresh;
        scopes = new Map(dashboard.views.map((view) => [view.id, scopeOf(view)]));
        dirty.clear();
        traces.clear();
        latest.clear();
        await rerun('DASHBOARD_CHANGED', dashboard.views);
        return;
      }
      const due = dashboard.views.filter((view) => dirty.has(view.id) && (lastPush.get(view.id) ?? 0) + MIN_PUSH_INTERVAL_MS <= now);
      if (!due.length) return;
      const since = Math.min(...due.map((view) => dirty.get(view.id)!));
      for (const view of due) dirty.delete(view.id);
      const answered = [...new Set(due.flatMap((view) => [...(traces.get(view.id) ?? [])]))];
      for (const view of due) traces.delete(view.id);
      const pushedAt = await inSpan(
        'dashboard push',
        { kind: SpanKind.PRODUCER, attributes: { 'judgify.dashboard.id': dashboardId }, traceparent: answered.length === 1 ? answered[0] : undefined, links: answered.length === 1 ? [] : answered },
        () => rerun('DATA_CHANGED', due),
      );
      deps.pushLatency.observe((pushedAt - since) / 1000);
    } catch (error) {
      deps.logger.warn({ err: error, dashboardId }, 'dashboard views could not be rerun');
      fail(error instanceof AppError ? error : new AppError('DOWNSTREAM_SERVICE_ERROR', 'The dashboard could not be refreshed; subscribe again.'));
    } finally {
      flushing = false;
      schedule();
    }
  };

  const listen = async <T>(notices: AsyncGenerator<T>, handle: (notice: T) => void) => {
    try {
      for await (const notice of notices) {
        handle(notice);
        schedule();
      }
    } catch (error) {
      fail(error);
    }
  };
  void listen(metricChanges, (change) => {
    const at = Date.parse(change.occurredAt) || Date.now();
    for (const view of dashboard.views) {
      if (!affects(scopes.get(view.id)!, change)) continue;
      if (!dirty.has(view.id)) dirty.set(view.id, at);
      if (change.traceparent) traces.set(view.id, (traces.get(view.id) ?? new Set()).add(change.traceparent));
    }
  });
  void listen(dashboardChanges, (notice) => {
    if (notice.dashboardId === dashboardId) dashboardDirty = true;
  });

  try {
    await rerun('SNAPSHOT', dashboard.views);
  } catch (error) {
    stop();
    throw error;
  }
  started = true;
  schedule();
  return updates.stream;
}
