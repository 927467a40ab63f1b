import type { Database } from '@judgify/runtime/database';
import { createEvent } from '@judgify/runtime/events';
import type { Identity } from '@judgify/runtime/identity';
import { enqueueEvents } from '@judgify/runtime/outbox';
import type { DelegatedRequest } from '@judgify/runtime/supergraph-client';
import { afterCursor, decodeCursor, encodeCursor, inIdOrder, pageSize } from '@judgify/runtime/pagination';
import { isUuid, validateInput } from '@judgify/runtime/validation';
import { and, desc, eq, inArray } from 'drizzle-orm';
import { z } from 'zod';
import * as tables from '../db/schema.ts';
import { executions, feedback, feedbackVerdicts, outbox, type FeedbackRow } from '../db/schema.ts';
import { widenSampleSpace, type FewShotDeps } from './few-shot.ts';
import { executionForFeedback, type SampleDeps } from './samples.ts';

export interface FeedbackDeps extends SampleDeps, FewShotDeps {
  db: Database<typeof tables>;
  /** Called after a commit that queued events. */
  eventsCommitted(): void;
}

/** Blank text is treated as absent, so a cleared form field never counts as an answer. */
const optionalText = (max: number, field: string) =>
  z
    .string()
    .trim()
    .max(max, `${field} must be at most ${max} characters`)
    .nullish()
    .transform((value) => value || null);

export const recordFeedbackInput = z
  .object({
    executionId: z.coerce.string().refine(isUuid, 'executionId must be the id (a UUID) of a judgment execution'),
    verdict: z.enum(feedbackVerdicts, { error: 'verdict must be CORRECT or INCORRECT' }),
    correctDecision: optionalText(200, 'correctDecision'),
    comment: optionalText(1000, 'comment'),
  })
  .superRefine((input, context) => {
    if (input.verdict === 'INCORRECT' && !input.correctDecision) {
      context.addIssue({
        code: 'custom',
        path: ['correctDecision'],
        message: 'correctDecision is required when the verdict is INCORRECT: give the decision the judgment should have made',
      });
    }
    if (input.verdict === 'CORRECT' && input.correctDecision) {
      context.addIssue({
        code: 'custom',
        path: ['correctDecision'],
        message: 'correctDecision is only for INCORRECT verdicts; leave it out when the verdict is CORRECT',
      });
    }
  });

/** As received from GraphQL, before validation. */
export interface RecordFeedbackInput {
  executionId: string | number;
  verdict: string;
  correctDecision?: string | null;
  comment?: string | null;
}

/**
 * Stores a verdict on an execution of the actor's tenant and makes the execution a labelled
 * sample: CORRECT takes the judged decision as its label, INCORRECT the given one. Later feedback
 * supersedes earlier (which stays, listed), and feedback.recorded goes out through the outbox.
 */
export async function recordFeedback(deps: FeedbackDeps, on: DelegatedRequest, actor: Identity, input: RecordFeedbackInput): Promise<FeedbackRow> {
  const valid = validateInput(recordFeedbackInput, input);
  const execution = await executionForFeedback(deps, on, actor.tenantId, valid.executionId);
  const label = valid.verdict === 'CORRECT' ? execution.decision : valid.correctDecision!;
  const row = await deps.db.transaction(async (tx) => {
    const [stored] = await tx
      .insert(feedback)
      .values({ ...valid, tenantId: actor.tenantId, createdBy: actor.userId, updatedBy: actor.userId })
      .returning();
    if (!stored) throw new Error('insert returned no row');
    const [previous] = await tx
      .select({ feedbackId: executions.feedbackId })
      .from(executions)
      .where(eq(executions.id, execution.id))
      .for('update');
    await tx
      .update(executions)
      .set({ label, verdict: valid.verdict, feedbackId: stored.id, labelledAt: stored.createdAt })
      .where(eq(executions.id, execution.id));
    await widenSampleSpace(tx, actor.tenantId, execution.workflowId, execution.inputData);
    await enqueueEvents(tx, outbox, [
      createEvent({
        eventType: 'feedback.recorded',
        source: 'learning',
        tenantId: actor.tenantId,
        correlationId: on.requestId,
        data: {
          feedbackId: stored.id,
          executionId: execution.id,
          workflowId: execution.workflowId,
          workflowVersion: execution.workflowVersion,
          verdict: valid.verdict,
          decision: execution.decision,
          correctDecision: valid.correctDecision,
          label,
          supersedes: previous?.feedbackId ?? null,
          recordedBy: actor.userId,
          recordedAt: stored.createdAt.toISOString(),
        },
      }),
    ]);
    return stored;
  });
  deps.eventsCommitted();
  return row;
}

const newestFirst = [desc(feedback.createdAt), desc(feedback.id)];

/** Loads feedback of one tenant by id, in the order asked, null where none is visible. */
export async function findFeedback(deps: FeedbackDeps, tenantId: string, ids: readonly string[]): Promise<Array<FeedbackRow | null>> {
  const wellFormed = ids.filter(isUuid);
  const rows = wellFormed.length
    ? await deps.db.select().from(feedback).where(and(eq(feedback.tenantId, tenantId), inArray(feedback.id, wellFormed)))
    : [];
  return inIdOrder(ids, rows);
}

/** All feedback on each of a batch of executions of one tenant, newest first, in one query. */
export async function feedbackOfExecutions(deps: FeedbackDeps, tenantId: string, executionIds: readonly string[]): Promise<FeedbackRow[][]> {
  const wellFormed = [...new Set(executionIds.filter(isUuid))];
  const rows = wellFormed.length
    ? await deps.db
        .select()
        .from(feedback)
        .where(and(eq(feedback.tenantId, tenantId), inArray(feedback.executionId, wellFormed)))
        .orderBy(...newestFirst)
    : [];
  const byExecution = new Map<string, FeedbackRow[]>();
  for (const row of rows) byExecution.set(row.executionId, [...(byExecution.get(row.executionId) ?? []), row]);
  return executionIds.map((executionId) => byExecution.get(executionId) ?? []);
}

export async function listFeedback(
  deps: FeedbackDeps,
  tenantId: string,
  query: { executionId?: string | null; first?: number | null; after?: string | null },
): Promise<FeedbackRow[]> {
  const limit = pageSize(query.first);
  const cursor = decodeCursor(query.after);
  if (query.executionId != null && !isUuid(query.executionId)) return [];
  return deps.db
    .select()
    .from(feedback)
    .where(
      and(
        eq(feedback.tenantId, tenantId),
        query.executionId != null ? eq(feedback.executionId, query.executionId) : undefined,
        afterCursor(feedback, cursor, 'desc'),
      ),
    )
    .orderBy(...newestFirst)
    .limit(limit);
}

export const feedbackCursor = (row: FeedbackRow) => encodeCursor({ createdAt: row.createdAt, id: row.id });
