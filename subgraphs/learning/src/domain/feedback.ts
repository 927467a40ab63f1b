import type { Database } from '@judgify/runtime/database';
import type { Identity } from '@judgify/runtime/identity';
import { afterCursor, decodeCursor, encodeCursor, inIdOrder, pageSize } from '@judgify/runtime/pagination';
import { isUuid, validateInput } from '@judgify/runtime/validation';
import { and, desc, eq, inArray } from 'drizzle-orm';
import { z } from 'zod';
import * as tables from '../db/schema.ts';
import { feedback, feedbackVerdicts, type FeedbackRow } from '../db/schema.ts';

export interface FeedbackDeps {
  db: Database<typeof tables>;
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
 * Stores a verdict on an execution for the actor's tenant. Whether the execution exists is not
 * checked here: executions live in the judgment subgraph, which this one never calls.
 */
export async function recordFeedback(deps: FeedbackDeps, actor: Identity, input: RecordFeedbackInput): Promise<FeedbackRow> {
  const valid = validateInput(recordFeedbackInput, input);
  const [row] = await deps.db
    .insert(feedback)
    .values({ ...valid, tenantId: actor.tenantId, createdBy: actor.userId, updatedBy: actor.userId })
    .returning();
  if (!row) throw new Error('insert returned no row');
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
