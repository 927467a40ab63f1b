import { randomUUID } from 'node:crypto';
import type { Database } from '@judgify/runtime/database';
import { AppError } from '@judgify/runtime/errors';
import { createEvent } from '@judgify/runtime/events';
import type { Identity } from '@judgify/runtime/identity';
import { enqueueEvents } from '@judgify/runtime/outbox';
import { afterCursor, decodeCursor, encodeCursor, inIdOrder, pageSize } from '@judgify/runtime/pagination';
import { invalidInput, isUuid, validateInput, type InputProblem } from '@judgify/runtime/validation';
import { and, desc, eq, inArray, isNull } from 'drizzle-orm';
import type { GraphQLSchema } from 'graphql';
import { z } from 'zod';
import * as tables from '../db/schema.ts';
import { dashboards, outbox, type DashboardRow, type StoredDashboardView } from '../db/schema.ts';
import { dashboardViewInput, dashboardViewsInput, MAX_VIEWS } from './dashboard-view.ts';
import { checkView } from './views/check-view.ts';

export interface DashboardDeps {
  db: Database<typeof tables>;
  /** The supergraph's API schema: every view is checked against it before it is saved. */
  apiSchema: GraphQLSchema;
  /** Told after a change's event is committed, so the relay publishes it now. */
  eventsCommitted(): void;
}

export const createDashboardInput = z.object({
  name: z.string().trim().min(1, 'name must not be empty').max(100, 'name must be at most 100 characters'),
  description: z.string().max(500, 'description must be at most 500 characters').nullish(),
  views: dashboardViewsInput.nullish(),
});

/** A view as received: variables and chart specs are arbitrary JSON until validated. */
export interface DashboardViewInput {
  title: string;
  query: string;
  variables?: unknown;
  dataPath?: string | null;
  chart: { type: string; spec?: unknown };
}

export interface CreateDashboardInput {
  name: string;
  description?: string | null;
  views?: readonly DashboardViewInput[] | null;
}

type Transaction = Parameters<Parameters<DashboardDeps['db']['transaction']>[0]>[0];

/** The problems a validation error lists; anything else is not a validation error and goes on. */
function problemsOf(error: unknown): InputProblem[] {
  if (error instanceof AppError && Array.isArray(error.extensions.problems)) return [...(error.extensions.problems as InputProblem[])];
  throw error;
}

/**
 * Input with views, checked whole: its shape, and each well-formed view against the supergraph,
 * every problem reported at once with its path. Returns the input with views ready to store.
 */
function checkedInput<T extends z.ZodType>(deps: DashboardDeps, schema: T, input: unknown, views: (valid: z.infer<T>) => ReadonlyArray<z.infer<typeof dashboardViewInput>>, given: readonly unknown[], root: (index: number) => string) {
  let valid: z.infer<T> | undefined;
  const problems: InputProblem[] = [];
  try {
    valid = validateInput(schema, input, root(-1));
  } catch (error) {
    problems.push(...problemsOf(error));
  }
  given.forEach((view, index) => {
    const shape = dashboardViewInput.safeParse(view);
    if (shape.success) problems.push(...checkView(deps.apiSchema, shape.data, root(index)));
  });
  if (problems.length || valid === undefined) throw invalidInput(problems);
  const stored: StoredDashboardView[] = views(valid).map((view) => ({ id: randomUUID(), ...view, variables: view.variables ?? null, dataPath: view.dataPath ?? null, chart: { type: view.chart.type, spec: view.chart.spec ?? null } }));
  return { valid, views: stored };
}

/** dashboard.updated through the outbox, in the change's transaction: live dashboards and partners hear of every change. */
async function announce(tx: Transaction, row: DashboardRow, change: string, actor: Identity): Promise<void> {
  await enqueueEvents(tx, outbox, [
    createEvent({
      eventType: 'dashboard.updated',
      source: 'bi',
      tenantId: row.tenantId,
      data: { dashboardId: row.id, change, viewIds: row.views.map((view) => view.id), updatedBy: actor.userId, updatedAt: row.updatedAt.toISOString() },
    }),
  ]);
}

export async function createDashboard(deps: DashboardDeps, actor: Identity, input: CreateDashboardInput): Promise<DashboardRow> {
  const { valid, views } = checkedInput(deps, createDashboardInput, input, (checked) => checked.views ?? [], Array.isArray(input.views) ? input.views : [], (index) => (index < 0 ? 'input' : `input.views[${index}]`));
  const row = await deps.db.transaction(async (tx) => {
    const [created] = await tx
      .insert(dashboards)
      .values({ tenantId: actor.tenantId, name: valid.name, description: valid.description ?? null, views, createdBy: actor.userId, updatedBy: actor.userId })
      .returning();
    if (!created) throw new Error('insert returned no row');
    await announce(tx, created, 'CREATED', actor);
    return created;
  });
  deps.eventsCommitted();
  return row;
}

const visibleTo = (tenantId: string) => and(eq(dashboards.tenantId, tenantId), isNull(dashboards.deletedAt));

const notFound = (id: string) => new AppError('NOT_FOUND', `There is no dashboard with id "${id}" in your tenant.`, { field: 'dashboardId' });

/** Changes a dashboard's views under a row lock, so concurrent edits apply one after the other and none is lost. */
async function changeViews(deps: DashboardDeps, actor: Identity, dashboardId: string, change: string, edit: (views: StoredDashboardView[]) => StoredDashboardView[]): Promise<DashboardRow> {
  if (!isUuid(dashboardId)) throw notFound(dashboardId);
  const row = await deps.db.transaction(async (tx) => {
    const [current] = await tx.select().from(dashboards).where(and(visibleTo(actor.tenantId), eq(dashboards.id, dashboardId))).for('update');
    if (!current) throw notFound(dashboardId);
    const [updated] = await tx
      .update(dashboards)
      .set({ views: edit(current.views), updatedAt: new Date(), updatedBy: actor.userId })
      .where(eq(dashboards.id, dashboardId))
      .returning();
    await announce(tx, updated!, change, actor);
    return updated!;
  });
  deps.eventsCommitted();
  return row;
}

/** Adds a view (at `position`, else last); a dashboard holds at most 12. */
export function addDashboardView(deps: DashboardDeps, actor: Identity, dashboardId: string, input: DashboardViewInput, position?: number | null): Promise<DashboardRow> {
  const [view] = checkedInput(deps, dashboardViewInput, input, (checked) => [checked], [input], () => 'view').views;
  return changeViews(deps, actor, dashboardId, 'VIEW_ADDED', (views) => {
    if (views.length >= MAX_VIEWS) throw new AppError('BAD_USER_INPUT', `This dashboard already has ${MAX_VIEWS} views, the most one can hold: remove one first.`, { field: 'view' });
    const at = position ?? views.length;
    if (!Number.isInteger(at) || at < 0 || at > views.length) throw new AppError('BAD_USER_INPUT', `position must be from 0 to ${views.length}; got ${at}.`, { field: 'position' });
    return [...views.slice(0, at), view!, ...views.slice(at)];
  });
}

/** Puts the views in the order given, which must name each of them exactly once. */
export function reorderDashboardViews(deps: DashboardDeps, actor: Identity, dashboardId: string, viewIds: readonly string[]): Promise<DashboardRow> {
  return changeViews(deps, actor, dashboardId, 'VIEWS_REORDERED', (views) => {
    const byId = new Map(views.map((view) => [view.id, view]));
    const repeated = viewIds.filter((id, index) => viewIds.indexOf(id) !== index);
    const unknown = viewIds.filter((id) => !byId.has(id));
    const missing = views.filter((view) => !viewIds.includes(view.id)).map((view) => view.id);
    if (repeated.length || unknown.length || missing.length) {
      const parts = [unknown.length && `not on this dashboard: ${unknown.join(', ')}`, repeated.length && `named twice: ${[...new Set(repeated)].join(', ')}`, missing.length && `missing: ${missing.join(', ')}`].filter(Boolean);
      throw new AppError('BAD_USER_INPUT', `viewIds must name each of the dashboard's ${views.length} views exactly once (${parts.join('; ')}).`, { field: 'viewIds' });
    }
    return viewIds.map((id) => byId.get(id)!);
  });
}

export function removeDashboardView(deps: DashboardDeps, actor: Identity, dashboardId: string, viewId: string): Promise<DashboardRow> {
  return changeViews(deps, actor, dashboardId, 'VIEW_REMOVED', (views) => {
    if (!views.some((view) => view.id === viewId)) throw new AppError('NOT_FOUND', `This dashboard has no view with id "${viewId}".`, { field: 'viewId' });
    return views.filter((view) => view.id !== viewId);
  });
}

/** Loads dashboards of one tenant by id, in the order asked, null where none is visible. */
export async function findDashboards(deps: Pick<DashboardDeps, 'db'>, tenantId: string, ids: readonly string[]): Promise<Array<DashboardRow | null>> {
  const wellFormed = ids.filter(isUuid);
  const rows = wellFormed.length
    ? await deps.db.select().from(dashboards).where(and(visibleTo(tenantId), inArray(dashboards.id, wellFormed)))
    : [];
  return inIdOrder(ids, rows);
}

export async function listDashboards(
  deps: Pick<DashboardDeps, 'db'>,
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
