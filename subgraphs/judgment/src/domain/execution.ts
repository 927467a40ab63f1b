import { randomUUID } from 'node:crypto';
import { prepareStatement, type Database, type PreparedStatement } from '@judgify/runtime/database';
import type { EventEnvelope } from '@judgify/runtime/events';
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

type CheckedValues = z.output<typeof executionValues>;

const isFraction = (value: unknown): value is number => typeof value === 'number' && value >= 0 && value <= 1;
const isRecord = (value: unknown): value is Record<string, unknown> => {
  if (typeof value !== 'object' || value === null) return false;
  const prototype = Object.getPrototypeOf(value);
  return prototype === Object.prototype || prototype === null;
};
const isMethod = (value: unknown) => judgmentMethods.includes(value as never);

/** Whether a value is JSON as z.json() means it (finite numbers, plain objects), walked without recursion. */
function isJson(value: unknown): boolean {
  const stack: unknown[] = [value];
  while (stack.length) {
    const current = stack.pop();
    if (current === null || typeof current === 'string' || typeof current === 'boolean') continue;
    if (typeof current === 'number') {
      if (!Number.isFinite(current)) return false;
    } else if (Array.isArray(current)) {
      stack.push(...current);
    } else if (isRecord(current)) {
      stack.push(...Object.values(current));
    } else {
      return false;
    }
  }
  return true;
}

/**
 * `executionValues` checked by hand, as the engine's runs always pass it: the same rules, and
 * the same output (unknown keys dropped, lists defaulted), at a fraction of zod's cost on every
 * judgment. Undefined when anything is off: then zod checks it, and names every problem.
 */
function checkedQuickly(value: ExecutionValues): CheckedValues | undefined {
  const { path = [], nodeResults = [], actions = [] } = value;
  const valid =
    typeof value.workflowId === 'string' &&
    isUuid(value.workflowId) &&
    Number.isSafeInteger(value.workflowVersion) &&
    value.workflowVersion >= 1 &&
    executionStatuses.includes(value.status) &&
    typeof value.decision === 'string' &&
    value.decision.length > 0 &&
    isFraction(value.confidence) &&
    typeof value.explanation === 'string' &&
    isMethod(value.method) &&
    isMethod(value.methodUsed) &&
    typeof value.cached === 'boolean' &&
    isRecord(value.inputData) &&
    isJson(value.inputData) &&
    typeof value.executionTimeMs === 'number' &&
    Number.isFinite(value.executionTimeMs) &&
    value.executionTimeMs >= 0 &&
    Array.isArray(path) &&
    path.every((nodeId) => typeof nodeId === 'string') &&
    Array.isArray(nodeResults) &&
    nodeResults.every(
      (result) =>
        isRecord(result) &&
        typeof result.nodeId === 'string' &&
        (result.outcome === null || typeof result.outcome === 'string') &&
        isFraction(result.confidence) &&
        isMethod(result.methodUsed) &&
        typeof result.explanation === 'string',
    ) &&
    Array.isArray(actions) &&
    actions.every((action) => isRecord(action) && typeof action.nodeId === 'string' && typeof action.action === 'string' && (action.url === undefined || typeof action.url === 'string'));
  if (!valid) return undefined;
  return {
    workflowId: value.workflowId,
    workflowVersion: value.workflowVersion,
    status: value.status,
    decision: value.decision,
    confidence: value.confidence,
    explanation: value.explanation,
    method: value.method,
    methodUsed: value.methodUsed,
    cached: value.cached,
    inputData: value.inputData as CheckedValues['inputData'],
    executionTimeMs: value.executionTimeMs,
    path,
    nodeResults: nodeResults.map(({ nodeId, outcome, confidence, methodUsed, explanation }) => ({ nodeId, outcome, confidence, methodUsed, explanation })),
    actions: actions.map(({ nodeId, action, url }) => (url === undefined ? { nodeId, action } : { nodeId, action, url })),
  };
}

/** The values as they will be stored, or BAD_USER_INPUT naming every problem. */
export const checkExecutionValues = (value: ExecutionValues): CheckedValues => checkedQuickly(value) ?? validateInput(executionValues, value, 'execution');

/** The rows as stored, made here: ids and owners; the database gives each its createdAt. */
function newRows(actor: Identity, values: readonly ExecutionValues[]) {
  return values.map((value) => ({
    ...checkExecutionValues(value),
    id: randomUUID(),
    tenantId: actor.tenantId,
    createdBy: actor.userId,
    updatedBy: actor.userId,
  }));
}

/**
 * Stores finished judgments for the actor's tenant in one multi-row INSERT, each value checked
 * first, and returns the rows in the order given (ids are made here, so the order never rests
 * on the order RETURNING happens to use).
 */
export async function recordExecutions(db: ExecutionDeps['db'], actor: Identity, values: readonly ExecutionValues[]): Promise<ExecutionRow[]> {
  if (!values.length) return [];
  const rows = newRows(actor, values);
  const stored = new Map((await db.insert(judgmentExecutions).values(rows).returning()).map((row) => [row.id, row]));
  return rows.map((row) => {
    const found = stored.get(row.id);
    if (!found) throw new Error(`insert returned no row for execution ${row.id}`);
    return found;
  });
}

/** An execution about to be stored: everything but the times the database gives it. */
export type NewExecution = Omit<ExecutionRow, 'createdAt' | 'updatedAt'>;

/**
 * Executions and their events in ONE statement, so one round trip: the execution rows and, for
 * each, its outbox row (data-modifying CTEs run to completion whether read or not, and a
 * statement is atomic, so a row is stored if and only if its event is). The rows arrive as one
 * jsonb array, so the same prepared statement serves one judgment, a chunk of a batch, or
 * several of them at once (see ExecutionWriter), each row with its own tenant and author. The
 * outbox rows are inserted in array order, so their positions (the relay's publishing order)
 * follow it as they did with a multi-row INSERT, and each event's `data.createdAt` is stamped
 * with its row's created_at (the database clock, as before).
 */
const INSERT_EXECUTIONS_WITH_EVENTS = `
with input as (
  select * from rows from (jsonb_to_recordset($1::jsonb) as (
    id uuid, tenant_id text, created_by text, workflow_id uuid, workflow_version integer, status text, decision text,
    confidence double precision, explanation text, method text, method_used text, cached boolean,
    input_data jsonb, execution_time_ms double precision, path jsonb, node_results jsonb, actions jsonb, event jsonb
  )) with ordinality as input(
    id, tenant_id, created_by, workflow_id, workflow_version, status, decision, confidence, explanation, method, method_used, cached,
    input_data, execution_time_ms, path, node_results, actions, event, ord
  )
), stored as (
  insert into "judgment"."judgment_executions"
    ("id", "tenant_id", "created_by", "updated_by", "workflow_id", "workflow_version", "status", "decision", "confidence", "explanation",
     "method", "method_used", "cached", "input_data", "execution_time_ms", "path", "node_results", "actions")
  select id, tenant_id, created_by, created_by, workflow_id, workflow_version, status, decision, confidence, explanation,
    method, method_used, cached, input_data, execution_time_ms, path, node_results, actions
  from input
  returning "id", to_char("created_at" at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') as created_at
), events as (
  insert into "judgment"."outbox" ("event_id", "event_type", "tenant_id", "envelope")
  select (input.event->>'eventId')::uuid, input.event->>'eventType', input.tenant_id,
    jsonb_set(input.event, '{data,createdAt}', to_jsonb(stored.created_at))
  from input join stored on stored.id = input.id
  order by input.ord
)
select id, created_at from stored`;

type StoredTimes = Map<string, Date>;

interface PendingWrite {
  /** The write's rows as JSON array elements, without the brackets, so writes join by a comma. */
  json: string;
  rows: number;
  resolve(stored: StoredTimes): void;
  reject(error: unknown): void;
}

/**
 * Group commit for the judgments one process stores: writes that arrive while `maxInFlight`
 * statements are already running wait, and then go together, in arrival order, as ONE
 * statement: one round trip and one commit for all of them rather than one each. An idle
 * writer sends at once, so a lone judgment waits for nothing; the busier the service, the more
 * each statement carries (up to `maxRows`). Every write stays all or nothing: if a shared
 * statement fails, nothing of it was stored, and each write is tried again alone, so one
 * write's failure (a row the database refuses) is its own and never its neighbours'. (Traced, a
 * shared statement's span sits in the trace of the request that happened to send it.)
 */
export class ExecutionWriter {
  private readonly queue: PendingWrite[] = [];
  private inFlight = 0;

  constructor(
    private readonly insert: PreparedStatement<{ id: string; created_at: string }>,
    private readonly options: { maxInFlight: number; maxRows: number } = { maxInFlight: 4, maxRows: 1_000 },
  ) {}

  /** Stores the rows (JSON array elements) with their events; resolves with each row's createdAt by id. */
  write(json: string, rows: number): Promise<StoredTimes> {
    return new Promise((resolve, reject) => {
      this.queue.push({ json, rows, resolve, reject });
      this.drain();
    });
  }

  private drain(): void {
    while (this.queue.length && this.inFlight < this.options.maxInFlight) {
      const group = [this.queue.shift()!];
      let rows = group[0]!.rows;
      while (this.queue.length && rows + this.queue[0]!.rows <= this.options.maxRows) {
        const next = this.queue.shift()!;
        rows += next.rows;
        group.push(next);
      }
      this.inFlight++;
      void this.run(group).finally(() => {
        this.inFlight--;
        this.drain();
      });
    }
  }

  private async run(group: PendingWrite[]): Promise<void> {
    try {
      const stored = await this.statement(group.map((write) => write.json).join(','));
      for (const write of group) write.resolve(stored);
    } catch (error) {
      if (group.length === 1) return group[0]!.reject(error);
      // Nothing of the shared statement was stored: each write again, alone, with its own outcome.
      await Promise.all(
        group.map((write) =>
          this.statement(write.json).then(
            (stored) => write.resolve(stored),
            (alone: unknown) => write.reject(alone),
          ),
        ),
      );
    }
  }

  private async statement(elements: string): Promise<StoredTimes> {
    const rows = await this.insert([`[${elements}]`]);
    return new Map(rows.map((row) => [row.id, new Date(row.created_at)]));
  }
}

const writers = new WeakMap<object, ExecutionWriter>();

/** The process's writer for this database: every judgment it stores goes through it. */
function writerOf(db: ExecutionDeps['db']): ExecutionWriter {
  let writer = writers.get(db);
  if (!writer) {
    writer = new ExecutionWriter(prepareStatement(db, 'judgment_insert_executions_with_events', INSERT_EXECUTIONS_WITH_EVENTS));
    writers.set(db, writer);
  }
  return writer;
}

/**
 * Stores finished judgments for the actor's tenant with the event `eventOf` makes of each, in
 * one prepared statement (see INSERT_EXECUTIONS_WITH_EVENTS), possibly shared with other
 * judgments stored at the same moment (ExecutionWriter): all of them and their events, or
 * nothing. Each value is checked first; rows come back in the order given.
 */
export async function recordExecutionsWithEvents(
  db: ExecutionDeps['db'],
  actor: Identity,
  values: readonly ExecutionValues[],
  eventOf: (row: NewExecution) => EventEnvelope,
): Promise<ExecutionRow[]> {
  if (!values.length) return [];
  const rows: NewExecution[] = newRows(actor, values);
  const json = rows
    .map((row) =>
      JSON.stringify({
        id: row.id,
        tenant_id: row.tenantId,
        created_by: row.createdBy,
        workflow_id: row.workflowId,
        workflow_version: row.workflowVersion,
        status: row.status,
        decision: row.decision,
        confidence: row.confidence,
        explanation: row.explanation,
        method: row.method,
        method_used: row.methodUsed,
        cached: row.cached,
        input_data: row.inputData,
        execution_time_ms: row.executionTimeMs,
        path: row.path,
        node_results: row.nodeResults,
        actions: row.actions,
        event: eventOf(row),
      }),
    )
    .join(',');
  const stored = await writerOf(db).write(json, rows.length);
  return rows.map((row) => {
    const createdAt = stored.get(row.id);
    if (!createdAt) throw new Error(`insert returned no row for execution ${row.id}`);
    return { ...row, createdAt, updatedAt: createdAt };
  });
}

const preparedFinds = new WeakMap<object, ReturnType<typeof prepareFind>>();

/** Executions by id (entity references, judgmentExecution) as a named prepared statement: one text for any number of ids. */
const prepareFind = (db: ExecutionDeps['db']) =>
  db
    .select()
    .from(judgmentExecutions)
    .where(and(eq(judgmentExecutions.tenantId, sql.placeholder('tenantId')), sql`${judgmentExecutions.id} = any(${sql.placeholder('ids')}::uuid[])`))
    .prepare('judgment_find_executions');

/** Loads executions of one tenant by id, in the order asked, null where none is visible. */
export async function findExecutions(deps: ExecutionDeps, tenantId: string, ids: readonly string[]): Promise<Array<ExecutionRow | null>> {
  const wellFormed = ids.filter(isUuid);
  let find = preparedFinds.get(deps.db);
  if (!find) preparedFinds.set(deps.db, (find = prepareFind(deps.db)));
  const rows = wellFormed.length ? await find.execute({ tenantId, ids: wellFormed }) : [];
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
