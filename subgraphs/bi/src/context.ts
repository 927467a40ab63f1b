import type { RequestContext } from '@judgify/runtime/subgraph-yoga';
import DataLoader from 'dataloader';
import type { DashboardRow } from './db/schema.ts';
import { findDashboards, type DashboardDeps } from './domain/dashboard.ts';

export type Deps = DashboardDeps;

export interface Context extends RequestContext {
  deps: Deps;
  loaders: ReturnType<typeof createLoaders>;
}

/** Per request, so batching and caching never leak between users or tenants. */
export function createLoaders(deps: Deps, tenantId: string) {
  return {
    dashboard: new DataLoader<string, DashboardRow | null>((ids) => findDashboards(deps, tenantId, ids)),
  };
}
