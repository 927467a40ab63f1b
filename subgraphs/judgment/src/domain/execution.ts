import { randomUUID } from 'node:crypto';
import type { Database } from '@judgify/runtime/database';
import type { Identity } from '@judgify/runtime/identity';
import { afterCursor, decodeCursor, encodeCursor, inIdOrder, pageSize } from '@judgify/runtime/pagination';
import { isUuid, validateInput } from '@judgify/runtime/validation';
import { and, asc, desc, eq, getTableColumns, gte, inArray, lte, sql, type SQL } from 'drizzle-orm';
import { z } from 'zod';
import * as tables from '../db/schema.ts';
import { executionStatuses, judgmentExecutions, judgmentMethods, type ExecutionRow } from '../db/schema.ts';

export interface ExecutionDeps {
  db: Database<typeof tables>;
}

export const executionValues = z.object({
  workflowId: z.string().refine(isUuid, 'workflowId must be the UUID of a workflow'),
  workflowVersion: z.number().int().min(1, 'workflowVersion must be 1 or more'),
  status: z.enum(executionStatuses),
  decision: z.string().min(1, 'decision must not be empty'),
  confidence: z.number().min(0, 'confidence must be between 0 and 1').max(1, 'confidence must be between 0 and 1'),
  explanation: z.string(),
  method: z.enum(judgmentMethods),
  methodUsed: z.enum(judgmentMethods),
  cached: z.boolean(),
  inputData: z.record(z.string(), z.json(), { error: 'inputData must be a JSON object of input fields' }),
  executionTimeMs: z.number().min(0, 'executionTimeMs must not be negative'),
  path: z.array(z.string()).default([]),
  nodeResults: z
    .array(
      z.object({
        nodeId: z.string(),
        outcome: z.string().nullable(),
        confidence: z.number().min(0).max(1),
        methodUsed: z.enum(judgmentMethods),
        explanation: z.string(),
      }),
    )
    .default([]),
  actions: z.array(z.object({ nodeId: z.string(), action: z.string(), url: z.string().optional() })).default([]),
});

export type ExecutionValues = z.input<typeof executionValues>;

/**
 * Stores one finished judgment for the actor's tenant, checking every value first: the engine
 * stores its runs through here (inside its transaction, as `db`).
 */
export async function recordExecution(db: ExecutionDeps['db'], actor: Identity, values: ExecutionValues): Promise<ExecutionRow> {
  const [row] = await recordExecutions(db, actor, [values]);
  return row!;
}

/**
 * Stores finished judgments for the actor's tenant in one multi-row INSERT, each value checked
 * first, and returns the rows in the order given (ids are made here, so the order never rests
 * on the order RETURNING happens to use).
 */
export async function recordExecutions(db: ExecutionDeps['db'], actor: Identity, values: readonly ExecutionValues[]): Promise<ExecutionRow[]> {
  if (!values.length) return [];
  const rows = values.map((value) => ({
    ...validateInput(executionValues, value, 'execution'),
    id: randomUUID(),
    tenantId: actor.tenantId,
    createdBy: actor.userId,
    updatedBy: actor.userId,
  }));
  const stored = new Map((await db.insert(judgmentExecutions).values(rows).returning()).map((row) => [row.id, row]));
  return rows.map((row) => {
    const found = stored.get(row.id);
    if (!found) throw new Error(`insert returned no row for execution ${row.id}`);
    return found;
  });
}

/** Loads executions of one tenant by id, in the order asked, null where none is visible. */
export async function findExecutions(deps: ExecutionDeps, tenantId: string, ids: readonly string[]): Promise<Array<ExecutionRow | null>> {
  const wellFormed = ids.filter(isUuid);
  const rows = wellFormed.length
    ? await deps.db
        .select()
        .from(judgmentExecutions)
        .where(and(eq(judgmentExecutions.tenantId, tenantId), inArray(judgmentExecutions.id, wellFormed)))
    : [];
  return inIdOrder(ids, rows);
}

export interface ExecutionPage {
  first?: number | null;
  after?: string | null;
}

/**
 * One page of executions for each workflow, newest first, in a single query: a window ranks
 * each workflow's rows so a list of workflows does not cost a query per workflow.
 */
export async function listExecutionsOfWorkflows(
  deps: ExecutionDeps,
  tenantId: string,
  workflowIds: readonly string[],
  page: ExecutionPage,
): Promise<ExecutionRow[][]> {
  const limit = pageSize(page.first);
  const cursor = decodeCursor(page.after);
  const wellFormed = [...new Set(workflowIds.filter(isUuid))];
  if (!wellFormed.length) return workflowIds.map(() => []);
  const { id, workflowId, createdAt } = judgmentExecutions;
  const ranked = deps.db
    .select({
      ...getTableColumns(judgmentExecutions),
      rank: sql<number>`row_number() over (partition by ${workflowId} order by ${createdAt} desc, ${id} desc)`.mapWith(Number).as('rank'),
    })
    .from(judgmentExecutions)
    .where(
      and(
        eq(judgmentExecutions.tenantId, tenantId),
        inArray(workflowId, wellFormed),
        afterCursor(judgmentExecutions, cursor, 'desc'),
      ),
    )
    .as('ranked');
  const rows = await deps.db
    .select()
    .from(ranked)
    .where(lte(ranked.rank, limit))
    .orderBy(asc(ranked.workflowId), asc(ranked.rank));
  const byWorkflow = new Map<string, ExecutionRow[]>();
  for (const { rank: _rank, ...row } of rows) {
    const list = byWorkflow.get(row.workflowId) ?? [];
    list.push(row);
    byWorkflow.set(row.workflowId, list);
  }
  return workflowIds.map((workflowId) => byWorkflow.get(workflowId) ?? []);
}

/** A request for one page of one workflow's executions, as a DataLoader key. */
export interface WorkflowExecutionsKey extends ExecutionPage {
  workflowId: string;
}

export const workflowExecutionsKeyId = (key: WorkflowExecutionsKey) =>
  JSON.stringify([key.workflowId, key.first ?? null, key.after ?? null]);

/**
 * Answers a batch of page requests with one query per distinct page; a bad page argument fails
 * only the requests that carry it.
 */
export async function listExecutionPages(
  deps: ExecutionDeps,
  tenantId: string,
  keys: readonly WorkflowExecutionsKey[],
): Promise<Array<ExecutionRow[] | Error>> {
  const results: Array<ExecutionRow[] | Error> = keys.map(() => []);
  for (const { page, requests } of groupByPage(keys)) {
    try {
      const pages = await listExecutionsOfWorkflows(
        deps,
        tenantId,
        requests.map((request) => request.workflowId),
        page,
      );
      requests.forEach((request, position) => (results[request.index] = pages[position] ?? []));
    } catch (error) {
      const failure = error instanceof Error ? error : new Error(String(error));
      for (const request of requests) results[request.index] = failure;
    }
  }
  return results;
}

/** The keys that ask for the same page, together, each with its position in the batch. */
export function groupByPage(keys: readonly WorkflowExecutionsKey[]) {
  const groups = new Map<string, { page: ExecutionPage; requests: Array<{ index: number; workflowId: string }> }>();
  keys.forEach((key, index) => {
    const page = { first: key.first ?? null, after: key.after ?? null };
    const id = JSON.stringify([page.first, page.after]);
    const group = groups.get(id) ?? { page, requests: [] };
    group.requests.push({ index, workflowId: key.workflowId });
    groups.set(id, group);
  });
  return [...groups.values()];
}

export const executionCursor = (row: ExecutionRow) => encodeCursor({ createdAt: row.createdAt, id: row.id });

export interface ExecutionFilter {
  workflowId?: string | null;
  decision?: string | null;
  methodUsed?: (typeof judgmentMethods)[number] | null;
  from?: Date | null;
  to?: Date | null;
}

/** The tenant's executions, newest first, filtered. */
export async function listExecutions(
  deps: ExecutionDeps,
  tenantId: string,
  query: { filter?: ExecutionFilter | null; first?: number | null; after?: string | null },
): Promise<ExecutionRow[]> {
  const limit = pageSize(query.first);
  const filter = query.filter ?? {};
  if (filter.workflowId != null && !isUuid(filter.workflowId)) return [];
  const conditions: Array<SQL | undefined> = [
    eq(judgmentExecutions.tenantId, tenantId),
    afterCursor(judgmentExecutions, decodeCursor(query.after), 'desc'),
    filter.workflowId != null ? eq(judgmentExecutions.workflowId, filter.workflowId) : undefined,
    filter.decision != null ? eq(judgmentExecutions.decision, filter.decision) : undefined,
    filter.methodUsed != null ? eq(judgmentExecutions.methodUsed, filter.methodUsed) : undefined,
    filter.from ? gte(judgmentExecutions.createdAt, filter.from) : undefined,
    filter.to ? lte(judgmentExecutions.createdAt, filter.to) : undefined,
  ];
  return deps.db
    .select()
    .from(judgmentExecutions)
    .where(and(...conditions))
    .orderBy(desc(judgmentExecutions.createdAt), desc(judgmentExecutions.id))
    .limit(limit);
}
