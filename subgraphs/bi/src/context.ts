import type { SupergraphClient } from '@judgify/runtime/supergraph-client';
import type { RequestContext } from '@judgify/runtime/subgraph-yoga';
import DataLoader from 'dataloader';
import type { DashboardRow } from './db/schema.ts';
import { findDashboards, type DashboardDeps } from './domain/dashboard.ts';
import { runViewQuery, type ViewData } from './domain/view-data.ts';

export interface Deps extends DashboardDeps {
  supergraph: SupergraphClient;
}

export interface Context extends RequestContext {
  deps: Deps;
  loaders: ReturnType<typeof createLoaders>;
}

/** Per request, so batching and caching never leak between users or tenants. */
export function createLoaders(deps: Deps, request: RequestContext) {
  return {
    dashboard: new DataLoader<string, DashboardRow | null>((ids) => findDashboards(deps, request.identity.tenantId, ids)),
    /** A view's query runs once per request, however many of its fields are asked for. */
    viewData: new DataLoader<string, ViewData>((queries) => Promise.all(queries.map((query) => runViewQuery(deps.supergraph, request, query)))),
  };
}
