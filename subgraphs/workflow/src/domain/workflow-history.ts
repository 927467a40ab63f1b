import { AppError } from '@judgify/runtime/errors';
import { afterCursor, decodeCursor, encodeCursor, pageSize } from '@judgify/runtime/pagination';
import { isUuid } from '@judgify/runtime/validation';
import { and, asc, desc, eq, getTableColumns, gt, gte, inArray, lte, sql, type SQL } from 'drizzle-orm';
import { workflowEvents, type WorkflowEventRow, type WorkflowEventType, type WorkflowRow } from '../db/schema.ts';
import { replay } from './workflow-events.ts';
import type { WorkflowDeps } from './workflow.ts';

/** One page of one workflow's history, as a DataLoader key. */
export interface HistoryKey {
  workflowId: string;
  first?: number | null;
  afterVersion?: number | null;
}

export const historyKeyId = (key: HistoryKey) => `${key.workflowId}:${key.first ?? ''}:${key.afterVersion ?? ''}`;

/**
 * Pages of history, oldest first, for many workflows: one windowed query per distinct page
 * shape, so listing workflows with their history does not cost a query per workflow.
 */
export async function historyPages(deps: WorkflowDeps, tenantId: string, keys: readonly HistoryKey[]): Promise<WorkflowEventRow[][]> {
  const shapes = new Map<string, HistoryKey[]>();
  for (const key of keys) {
    const shape = `${key.first ?? ''}:${key.afterVersion ?? ''}`;
    shapes.set(shape, [...(shapes.get(shape) ?? []), key]);
  }
  const pages = new Map<string, WorkflowEventRow[]>();
  for (const group of shapes.values()) {
    const { first, afterVersion } = group[0]!;
    const limit = pageSize(first, 100);
    const ids = [...new Set(group.map((key) => key.workflowId).filter(isUuid))];
    if (!ids.length) continue;
    const ranked = deps.db
      .select({
        ...getTableColumns(workflowEvents),
        rank: sql<number>`row_number() over (partition by ${workflowEvents.aggregateId} order by ${workflowEvents.version})`.mapWith(Number).as('rank'),
      })
      .from(workflowEvents)
      .where(
        and(
          eq(workflowEvents.tenantId, tenantId),
          inArray(workflowEvents.aggregateId, ids),
          afterVersion != null ? gt(workflowEvents.version, afterVersion) : undefined,
        ),
      )
      .as('ranked');
    const rows = await deps.db.select().from(ranked).where(lte(ranked.rank, limit)).orderBy(asc(ranked.aggregateId), asc(ranked.version));
    for (const { rank: _rank, ...event } of rows) {
      const id = historyKeyId({ workflowId: event.aggregateId, first, afterVersion });
      pages.set(id, [...(pages.get(id) ?? []), event]);
    }
  }
  return keys.map((key) => pages.get(historyKeyId(key)) ?? []);
}

export interface SnapshotKey {
  workflowId: string;
  version: number;
}

export const snapshotKeyId = (key: SnapshotKey) => `${key.workflowId}@${key.version}`;

/** Each workflow rebuilt from its events up to a version; null where it never reached it. */
export async function snapshotsAt(deps: Pick<WorkflowDeps, 'db'>, tenantId: string, keys: readonly SnapshotKey[]): Promise<Array<WorkflowRow | null>> {
  for (const key of keys) {
    if (!Number.isInteger(key.version) || key.version < 1) {
      throw new AppError('BAD_USER_INPUT', `"version" must be 1 or more; got ${key.version}.`, { field: 'version' });
    }
  }
  const ids = [...new Set(keys.map((key) => key.workflowId).filter(isUuid))];
  if (!ids.length) return keys.map(() => null);
  const events = await deps.db
    .select()
    .from(workflowEvents)
    .where(
      and(
        eq(workflowEvents.tenantId, tenantId),
        inArray(workflowEvents.aggregateId, ids),
        lte(workflowEvents.version, Math.max(...keys.map((key) => key.version))),
      ),
    )
    .orderBy(asc(workflowEvents.aggregateId), asc(workflowEvents.version));
  return keys.map((key) => {
    const own = events.filter((event) => event.aggregateId === key.workflowId && event.version <= key.version);
    return own.length === key.version ? (replay(own) ?? null) : null;
  });
}

export interface AuditFilter {
  workflowId?: string | null;
  userId?: string | null;
  types?: readonly WorkflowEventType[] | null;
  from?: Date | null;
  to?: Date | null;
}

/** The tenant's workflow events, newest first, filtered; deleted workflows included. */
export async function auditLog(
  deps: WorkflowDeps,
  tenantId: string,
  query: { filter?: AuditFilter | null; first?: number | null; after?: string | null },
): Promise<WorkflowEventRow[]> {
  const limit = pageSize(query.first, 50);
  const filter = query.filter ?? {};
  if (filter.from && filter.to && filter.from > filter.to) {
    throw new AppError('BAD_USER_INPUT', '"filter.from" must not be after "filter.to".', { field: 'filter.from' });
  }
  if (filter.workflowId != null && !isUuid(filter.workflowId)) return [];
  const conditions: Array<SQL | undefined> = [
    eq(workflowEvents.tenantId, tenantId),
    afterCursor({ createdAt: workflowEvents.occurredAt, id: workflowEvents.id }, decodeCursor(query.after), 'desc'),
    filter.workflowId != null ? eq(workflowEvents.aggregateId, filter.workflowId) : undefined,
    filter.userId != null ? eq(workflowEvents.userId, filter.userId) : undefined,
    filter.types?.length ? inArray(workflowEvents.type, [...filter.types]) : undefined,
    filter.from ? gte(workflowEvents.occurredAt, filter.from) : undefined,
    filter.to ? lte(workflowEvents.occurredAt, filter.to) : undefined,
  ];
  return deps.db
    .select()
    .from(workflowEvents)
    .where(and(...conditions))
    .orderBy(desc(workflowEvents.occurredAt), desc(workflowEvents.id))
    .limit(limit);
}

export const eventCursor = (event: WorkflowEventRow) => encodeCursor({ createdAt: event.occurredAt, id: event.id });
