import type { Database } from '@judgify/runtime/database';
import { AppError } from '@judgify/runtime/errors';
import type { EventEnvelope } from '@judgify/runtime/events';
import { handleOnce } from '@judgify/runtime/inbox';
import type { Logger } from '@judgify/runtime/logger';
import { afterCursor, decodeCursor, encodeCursor, pageSize } from '@judgify/runtime/pagination';
import type { DelegatedRequest, SupergraphClient } from '@judgify/runtime/supergraph-client';
import { isUuid } from '@judgify/runtime/validation';
import { and, desc, eq, gte, isNotNull, sql, type SQL } from 'drizzle-orm';
import { z } from 'zod';
import * as tables from '../db/schema.ts';
import { executions, inbox, type ExecutionRow } from '../db/schema.ts';
import { LEARNING_EXECUTION } from '../operations.ts';

export interface SampleDeps {
  db: Database<typeof tables>;
  supergraph: SupergraphClient;
  logger: Logger;
}

const completedJudgment = z.object({
  executionId: z.string().refine(isUuid),
  workflowId: z.string().refine(isUuid),
  workflowVersion: z.number().int().min(1),
  decision: z.string(),
  methodUsed: z.string(),
  confidence: z.number(),
  inputData: z.record(z.string(), z.unknown()),
  createdAt: z.string(),
});

/**
 * judgment.completed: what learning needs of an execution, once per eventId. Background work:
 * the row belongs to the event's tenant, and an execution already known is left as it is (the
 * first writer wins: an execution never changes).
 */
export async function recordExecutionEvent(deps: SampleDeps, event: EventEnvelope): Promise<void> {
  const parsed = completedJudgment.safeParse(event.data);
  if (!parsed.success) {
    deps.logger.error({ eventId: event.eventId, problems: parsed.error.issues.map((issue) => `${issue.path.join('.')}: ${issue.message}`) }, 'judgment.completed is malformed; not kept');
    return;
  }
  const data = parsed.data;
  await handleOnce(deps.db, inbox, event, async (tx) => {
    await tx
      .insert(executions)
      .values({
        id: data.executionId,
        tenantId: event.tenantId,
        workflowId: data.workflowId,
        workflowVersion: data.workflowVersion,
        inputData: data.inputData,
        decision: data.decision,
        methodUsed: data.methodUsed,
        confidence: data.confidence,
        judgedAt: new Date(data.createdAt),
      })
      .onConflictDoNothing();
  });
}

/**
 * The execution feedback is about, in the caller's tenant: from the read model, or — when its
 * event has not arrived yet — from the judgment subgraph, asked through the supergraph as the
 * user giving feedback, so the user's own tenant and roles decide whether it exists.
 */
export async function executionForFeedback(deps: SampleDeps, on: DelegatedRequest, tenantId: string, executionId: string): Promise<ExecutionRow> {
  const notFound = () =>
    new AppError('NOT_FOUND', `There is no judgment execution with id "${executionId}" in your tenant: feedback is about a judgment that was made.`, { field: 'input.executionId' });
  if (!isUuid(executionId)) throw notFound();
  const [known] = await deps.db.select().from(executions).where(and(eq(executions.id, executionId), eq(executions.tenantId, tenantId)));
  if (known) return known;
  // Without a user request to ask as (background work), only what learning has heard of exists.
  if (!on.delegation) throw notFound();
  const result = await deps.supergraph.execute<{ judgmentExecution: null | { id: string; workflow: { id: string }; workflowVersion: number; inputData: Record<string, unknown>; decision: string; methodUsed: string; confidence: number; createdAt: string } }>(
    on,
    LEARNING_EXECUTION,
    { variables: { id: executionId }, operationName: 'LearningExecution' },
  );
  // A failed lookup is not an absent execution: it is said as what it is.
  if (result.errors?.length) throw new AppError('DOWNSTREAM_SERVICE_ERROR', `The judgment could not be looked up: ${result.errors[0]!.message}`);
  const execution = result.data?.judgmentExecution;
  if (!execution) throw notFound();
  const [row] = await deps.db
    .insert(executions)
    .values({
      id: execution.id,
      tenantId,
      workflowId: execution.workflow.id,
      workflowVersion: execution.workflowVersion,
      inputData: execution.inputData,
      decision: execution.decision,
      methodUsed: execution.methodUsed,
      confidence: execution.confidence,
      judgedAt: new Date(execution.createdAt),
    })
    .onConflictDoNothing()
    .returning();
  const [stored] = row ? [row] : await deps.db.select().from(executions).where(and(eq(executions.id, execution.id), eq(executions.tenantId, tenantId)));
  if (!stored) throw notFound();
  return stored;
}

export interface SampleFilter {
  label?: string | null;
  /** Only samples whose judgment was wrong (INCORRECT), or right (CORRECT). */
  verdict?: 'CORRECT' | 'INCORRECT' | null;
  workflowVersion?: number | null;
}

/** A workflow's labelled samples, newest label first. */
export async function listSamples(deps: Pick<SampleDeps, 'db'>, tenantId: string, query: { workflowId: string; filter?: SampleFilter | null; first?: number | null; after?: string | null }): Promise<ExecutionRow[]> {
  if (!isUuid(query.workflowId)) return [];
  const filter = query.filter ?? {};
  const conditions: Array<SQL | undefined> = [
    eq(executions.tenantId, tenantId),
    eq(executions.workflowId, query.workflowId),
    isNotNull(executions.label),
    afterCursor({ createdAt: executions.labelledAt, id: executions.id }, decodeCursor(query.after), 'desc'),
    filter.label != null ? eq(executions.label, filter.label) : undefined,
    filter.verdict != null ? eq(executions.verdict, filter.verdict) : undefined,
    filter.workflowVersion != null ? eq(executions.workflowVersion, filter.workflowVersion) : undefined,
  ];
  return deps.db.select().from(executions).where(and(...conditions)).orderBy(desc(executions.labelledAt), desc(executions.id)).limit(pageSize(query.first));
}

export const sampleCursor = (row: ExecutionRow) => encodeCursor({ createdAt: row.labelledAt ?? row.judgedAt, id: row.id });

export interface LearningSummary {
  labelledCount: number;
  labelMix: Array<{ label: string; count: number }>;
  /** Correct ÷ judged, over feedback on judgments of this version; null without any. */
  currentVersionAccuracy: number | null;
  currentVersionFeedbackCount: number;
  /** Judgments found wrong in the last seven days. */
  recentWrongCount: number;
}

const RECENT_MS = 7 * 24 * 3600_000;

export async function learningSummaries(deps: Pick<SampleDeps, 'db'>, tenantId: string, keys: ReadonlyArray<{ workflowId: string; version: number }>): Promise<LearningSummary[]> {
  return Promise.all(
    keys.map(async ({ workflowId, version }) => {
      if (!isUuid(workflowId)) return { labelledCount: 0, labelMix: [], currentVersionAccuracy: null, currentVersionFeedbackCount: 0, recentWrongCount: 0 };
      const labelled = and(eq(executions.tenantId, tenantId), eq(executions.workflowId, workflowId), isNotNull(executions.label));
      const [mix, [current], [recent]] = await Promise.all([
        deps.db.select({ label: executions.label, count: sql<number>`count(*)::int` }).from(executions).where(labelled).groupBy(executions.label).orderBy(desc(sql`count(*)`), executions.label),
        deps.db
          .select({ judged: sql<number>`count(*)::int`, correct: sql<number>`count(*) filter (where ${executions.verdict} = 'CORRECT')::int` })
          .from(executions)
          .where(and(labelled, eq(executions.workflowVersion, version))),
        deps.db
          .select({ wrong: sql<number>`count(*)::int` })
          .from(executions)
          .where(and(labelled, eq(executions.verdict, 'INCORRECT'), gte(executions.labelledAt, new Date(Date.now() - RECENT_MS)))),
      ]);
      const labelMix = mix.map((row) => ({ label: row.label!, count: Number(row.count) }));
      const judged = Number(current?.judged ?? 0);
      return {
        labelledCount: labelMix.reduce((sum, entry) => sum + entry.count, 0),
        labelMix,
        currentVersionAccuracy: judged ? Number(current!.correct) / judged : null,
        currentVersionFeedbackCount: judged,
        recentWrongCount: Number(recent?.wrong ?? 0),
      };
    }),
  );
}
