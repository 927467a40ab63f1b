import type { LlmClient } from '@judgify/runtime/llm';
import type { Logger } from '@judgify/runtime/logger';
import type { LiveUpdates } from '@judgify/runtime/pubsub';
import type { SupergraphClient } from '@judgify/runtime/supergraph-client';
import type { RequestContext } from '@judgify/runtime/subgraph-yoga';
import DataLoader from 'dataloader';
import type { DashboardRow, StoredDashboardView } from './db/schema.ts';
import { findDashboards, type DashboardDeps } from './domain/dashboard.ts';
import type { LiveDashboardDeps } from './domain/live-dashboard.ts';
import { runViewQuery, type ViewData } from './domain/view-data.ts';
import type { ViewGenerationMetrics } from './domain/views/generate.ts';

export interface Deps extends DashboardDeps, LiveDashboardDeps {
  supergraph: SupergraphClient;
  live: LiveUpdates;
  llm?: LlmClient;
  logger: Logger;
  viewMetrics: ViewGenerationMetrics;
}

export interface Context extends RequestContext {
  deps: Deps;
  loaders: ReturnType<typeof createLoaders>;
}

/** Per request, so batching and caching never leak between users or tenants. */
export function createLoaders(deps: Deps, request: RequestContext) {
  // By the view object read: its data and dataErrors share one run, and a row read again (a live update) runs again.
  const viewData = new WeakMap<StoredDashboardView, Promise<ViewData>>();
  return {
    dashboard: new DataLoader<string, DashboardRow | null>((ids) => findDashboards(deps, request.identity.tenantId, ids)),
    viewData: (view: StoredDashboardView): Promise<ViewData> => {
      let running = viewData.get(view);
      if (!running) viewData.set(view, (running = runViewQuery(deps.supergraph, request, view.query, view.variables)));
      return running;
    },
  };
}
