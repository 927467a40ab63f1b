import type { Database } from '@judgify/runtime/database';
import type { Identity } from '@judgify/runtime/identity';
import { afterCursor, decodeCursor, encodeCursor, inIdOrder, pageSize } from '@judgify/runtime/pagination';
import { isUuid, validateInput } from '@judgify/runtime/validation';
import { and, desc, eq, inArray, isNull } from 'drizzle-orm';
import { z } from 'zod';
import * as tables from '../db/schema.ts';
import { dashboards, type DashboardRow } from '../db/schema.ts';
import { dashboardViewsInput } from './dashboard-view.ts';

export interface DashboardDeps {
  db: Database<typeof tables>;
}

export const createDashboardInput = z.object({
  name: z.string().trim().min(1, 'name must not be empty').max(100, 'name must be at most 100 characters'),
  description: z.string().max(500, 'description must be at most 500 characters').nullish(),
  views: dashboardViewsInput.nullish(),
});

/** As received: chart specs are arbitrary JSON until validated. */
export interface CreateDashboardInput {
  name: string;
  description?: string | null;
  views?: ReadonlyArray<{ title: string; query: string; chart: { type: string; spec?: unknown } }> | null;
}

export async function createDashboard(deps: DashboardDeps, actor: Identity, input: CreateDashboardInput): Promise<DashboardRow> {
  const valid = validateInput(createDashboardInput, input);
  const [row] = await deps.db
    .insert(dashboards)
    .values({
      tenantId: actor.tenantId,
      name: valid.name,
      description: valid.description ?? null,
      views: valid.views ?? [],
      createdBy: actor.userId,
      updatedBy: actor.userId,
    })
    .returning();
  if (!row) throw new Error('insert returned no row');
  return row;
}

const visibleTo = (tenantId: string) => and(eq(dashboards.tenantId, tenantId), isNull(dashboards.deletedAt));

/** Loads dashboards of one tenant by id, in the order asked, null where none is visible. */
export async function findDashboards(deps: DashboardDeps, tenantId: string, ids: readonly string[]): Promise<Array<DashboardRow | null>> {
  const wellFormed = ids.filter(isUuid);
  const rows = wellFormed.length
    ? await deps.db.select().from(dashboards).where(and(visibleTo(tenantId), inArray(dashboards.id, wellFormed)))
    : [];
  return inIdOrder(ids, rows);
}

export async function listDashboards(
  deps: DashboardDeps,
  tenantId: string,
  page: { first?: number | null; after?: string | null },
): Promise<DashboardRow[]> {
  const limit = pageSize(page.first);
  const cursor = page.after ? decodeCursor(page.after) : undefined;
  return deps.db
    .select()
    .from(dashboards)
    .where(and(visibleTo(tenantId), afterCursor(dashboards, cursor, 'desc')))
    .orderBy(desc(dashboards.createdAt), desc(dashboards.id))
    .limit(limit);
}

export const dashboardCursor = (row: DashboardRow) => encodeCursor({ createdAt: row.createdAt, id: row.id });
