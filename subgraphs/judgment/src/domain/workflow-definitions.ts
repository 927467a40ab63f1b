import { AppError } from '@judgify/runtime/errors';
import type { EventEnvelope } from '@judgify/runtime/events';
import { handleOnce, type InboxTable } from '@judgify/runtime/inbox';
import { isUuid } from '@judgify/runtime/validation';
import type { VersionFence } from '@judgify/runtime/version-fence';
import type { WorkflowDefinition } from '@judgify/workflow-definition/definition';
import { and, eq, lt, sql } from 'drizzle-orm';
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
  deps.versionArrived.notify(row.id);
}

export interface RunnableWorkflow {
  id: string;
  version: number;
  definition: WorkflowDefinition;
}

const currentRow = async (deps: ExecutionDeps, tenantId: string, id: string): Promise<WorkflowDefinitionRow | undefined> =>
  (await deps.db.select().from(workflowDefinitions).where(and(eq(workflowDefinitions.id, id), eq(workflowDefinitions.tenantId, tenantId))))[0];

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
  const [held, announced] = await Promise.all([currentRow(deps, tenantId, id), deps.fence.latest(WORKFLOW_FENCE, tenantId, id)]);
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
  const [pinned] = await deps.db
    .select({ definition: workflowVersions.definition })
    .from(workflowVersions)
    .where(and(eq(workflowVersions.workflowId, id), eq(workflowVersions.version, pinnedVersion), eq(workflowVersions.tenantId, tenantId)));
  if (!pinned) {
    throw new AppError('NOT_FOUND', `Version ${pinnedVersion} of workflow "${id}" is not available to the judgment service (it keeps the versions it has received; the latest is ${row.version}).`, {
      id,
      currentVersion: row.version,
    });
  }
  return { id: row.id, version: pinnedVersion, definition: pinned.definition as WorkflowDefinition };
}
