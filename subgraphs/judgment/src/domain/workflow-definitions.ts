import { AppError } from '@judgify/runtime/errors';
import type { EventEnvelope } from '@judgify/runtime/events';
import { handleOnce, type InboxTable } from '@judgify/runtime/inbox';
import { isUuid } from '@judgify/runtime/validation';
import type { VersionFence } from '@judgify/runtime/version-fence';
import type { WorkflowDefinition } from '@judgify/workflow-definition/definition';
import { and, eq, lt, sql } from 'drizzle-orm';
import { LRUCache } from 'lru-cache';
import { z } from 'zod';
import { workflowDefinitions, workflowVersions, type WorkflowDefinitionRow } from '../db/schema.ts';
import type { ExecutionDeps } from './execution.ts';

/** The name the workflow subgraph announces its versions under in the version fence. */
export const WORKFLOW_FENCE = 'workflow';

export interface WorkflowReadModelDeps extends ExecutionDeps {
  inbox: InboxTable;
  fence: VersionFence;
  /** Wakes judgments in this process waiting for a workflow's newer version. */
  versionArrived: VersionArrivals;
  /** The read model's rows as this process last read them; see WorkflowDefinitionCache. */
  definitions: WorkflowDefinitionCache;
  /** How long a judgment waits for a version the fence announced before it gives up. */
  syncTimeoutMs: number;
}

/** Judgments waiting in this process for a workflow's read model to move on; a replica that applies the event wakes its own. */
export class VersionArrivals {
  private readonly waiting = new Map<string, Set<() => void>>();

  /** Resolves when `notify(id)` is called, or after `ms` (the caller looks again either way). */
  next(id: string, ms: number): Promise<void> {
    return new Promise((resolve) => {
      const wake = () => {
        clearTimeout(timer);
        this.waiting.get(id)?.delete(wake);
        resolve();
      };
      const timer = setTimeout(wake, ms);
      this.waiting.set(id, (this.waiting.get(id) ?? new Set()).add(wake));
    });
  }

  notify(id: string): void {
    for (const wake of [...(this.waiting.get(id) ?? [])]) wake();
    if (!this.waiting.get(id)?.size) this.waiting.delete(id);
  }
}

/** How long a cached row is trusted when the version fence says nothing (Redis unreachable, or no write for a day). */
export const FENCELESS_TRUST_MS = 1_000;
/** No row is kept longer than this, far below the fence's own life (a day), so a row can never outlive the fence of a later write. */
const MAX_AGE_MS = 10 * 60_000;

interface CachedRow {
  row: WorkflowDefinitionRow;
  readAt: number;
}

/**
 * The workflow read model as this process last read it from its table, so a judgment costs no
 * SELECT. It is exact by construction, not by timing:
 * - a cached row is used only when it is at least the version the workflow subgraph announced
 *   in the version fence (raised before any write answers, so a judgment never runs an older
 *   version than one its caller may have seen); behind the fence, the table is read again, and
 *   waited on as before. Only when the fence says nothing is a row trusted, and then for at
 *   most FENCELESS_TRUST_MS;
 * - a workflow.* event applied by this process evicts the workflow's row as its transaction
 *   starts and again once it has committed, which also throws away every read still under way
 *   (`epoch`): a slow read that saw the old row can never put it back;
 * - a workflow.* event reaches one replica only (one consumer group per service): the other
 *   replicas' rows fall behind the fence at the same write, which sends them to the table.
 * Versions pinned by `workflowVersion` never change once received, so they are kept as read.
 */
export class WorkflowDefinitionCache {
  private readonly current = new LRUCache<string, CachedRow>({ max: 10_000, ttl: MAX_AGE_MS });
  private readonly pinned = new LRUCache<string, { definition: unknown }>({ max: 10_000 });
  private epoch = 0;

  constructor(private readonly now: () => number = Date.now) {}

  /** The row to run, if the cache can vouch for it: `announced` is the fence's version (undefined when it says nothing). */
  fresh(tenantId: string, id: string, announced: number | undefined): WorkflowDefinitionRow | undefined {
    const cached = this.current.get(`${tenantId}:${id}`);
    if (!cached) return undefined;
    const trusted = announced === undefined ? this.now() - cached.readAt < FENCELESS_TRUST_MS : cached.row.version >= announced;
    return trusted ? cached.row : undefined;
  }

  /** Whether a row is cached at all, fresh or not. */
  holds(tenantId: string, id: string): boolean {
    return this.current.has(`${tenantId}:${id}`);
  }

  /** Reads through `read` (the table) and keeps what it found, unless an event was applied meanwhile. */
  async read(tenantId: string, id: string, read: () => Promise<WorkflowDefinitionRow | undefined>): Promise<WorkflowDefinitionRow | undefined> {
    const epoch = this.epoch;
    const readAt = this.now();
    const row = await read();
    if (row) this.keep(`${tenantId}:${id}`, row, epoch, readAt);
    return row;
  }

  /** Forgets the workflow's row, and drops every read still under way when it answers. */
  evict(tenantId: string, id: string): void {
    this.epoch++;
    this.current.delete(`${tenantId}:${id}`);
  }

  pinnedDefinition(tenantId: string, id: string, version: number): unknown {
    return this.pinned.get(`${tenantId}:${id}:${version}`)?.definition;
  }

  keepPinned(tenantId: string, id: string, version: number, definition: unknown): void {
    this.pinned.set(`${tenantId}:${id}:${version}`, { definition });
  }

  private keep(key: string, row: WorkflowDefinitionRow, epoch: number, readAt: number): void {
    if (epoch !== this.epoch) return;
    const held = this.current.get(key);
    if (held && held.row.version > row.version) return;
    this.current.set(key, { row, readAt });
  }
}

/** The workflow.* event data this subgraph relies on (the workflow subgraph sends the whole state). */
const workflowState = z.object({
  workflowId: z.string().refine(isUuid),
  version: z.number().int().min(1),
  name: z.string(),
  definition: z.unknown(),
  isActive: z.boolean(),
  deleted: z.boolean(),
});

/**
 * Keeps the read model current from a workflow.* event, once per eventId (the inbox), and
 * order-proof: the current row only ever moves to a higher version, and every version's
 * definition is kept for judgments pinned to it. An event of one tenant can never touch another
 * tenant's workflow.
 */
export async function applyWorkflowEvent(deps: WorkflowReadModelDeps, event: EventEnvelope): Promise<void> {
  const state = workflowState.safeParse(event.data);
  if (!state.success) throw new Error(`${event.eventType} ${event.eventId} carries no workflow state: ${state.error.message}`);
  const row = {
    id: state.data.workflowId,
    tenantId: event.tenantId,
    version: state.data.version,
    name: state.data.name,
    definition: state.data.definition,
    isActive: state.data.isActive,
    deleted: state.data.deleted,
    receivedAt: new Date(),
  };
  await handleOnce(deps.db, deps.inbox, event, async (tx) => {
    // Out of the cache before the commit (no judgment here uses the row about to change) and after
    // it (what was read in between, possibly the old row, is dropped).
    deps.definitions.evict(row.tenantId, row.id);
    await tx
      .insert(workflowDefinitions)
      .values(row)
      .onConflictDoUpdate({
        target: workflowDefinitions.id,
        set: {
          version: row.version,
          name: row.name,
          definition: sql`excluded.definition`,
          isActive: row.isActive,
          deleted: row.deleted,
          receivedAt: row.receivedAt,
        },
        where: and(eq(workflowDefinitions.tenantId, row.tenantId), lt(workflowDefinitions.version, row.version)),
      });
    const [current] = await tx.select({ tenantId: workflowDefinitions.tenantId }).from(workflowDefinitions).where(eq(workflowDefinitions.id, row.id));
    if (current?.tenantId !== row.tenantId || row.deleted) return;
    await tx
      .insert(workflowVersions)
      .values({ workflowId: row.id, version: row.version, tenantId: row.tenantId, definition: row.definition })
      .onConflictDoNothing();
  });
  deps.definitions.evict(row.tenantId, row.id);
  deps.versionArrived.notify(row.id);
}

export interface RunnableWorkflow {
  id: string;
  version: number;
  definition: WorkflowDefinition;
}

const preparedReads = new WeakMap<object, ReturnType<typeof prepareReads>>();

/** The read model's hot reads, as named prepared statements (parsed and planned once per connection). */
function prepareReads(db: ExecutionDeps['db']) {
  return {
    current: db
      .select()
      .from(workflowDefinitions)
      .where(and(eq(workflowDefinitions.id, sql.placeholder('id')), eq(workflowDefinitions.tenantId, sql.placeholder('tenantId'))))
      .prepare('judgment_workflow_definition'),
    version: db
      .select({ definition: workflowVersions.definition })
      .from(workflowVersions)
      .where(
        and(
          eq(workflowVersions.workflowId, sql.placeholder('id')),
          eq(workflowVersions.version, sql.placeholder('version')),
          eq(workflowVersions.tenantId, sql.placeholder('tenantId')),
        ),
      )
      .prepare('judgment_workflow_version'),
  };
}

const readsOf = (db: ExecutionDeps['db']) => {
  let reads = preparedReads.get(db);
  if (!reads) {
    reads = prepareReads(db);
    preparedReads.set(db, reads);
  }
  return reads;
};

/** The workflow's row in the read model table (not the cache), kept in the cache for the next judgment. */
const currentRow = (deps: WorkflowReadModelDeps, tenantId: string, id: string): Promise<WorkflowDefinitionRow | undefined> =>
  deps.definitions.read(tenantId, id, async () => (await readsOf(deps.db).current.execute({ id, tenantId }))[0]);

const POLL_MS = 25;

/**
 * Waits until this subgraph has received version `needed` of the workflow (its event may be
 * applied by any replica), at most `syncTimeoutMs`; then a clear error, never a run on an
 * older version than one the caller may have seen.
 */
async function atLeastVersion(deps: WorkflowReadModelDeps, tenantId: string, id: string, needed: number, held: WorkflowDefinitionRow | undefined) {
  const deadline = Date.now() + deps.syncTimeoutMs;
  let row = held;
  while ((row?.version ?? 0) < needed) {
    if (Date.now() >= deadline) {
      throw new AppError(
        'WORKFLOW_VERSION_PENDING',
        `Workflow "${id}" is at version ${needed}, but that version has not reached the judgment service within ${deps.syncTimeoutMs} ms (it has ${row ? `version ${row.version}` : 'none yet'}). Nothing was run; retry shortly.`,
        { id, expectedVersion: needed, availableVersion: row?.version ?? null, retryAfterSeconds: 1 },
      );
    }
    await deps.versionArrived.next(id, POLL_MS);
    row = await currentRow(deps, tenantId, id);
  }
  return row!;
}

/**
 * The workflow to run: the newest version the workflow subgraph has announced (read-your-writes:
 * a judgment right after an update runs on it), or exactly `pinnedVersion`. NOT_FOUND if unknown
 * or deleted in the caller's tenant, refused if inactive.
 */
export async function findRunnableWorkflow(deps: WorkflowReadModelDeps, tenantId: string, id: string, pinnedVersion?: number | null): Promise<RunnableWorkflow> {
  const notFound = () =>
    new AppError('NOT_FOUND', `There is no workflow with id "${id}" in your tenant (it may have been deleted).`, { id });
  if (!isUuid(id)) throw notFound();
  if (pinnedVersion != null && (!Number.isInteger(pinnedVersion) || pinnedVersion < 1)) {
    throw new AppError('BAD_USER_INPUT', `"workflowVersion" must be 1 or more; got ${pinnedVersion}.`, { field: 'workflowVersion' });
  }
  // With a cached row, the fence alone says whether it will do; without one, both are read at once.
  let held: WorkflowDefinitionRow | undefined;
  let announced: number | undefined;
  if (deps.definitions.holds(tenantId, id)) {
    announced = await deps.fence.latest(WORKFLOW_FENCE, tenantId, id);
    held = deps.definitions.fresh(tenantId, id, announced) ?? (await currentRow(deps, tenantId, id));
  } else {
    [held, announced] = await Promise.all([currentRow(deps, tenantId, id), deps.fence.latest(WORKFLOW_FENCE, tenantId, id)]);
  }
  if (pinnedVersion != null && announced !== undefined && pinnedVersion > announced) {
    throw new AppError('NOT_FOUND', `Workflow "${id}" has no version ${pinnedVersion}: its latest is ${announced}.`, { id, currentVersion: announced });
  }
  const needed = Math.max(announced ?? 0, pinnedVersion ?? 0);
  const row = needed > (held?.version ?? 0) ? await atLeastVersion(deps, tenantId, id, needed, held) : held;
  if (!row || row.deleted) throw notFound();
  if (!row.isActive) {
    throw new AppError('CONFLICT', `Workflow "${row.name}" (${id}) is inactive; reactivate it to run judgments.`, { id, currentVersion: row.version });
  }
  if (pinnedVersion == null || pinnedVersion === row.version) return { id: row.id, version: row.version, definition: row.definition as WorkflowDefinition };
  let definition = deps.definitions.pinnedDefinition(tenantId, id, pinnedVersion);
  if (definition === undefined) {
    [{ definition } = { definition: undefined }] = await readsOf(deps.db).version.execute({ id, version: pinnedVersion, tenantId });
    if (definition !== undefined) deps.definitions.keepPinned(tenantId, id, pinnedVersion, definition);
  }
  if (definition === undefined) {
    throw new AppError('NOT_FOUND', `Version ${pinnedVersion} of workflow "${id}" is not available to the judgment service (it keeps the versions it has received; the latest is ${row.version}).`, {
      id,
      currentVersion: row.version,
    });
  }
  return { id: row.id, version: pinnedVersion, definition: definition as WorkflowDefinition };
}
