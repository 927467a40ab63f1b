import type { Database } from '@judgify/runtime/database';
import { AppError } from '@judgify/runtime/errors';
import type { EventEnvelope } from '@judgify/runtime/events';
import type { Identity } from '@judgify/runtime/identity';
import type { Logger } from '@judgify/runtime/logger';
import type { LRUCache } from 'lru-cache';
import { handleOnce } from '@judgify/runtime/inbox';
import { afterCursor, decodeCursor, encodeCursor, inIdOrder, pageSize } from '@judgify/runtime/pagination';
import { isUuid } from '@judgify/runtime/validation';
import type { ActionNode, WorkflowDefinition } from '@judgify/workflow-definition/definition';
import { and, arrayContains, asc, desc, eq, gte, inArray, isNull, lte, or, type SQL } from 'drizzle-orm';
import { z } from 'zod';
import * as tables from '../db/schema.ts';
import { actionAttempts, actionRuns, eventSubscriptions, inbox, type ActionAttemptRow, type ActionRunRow, type ActionRunStatus, type WorkflowRow } from '../db/schema.ts';
import { actionTargetsNamed } from './action-targets.ts';
import { defaultNotificationPayload, defaultWebhookPayload, renderTemplate, type TemplateContext } from './payload-template.ts';
import { snapshotsAt } from './workflow-history.ts';
import { currentTraceparent } from '@judgify/runtime/tracing';

export interface ActionRunDeps {
  db: Database<typeof tables>;
  logger: Logger;
  /** Workflow versions already replayed: a version never changes, and every judgment of it needs its definition. */
  versions: LRUCache<string, { value: WorkflowRow | null }>;
  /** Tells the delivery worker there is work: new runs, or a retried one. */
  wakeDelivery(): void;
}

type Transaction = Parameters<Parameters<ActionRunDeps['db']['transaction']>[0]>[0];

/** The judgment.completed data this consumer relies on. */
const completedJudgment = z.object({
  executionId: z.string().refine(isUuid),
  workflowId: z.string().refine(isUuid),
  workflowVersion: z.number().int().min(1),
  decision: z.string(),
  confidence: z.number(),
  explanation: z.string().default(''),
  actions: z.array(z.object({ nodeId: z.string(), action: z.string(), url: z.string().optional() })).default([]),
  inputData: z.record(z.string(), z.unknown()).default({}),
  createdAt: z.string(),
});

/** A platform event as partners receive it: a CloudEvents 1.0 JSON envelope. */
export function cloudEventOf(event: EventEnvelope): Record<string, unknown> {
  const data = (event.data ?? {}) as { workflowId?: unknown };
  return {
    specversion: '1.0',
    id: event.eventId,
    source: `urn:judgify:${event.source}`,
    type: `judgify.${event.eventType}`,
    time: event.occurredAt,
    datacontenttype: 'application/json',
    ...(typeof data.workflowId === 'string' ? { subject: `workflow/${data.workflowId}` } : {}),
    judgifytenant: event.tenantId,
    judgifycorrelationid: event.correlationId,
    data: event.data,
  };
}

/** One run per partner subscription of the tenant that wants this event (of this workflow, when it says). */
export async function subscriptionRuns(tx: Transaction, event: EventEnvelope): Promise<Array<typeof actionRuns.$inferInsert>> {
  const workflowId = (event.data as { workflowId?: unknown } | null)?.workflowId;
  const subscribed = await tx
    .select()
    .from(eventSubscriptions)
    .where(
      and(
        eq(eventSubscriptions.tenantId, event.tenantId),
        isNull(eventSubscriptions.deletedAt),
        arrayContains(eventSubscriptions.eventTypes, [event.eventType as tables.PartnerEventType]),
        typeof workflowId === 'string' && isUuid(workflowId) ? or(isNull(eventSubscriptions.workflowId), eq(eventSubscriptions.workflowId, workflowId)) : isNull(eventSubscriptions.workflowId),
      ),
    );
  return subscribed.map((subscription) => ({
    tenantId: event.tenantId,
    idempotencyKey: `${event.eventId}:${subscription.id}`,
    kind: 'webhook' as const,
    subscriptionId: subscription.id,
    eventId: event.eventId,
    eventType: event.eventType,
    workflowId: typeof workflowId === 'string' && isUuid(workflowId) ? workflowId : null,
    payload: cloudEventOf(event),
    updatedBy: '@platform',
  }));
}

/** The run an action node the judgment passed gets: its target (by name) or inline URL, and its rendered payload. */
function nodeRun(
  node: ActionNode | undefined,
  triggered: { nodeId: string; action: string; url?: string },
  context: TemplateContext,
  targets: Map<string, tables.ActionTargetRow>,
  tenantId: string,
): typeof actionRuns.$inferInsert {
  const target = node?.target ? targets.get(node.target) : undefined;
  const kind = (target?.kind ?? node?.action ?? triggered.action) as tables.ActionRunRow['kind'];
  const rendered =
    node?.payloadTemplate !== undefined
      ? renderTemplate(node.payloadTemplate, context)
      : { payload: kind === 'notification' ? defaultNotificationPayload(context) : defaultWebhookPayload(context), missing: [] };
  // A target deleted since the definition was saved: the run is kept, failed, and says why.
  const lost = node?.target && !target ? `the action target "${node.target}" no longer exists in your tenant` : undefined;
  return {
    tenantId,
    idempotencyKey: `${context.execution.executionId}:${triggered.nodeId}`,
    kind,
    targetId: target?.id ?? null,
    url: target ? null : (node?.url ?? triggered.url ?? null),
    executionId: context.execution.executionId,
    workflowId: context.execution.workflowId,
    workflowVersion: context.execution.workflowVersion,
    nodeId: triggered.nodeId,
    payload: rendered.payload ?? null,
    missingPlaceholders: rendered.missing,
    ...(lost ? { status: 'FAILED' as const, lastError: lost, finishedAt: new Date() } : {}),
    updatedBy: '@platform',
  };
}

/**
 * judgment.completed: one run per action node the judgment passed (its idempotency key is the
 * execution and the node) and one per partner subscription that wants the event, created once per
 * eventId — and, by the key, once per execution and node even if the event is published again
 * under another id. Background work: it acts in the event's tenant only.
 */
export async function planRunsForJudgment(deps: ActionRunDeps, event: EventEnvelope): Promise<void> {
  const judged = completedJudgment.safeParse(event.data);
  if (!judged.success) {
    // Retrying cannot mend it: say so once and move on, rather than block the stream behind it.
    deps.logger.error({ eventId: event.eventId, problems: judged.error.issues.map((issue) => `${issue.path.join('.')}: ${issue.message}`) }, 'judgment.completed is malformed; no action runs made');
    return;
  }
  const { data } = judged;
  const created = await handleOnce(deps.db, inbox, event, async (tx) => {
    const rows = await subscriptionRuns(tx, event);
    if (data.actions.length) {
      const versionKey = `${event.tenantId}:${data.workflowId}:${data.workflowVersion}`;
      let held = deps.versions.get(versionKey);
      if (!held) {
        held = { value: (await snapshotsAt({ db: tx }, event.tenantId, [{ workflowId: data.workflowId, version: data.workflowVersion }]))[0] ?? null };
        if (held.value) deps.versions.set(versionKey, held);
      }
      const workflow = held.value;
      const definition = workflow?.definition as WorkflowDefinition | undefined;
      const nodes = new Map((definition?.nodes ?? []).flatMap((node) => (node.type === 'action' ? [[node.id, node] as const] : [])));
      const targets = await actionTargetsNamed(tx, event.tenantId, [...nodes.values()].flatMap((node) => (node.target ? [node.target] : [])));
      const context: TemplateContext = {
        execution: {
          executionId: data.executionId,
          workflowId: data.workflowId,
          workflowName: workflow?.name ?? '',
          workflowVersion: data.workflowVersion,
          decision: data.decision,
          confidence: data.confidence,
          explanation: data.explanation,
          occurredAt: data.createdAt,
        },
        input: data.inputData,
      };
      for (const triggered of data.actions) rows.push(nodeRun(nodes.get(triggered.nodeId), triggered, context, targets, event.tenantId));
    }
    if (rows.length) await tx.insert(actionRuns).values(inThisTrace(rows)).onConflictDoNothing({ target: actionRuns.idempotencyKey });
  });
  if (created) deps.wakeDelivery();
}

/** Runs planned while handling an event carry its trace on to their deliveries. */
export function inThisTrace<TRow extends object>(rows: TRow[]): Array<TRow & { traceparent: string | null }> {
  const traceparent = currentTraceparent() ?? null;
  return rows.map((row) => ({ ...row, traceparent }));
}

/** Any other event partners may subscribe to: one run per subscription that wants it. */
export async function planRunsForEvent(deps: ActionRunDeps, event: EventEnvelope): Promise<void> {
  const created = await handleOnce(deps.db, inbox, event, async (tx) => {
    const rows = await subscriptionRuns(tx, event);
    if (rows.length) await tx.insert(actionRuns).values(inThisTrace(rows)).onConflictDoNothing({ target: actionRuns.idempotencyKey });
  });
  if (created) deps.wakeDelivery();
}

const visibleTo = (tenantId: string) => eq(actionRuns.tenantId, tenantId);
const notFound = (id: string) => new AppError('NOT_FOUND', `There is no action run with id "${id}" in your tenant.`, { id });

export async function findActionRuns(deps: ActionRunDeps, tenantId: string, ids: readonly string[]): Promise<Array<ActionRunRow | null>> {
  const wellFormed = ids.filter(isUuid);
  const rows = wellFormed.length ? await deps.db.select().from(actionRuns).where(and(visibleTo(tenantId), inArray(actionRuns.id, wellFormed))) : [];
  return inIdOrder(ids, rows);
}

/** Runs of many executions at once, oldest first, for JudgmentExecution.actionRuns. */
export async function runsOfExecutions(deps: ActionRunDeps, tenantId: string, executionIds: readonly string[]): Promise<ActionRunRow[][]> {
  const wellFormed = [...new Set(executionIds.filter(isUuid))];
  const rows = wellFormed.length
    ? await deps.db.select().from(actionRuns).where(and(visibleTo(tenantId), inArray(actionRuns.executionId, wellFormed))).orderBy(asc(actionRuns.createdAt), asc(actionRuns.id))
    : [];
  return executionIds.map((executionId) => rows.filter((row) => row.executionId === executionId));
}

export async function attemptsOfRuns(deps: ActionRunDeps, tenantId: string, runIds: readonly string[]): Promise<ActionAttemptRow[][]> {
  const rows = runIds.length
    ? await deps.db
        .select()
        .from(actionAttempts)
        .where(and(eq(actionAttempts.tenantId, tenantId), inArray(actionAttempts.runId, [...runIds])))
        .orderBy(asc(actionAttempts.runId), asc(actionAttempts.number))
    : [];
  return runIds.map((runId) => rows.filter((row) => row.runId === runId));
}

export interface ActionRunFilter {
  status?: ActionRunStatus | null;
  targetId?: string | null;
  executionId?: string | null;
  from?: Date | null;
  to?: Date | null;
}

export async function listActionRuns(deps: ActionRunDeps, tenantId: string, query: { filter?: ActionRunFilter | null; first?: number | null; after?: string | null }): Promise<ActionRunRow[]> {
  const filter = query.filter ?? {};
  if (filter.from && filter.to && filter.from > filter.to) throw new AppError('BAD_USER_INPUT', '"filter.from" must not be after "filter.to".', { field: 'filter.from' });
  for (const field of ['targetId', 'executionId'] as const) if (filter[field] != null && !isUuid(filter[field]!)) return [];
  const conditions: Array<SQL | undefined> = [
    visibleTo(tenantId),
    afterCursor(actionRuns, decodeCursor(query.after), 'desc'),
    filter.status ? eq(actionRuns.status, filter.status) : undefined,
    filter.targetId ? eq(actionRuns.targetId, filter.targetId) : undefined,
    filter.executionId ? eq(actionRuns.executionId, filter.executionId) : undefined,
    filter.from ? gte(actionRuns.createdAt, filter.from) : undefined,
    filter.to ? lte(actionRuns.createdAt, filter.to) : undefined,
  ];
  return deps.db.select().from(actionRuns).where(and(...conditions)).orderBy(desc(actionRuns.createdAt), desc(actionRuns.id)).limit(pageSize(query.first));
}

export const actionRunCursor = (row: ActionRunRow) => encodeCursor({ createdAt: row.createdAt, id: row.id });

async function runOf(deps: ActionRunDeps, tenantId: string, id: string): Promise<ActionRunRow> {
  const [run] = isUuid(id) ? await deps.db.select().from(actionRuns).where(and(visibleTo(tenantId), eq(actionRuns.id, id))) : [];
  if (!run) throw notFound(id);
  return run;
}

const stateConflict = (run: ActionRunRow, wanted: string) =>
  new AppError(
    'CONFLICT',
    {
      SUCCEEDED: `Action run ${run.id} already succeeded (attempt ${run.attempts}); it is never sent again.`,
      CANCELLED: `Action run ${run.id} was cancelled; it is not sent again.`,
      PENDING: `Action run ${run.id} is still waiting for its next attempt; there is nothing to ${wanted}.`,
      DELIVERING: `Action run ${run.id} is being delivered right now; ${wanted === 'retry' ? 'there is nothing to retry' : 'cancel it once this attempt is over'}.`,
      FAILED: `Action run ${run.id} has failed for good.`,
    }[run.status],
    { status: run.status },
  );

/** A failed run is tried again, with a fresh retry schedule and the same idempotency key. */
export async function retryActionRun(deps: ActionRunDeps, actor: Identity, id: string): Promise<ActionRunRow> {
  const run = await runOf(deps, actor.tenantId, id);
  if (run.status !== 'FAILED') throw stateConflict(run, 'retry');
  const [retried] = await deps.db
    .update(actionRuns)
    .set({ status: 'PENDING', scheduleStart: run.attempts, nextAttemptAt: new Date(), finishedAt: null, updatedAt: new Date(), updatedBy: actor.userId })
    .where(and(eq(actionRuns.id, run.id), eq(actionRuns.status, 'FAILED')))
    .returning();
  if (!retried) throw stateConflict(await runOf(deps, actor.tenantId, id), 'retry');
  deps.wakeDelivery();
  return retried;
}

/** A waiting (or failed) run is not sent again. */
export async function cancelActionRun(deps: ActionRunDeps, actor: Identity, id: string): Promise<ActionRunRow> {
  const run = await runOf(deps, actor.tenantId, id);
  if (run.status !== 'PENDING' && run.status !== 'FAILED') throw stateConflict(run, 'cancel');
  const [cancelled] = await deps.db
    .update(actionRuns)
    .set({ status: 'CANCELLED', finishedAt: new Date(), updatedAt: new Date(), updatedBy: actor.userId })
    .where(and(eq(actionRuns.id, run.id), inArray(actionRuns.status, ['PENDING', 'FAILED'])))
    .returning();
  if (!cancelled) throw stateConflict(await runOf(deps, actor.tenantId, id), 'cancel');
  return cancelled;
}
