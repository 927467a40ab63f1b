import { randomUUID } from 'node:crypto';
import { isDeepStrictEqual } from 'node:util';
import type { Database } from '@judgify/runtime/database';
import { AppError } from '@judgify/runtime/errors';
import { createEvent } from '@judgify/runtime/events';
import type { Identity } from '@judgify/runtime/identity';
import { enqueueEvents, type OutboxTable } from '@judgify/runtime/outbox';
import type { VersionFence } from '@judgify/runtime/version-fence';
import { afterCursorPlaceholders, decodeCursor, encodeCursor, inIdOrder, pageSize } from '@judgify/runtime/pagination';
import { isUuid } from '@judgify/runtime/validation';
import type { RuleChecker } from '@judgify/workflow-definition/validate';
import { and, desc, eq, ilike, isNull, sql } from 'drizzle-orm';
import * as tables from '../db/schema.ts';
import { workflowEvents, workflows, type WorkflowEventRow, type WorkflowRow } from '../db/schema.ts';
import type { WorkflowDefinition } from '@judgify/workflow-definition/definition';
import { checkActionTargets } from './action-targets.ts';
import { applyEvent, busEventTypes, type WorkflowContent, type WorkflowEventDraft } from './workflow-events.ts';
import { validateWorkflowInput, type WorkflowInput } from './workflow-input.ts';

export interface WorkflowDeps {
  db: Database<typeof tables>;
  outbox: OutboxTable;
  /** Called after a commit that queued events, so they are published without waiting for a poll. */
  eventsCommitted(): void;
  /** Tells live subscribers (every replica) that a workflow changed. */
  announce(workflow: WorkflowRow): void;
  /** Where the latest version is announced before a change answers, so readers elsewhere never run an older one. */
  fence: VersionFence;
  checkRule?: RuleChecker;
}

/** The fence's name for workflow versions; the judgment subgraph reads it under the same name. */
export const WORKFLOW_FENCE = 'workflow';

/** Who asks, and the request id their events carry as correlation id. */
export interface Actor {
  identity: Identity;
  correlationId: string;
}

const visibleTo = (tenantId: string) => and(eq(workflows.tenantId, tenantId), isNull(workflows.deletedAt));

const notFound = (id: string) =>
  new AppError('NOT_FOUND', `There is no workflow with id "${id}" in your tenant (it may have been deleted).`, { id });

const PG_UNIQUE_VIOLATION = '23505';
const isUniqueViolation = (error: unknown): boolean => {
  const cause = (error as { cause?: { code?: string } }).cause;
  return (error as { code?: string }).code === PG_UNIQUE_VIOLATION || cause?.code === PG_UNIQUE_VIOLATION;
};

type Transaction = Parameters<Parameters<WorkflowDeps['db']['transaction']>[0]>[0];

/** Stores an event, its projection and its bus message in one transaction. */
async function record(tx: Transaction, deps: WorkflowDeps, actor: Actor, current: WorkflowRow | undefined, aggregateId: string, draft: WorkflowEventDraft) {
  const [event] = await tx
    .insert(workflowEvents)
    .values({
      id: randomUUID(),
      tenantId: actor.identity.tenantId,
      aggregateId,
      version: (current?.version ?? 0) + 1,
      type: draft.type,
      payload: draft.payload,
      userId: actor.identity.userId,
      via: actor.identity.via ?? null,
      correlationId: actor.correlationId,
      occurredAt: new Date(),
    })
    .returning();
  if (!event) throw new Error('event insert returned no row');
  const next = applyEvent(current, event);
  if (current) await tx.update(workflows).set(next).where(eq(workflows.id, aggregateId));
  else await tx.insert(workflows).values(next);
  await enqueueEvents(tx, deps.outbox, [
    {
      ...createEvent({
        eventType: busEventTypes[event.type],
        source: 'workflow',
        tenantId: event.tenantId,
        correlationId: actor.correlationId,
        // The whole state rides along, so consumers keep read models by version, in any order.
        data: {
          workflowId: aggregateId,
          version: event.version,
          name: next.name,
          description: next.description,
          definition: next.definition,
          isActive: next.isActive,
          deleted: next.deletedAt !== null,
          changes: draft.payload,
        },
      }),
      eventId: event.id,
      occurredAt: event.occurredAt.toISOString(),
    },
  ]);
  return next;
}

export async function createWorkflow(deps: WorkflowDeps, actor: Actor, input: WorkflowInput): Promise<WorkflowRow> {
  const content = validateWorkflowInput(input, { partial: false, checkRule: deps.checkRule }) as WorkflowContent;
  await checkActionTargets(deps.db, actor.identity.tenantId, content.definition as WorkflowDefinition);
  const created = await deps.db.transaction((tx) =>
    record(tx, deps, actor, undefined, randomUUID(), {
      type: 'WorkflowCreated',
      payload: { name: content.name, description: content.description ?? null, definition: content.definition },
    }),
  );
  await committed(deps, created);
  return created;
}

/** After a commit: publish soon, raise the version fence (before answering), tell live subscribers. */
async function committed(deps: WorkflowDeps, workflow: WorkflowRow): Promise<void> {
  deps.eventsCommitted();
  await deps.fence.raise(WORKFLOW_FENCE, workflow.tenantId, workflow.id, workflow.version);
  deps.announce(workflow);
}

/**
 * Appends the event `decide` makes of the current state. With `expectedVersion`, a workflow that
 * has moved on fails with CONFLICT; without, the change applies to the latest version.
 */
async function change(
  deps: WorkflowDeps,
  actor: Actor,
  id: string,
  expectedVersion: number | null | undefined,
  decide: (current: WorkflowRow) => WorkflowEventDraft | null,
): Promise<WorkflowRow> {
  if (!isUuid(id)) throw notFound(id);
  let changed = false;
  let result: WorkflowRow;
  try {
    result = await deps.db.transaction(async (tx) => {
      const [current] = await tx.select().from(workflows).where(and(visibleTo(actor.identity.tenantId), eq(workflows.id, id))).for('update');
      if (!current) throw notFound(id);
      if (expectedVersion != null && expectedVersion !== current.version) {
        throw new AppError(
          'CONFLICT',
          `Workflow "${id}" is at version ${current.version}, not ${expectedVersion}: someone changed it since you read it. Reload it and apply your change to version ${current.version}.`,
          { currentVersion: current.version },
        );
      }
      const draft = decide(current);
      if (!draft) return current;
      changed = true;
      return record(tx, deps, actor, current, id, draft);
    });
  } catch (error) {
    if (!isUniqueViolation(error)) throw error;
    const [latest] = await deps.db.select({ version: workflows.version }).from(workflows).where(eq(workflows.id, id));
    throw new AppError('CONFLICT', `Workflow "${id}" was changed at the same moment; it is now at version ${latest?.version}. Try again.`, {
      currentVersion: latest?.version,
    });
  }
  if (changed) await committed(deps, result);
  return result;
}

export async function updateWorkflow(deps: WorkflowDeps, actor: Actor, id: string, input: WorkflowInput, expectedVersion?: number | null) {
  const content = validateWorkflowInput(input, { partial: true, checkRule: deps.checkRule });
  if (content.definition) await checkActionTargets(deps.db, actor.identity.tenantId, content.definition as WorkflowDefinition);
  return change(deps, actor, id, expectedVersion, (current) => {
    const changes = Object.fromEntries(
      Object.entries(content).filter(([field, value]) => !isDeepStrictEqual(value, current[field as keyof WorkflowContent])),
    );
    return Object.keys(changes).length ? { type: 'WorkflowUpdated', payload: changes } : null;
  });
}

export function setWorkflowActive(deps: WorkflowDeps, actor: Actor, id: string, active: boolean, expectedVersion?: number | null) {
  return change(deps, actor, id, expectedVersion, (current) => {
    if (current.isActive === active) {
      throw new AppError('CONFLICT', `Workflow "${id}" is already ${active ? 'active' : 'inactive'}.`, { currentVersion: current.version });
    }
    return { type: active ? 'WorkflowReactivated' : 'WorkflowDeactivated', payload: {} };
  });
}

export async function deleteWorkflow(deps: WorkflowDeps, actor: Actor, id: string, expectedVersion?: number | null): Promise<boolean> {
  await change(deps, actor, id, expectedVersion, () => ({ type: 'WorkflowDeleted', payload: {} }));
  return true;
}

/** Which optional conditions a page of `workflows` has; each shape is a statement of its own, so none plans worse for the others. */
interface PageShape {
  after: boolean;
  nameContains: boolean;
  isActive: boolean;
}

/**
 * The hot reads as prepared statements, built once per database rather than on every call. On
 * PostgreSQL each is a named statement, parsed once per pooled connection; PGlite runs the same
 * text unnamed. Every one is scoped by its `tenantId` placeholder and hides deleted workflows.
 */
function prepareReads(db: WorkflowDeps['db']) {
  const visible = and(eq(workflows.tenantId, sql.placeholder('tenantId')), isNull(workflows.deletedAt));
  const preparePage = (shape: PageShape, name: string) =>
    db
      .select()
      .from(workflows)
      .where(
        and(
          visible,
          shape.after ? afterCursorPlaceholders(workflows, 'desc') : undefined,
          shape.nameContains ? ilike(workflows.name, sql.placeholder('namePattern')) : undefined,
          shape.isActive ? eq(workflows.isActive, sql.placeholder('isActive')) : undefined,
        ),
      )
      .orderBy(desc(workflows.createdAt), desc(workflows.id))
      .limit(sql.placeholder('limit'))
      .prepare(name);
  const pages = new Map<string, ReturnType<typeof preparePage>>();
  return {
    byIds: db
      .select()
      .from(workflows)
      .where(and(visible, sql`${workflows.id} = any(${sql.placeholder('ids')}::uuid[])`))
      .prepare('workflow_find_by_ids'),
    page(shape: PageShape) {
      const name = `workflow_page_${Number(shape.after)}${Number(shape.nameContains)}${Number(shape.isActive)}`;
      let statement = pages.get(name);
      if (!statement) pages.set(name, (statement = preparePage(shape, name)));
      return statement;
    },
  };
}

const readsByDatabase = new WeakMap<WorkflowDeps['db'], ReturnType<typeof prepareReads>>();
function readsOf(db: WorkflowDeps['db']) {
  let reads = readsByDatabase.get(db);
  if (!reads) readsByDatabase.set(db, (reads = prepareReads(db)));
  return reads;
}

/** Loads workflows of one tenant by id, in the order asked, null where none is visible. */
export async function findWorkflows(deps: WorkflowDeps, tenantId: string, ids: readonly string[]): Promise<Array<WorkflowRow | null>> {
  const wellFormed = ids.filter(isUuid);
  const rows = wellFormed.length ? await readsOf(deps.db).byIds.execute({ tenantId, ids: wellFormed }) : [];
  return inIdOrder(ids, rows);
}

export interface WorkflowFilter {
  nameContains?: string | null;
  isActive?: boolean | null;
}

const escapeLike = (text: string) => text.replace(/[\\%_]/g, (character) => `\\${character}`);

export async function listWorkflows(
  deps: WorkflowDeps,
  tenantId: string,
  page: { first?: number | null; after?: string | null; filter?: WorkflowFilter | null },
): Promise<WorkflowRow[]> {
  const limit = pageSize(page.first);
  const cursor = decodeCursor(page.after);
  const nameContains = page.filter?.nameContains;
  const isActive = page.filter?.isActive;
  const statement = readsOf(deps.db).page({ after: cursor !== undefined, nameContains: Boolean(nameContains), isActive: isActive != null });
  return statement.execute({
    tenantId,
    limit,
    afterCreatedAt: cursor?.createdAt.toISOString(),
    afterId: cursor?.id,
    namePattern: nameContains ? `%${escapeLike(nameContains)}%` : undefined,
    isActive,
  });
}

export const workflowCursor = (row: WorkflowRow) => encodeCursor(row);
export type { WorkflowEventRow };
