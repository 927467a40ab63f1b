import type { Database } from '@judgify/runtime/database';
import type { EventEnvelope } from '@judgify/runtime/events';
import { handleOnce } from '@judgify/runtime/inbox';
import type { Logger } from '@judgify/runtime/logger';
import { and, eq, sql } from 'drizzle-orm';
import type { PgColumn } from 'drizzle-orm/pg-core';
import { z } from 'zod';
import * as tables from '../../db/schema.ts';
import { deliveryBuckets, executionVerdicts, feedbackBuckets, inbox, judgmentBuckets, type Tally } from '../../db/schema.ts';
import { bucketsOf } from './buckets.ts';
import { addTallies, cellOf } from './histogram.ts';

export interface IngestDeps {
  db: Database<typeof tables>;
  logger: Logger;
  /** Told after an event's effect is committed: what kind of metric changed, and for which workflow. */
  changed(change: MetricsChange): void;
}

export type MetricsKind = 'judgment' | 'feedback' | 'delivery';

export interface MetricsChange {
  kind: MetricsKind;
  tenantId: string;
  workflowId: string;
  /** When the event happened, for the event-to-push latency. */
  occurredAt: string;
  /** The trace the change was folded in, when tracing is on: the push it causes joins it. */
  traceparent?: string;
}

const judgmentCompleted = z.object({
  workflowId: z.string().uuid(),
  status: z.enum(['SUCCEEDED', 'FAILED']),
  decision: z.string().nullish(),
  confidence: z.number().nullish(),
  method: z.string().min(1),
  methodUsed: z.string().nullish(),
  executionTimeMs: z.number().nonnegative(),
  createdAt: z.string().datetime({ offset: true }),
});

const feedbackRecorded = z.object({
  feedbackId: z.string().uuid(),
  executionId: z.string().uuid(),
  workflowId: z.string().uuid(),
  verdict: z.enum(['CORRECT', 'INCORRECT']),
  recordedAt: z.string().datetime({ offset: true }),
});

const actionExecuted = z.object({
  workflowId: z.string().uuid(),
  kind: z.string().min(1),
  status: z.enum(['SUCCEEDED', 'FAILED']),
  attempts: z.number().int().nonnegative(),
  finishedAt: z.string().datetime({ offset: true }),
});

/** `column + excluded.column`: what an upsert adds to a bucket. */
const plus = (column: PgColumn) => sql`${column} + excluded.${sql.identifier(column.name)}`;

/** Two tallies summed key by key, in SQL: the jsonb counterpart of `plus`. */
const tallyPlus = (column: PgColumn) => sql`(
  select coalesce(jsonb_object_agg(key, total), '{}'::jsonb)
  from (select key, sum(value::numeric) as total
        from (select * from jsonb_each_text(${column}) union all select * from jsonb_each_text(excluded.${sql.identifier(column.name)})) as cells
        group by key) as sums)`;

const one = (key: string | null | undefined): Tally => (key ? { [key]: 1 } : {});

function parsed<T>(deps: IngestDeps, schema: z.ZodType<T>, event: EventEnvelope): T | undefined {
  const result = schema.safeParse(event.data);
  if (result.success) return result.data;
  // Retrying a malformed event can never succeed: it is logged and left out of the metrics.
  deps.logger.error({ eventId: event.eventId, eventType: event.eventType, problems: result.error.issues.map((issue) => `${issue.path.join('.')}: ${issue.message}`) }, 'event is malformed; not counted');
  return undefined;
}

type JudgmentBucket = typeof judgmentBuckets.$inferInsert & { durationCells: Tally; decisions: Tally; methodsUsed: Tally };

/** What one judgment adds to each of its buckets. */
function judgmentDeltas(tenantId: string, data: z.infer<typeof judgmentCompleted>): JudgmentBucket[] {
  const succeeded = data.status === 'SUCCEEDED';
  const hasConfidence = succeeded && typeof data.confidence === 'number';
  return bucketsOf(new Date(data.createdAt)).map((bucket) => ({
    tenantId,
    workflowId: data.workflowId,
    method: data.method,
    ...bucket,
    count: 1,
    succeeded: succeeded ? 1 : 0,
    failed: succeeded ? 0 : 1,
    durationSumMs: data.executionTimeMs,
    durationCells: { [cellOf(data.executionTimeMs)]: 1 },
    confidenceSum: hasConfidence ? data.confidence! : 0,
    confidenceCount: hasConfidence ? 1 : 0,
    decisions: succeeded ? one(data.decision) : {},
    methodsUsed: one(data.methodUsed),
  }));
}

const bucketKey = (row: JudgmentBucket) => JSON.stringify([row.tenantId, row.size, row.bucketStart.getTime(), row.workflowId, row.method]);

/** Deltas of the same bucket summed into one row: one upsert statement may touch a row only once. */
function summed(deltas: JudgmentBucket[]): JudgmentBucket[] {
  const byKey = new Map<string, JudgmentBucket>();
  for (const delta of deltas) {
    const key = bucketKey(delta);
    const into = byKey.get(key);
    if (!into) {
      byKey.set(key, { ...delta, durationCells: { ...delta.durationCells }, decisions: { ...delta.decisions }, methodsUsed: { ...delta.methodsUsed } });
      continue;
    }
    into.count! += delta.count!;
    into.succeeded! += delta.succeeded!;
    into.failed! += delta.failed!;
    into.durationSumMs! += delta.durationSumMs!;
    into.confidenceSum! += delta.confidenceSum!;
    into.confidenceCount! += delta.confidenceCount!;
    addTallies(into.durationCells, delta.durationCells);
    addTallies(into.decisions, delta.decisions);
    addTallies(into.methodsUsed, delta.methodsUsed);
  }
  // In key order, so replicas upserting overlapping batches lock rows in the same order and never deadlock.
  return [...byKey.entries()].sort(([a], [b]) => (a < b ? -1 : 1)).map(([, row]) => row);
}

/**
 * Adds judgments to their 5-minute, hour and day buckets, once per eventId: a read's worth of
 * events in one transaction, their inbox rows and one upsert of the buckets they touch.
 */
export async function ingestJudgmentsCompleted(deps: IngestDeps, events: readonly EventEnvelope[]): Promise<void> {
  const valid = new Map<string, { event: EventEnvelope; data: z.infer<typeof judgmentCompleted> }>();
  for (const event of events) {
    const data = parsed(deps, judgmentCompleted, event);
    if (data) valid.set(event.eventId, { event, data });
  }
  if (!valid.size) return;
  const counted = await deps.db.transaction(async (tx) => {
    const fresh = await tx
      .insert(inbox)
      .values([...valid.values()].map(({ event }) => ({ eventId: event.eventId, eventType: event.eventType })))
      .onConflictDoNothing()
      .returning({ eventId: inbox.eventId });
    const freshEvents = fresh.map(({ eventId }) => valid.get(eventId)!);
    if (!freshEvents.length) return [];
    await tx
      .insert(judgmentBuckets)
      .values(summed(freshEvents.flatMap(({ event, data }) => judgmentDeltas(event.tenantId, data))))
      .onConflictDoUpdate({
        target: [judgmentBuckets.tenantId, judgmentBuckets.size, judgmentBuckets.bucketStart, judgmentBuckets.workflowId, judgmentBuckets.method],
        set: {
          count: plus(judgmentBuckets.count),
          succeeded: plus(judgmentBuckets.succeeded),
          failed: plus(judgmentBuckets.failed),
          durationSumMs: plus(judgmentBuckets.durationSumMs),
          durationCells: tallyPlus(judgmentBuckets.durationCells),
          confidenceSum: plus(judgmentBuckets.confidenceSum),
          confidenceCount: plus(judgmentBuckets.confidenceCount),
          decisions: tallyPlus(judgmentBuckets.decisions),
          methodsUsed: tallyPlus(judgmentBuckets.methodsUsed),
        },
      });
    return freshEvents;
  });
  // One notice per workflow changed, with its earliest event: what live dashboards time their pushes from.
  const earliest = new Map<string, MetricsChange>();
  for (const { event, data } of counted) {
    const key = `${event.tenantId}:${data.workflowId}`;
    const known = earliest.get(key);
    if (!known || event.occurredAt < known.occurredAt) earliest.set(key, { kind: 'judgment', tenantId: event.tenantId, workflowId: data.workflowId, occurredAt: event.occurredAt });
  }
  for (const change of earliest.values()) deps.changed(change);
}

export const ingestJudgmentCompleted = (deps: IngestDeps, event: EventEnvelope) => ingestJudgmentsCompleted(deps, [event]);

type Transaction = Parameters<Parameters<IngestDeps['db']['transaction']>[0]>[0];

async function addVerdict(tx: Transaction, tenantId: string, workflowId: string, recordedAt: Date, judged: number, correct: number): Promise<void> {
  await tx
    .insert(feedbackBuckets)
    .values(bucketsOf(recordedAt).map((bucket) => ({ tenantId, workflowId, ...bucket, judged, correct })))
    .onConflictDoUpdate({
      target: [feedbackBuckets.tenantId, feedbackBuckets.size, feedbackBuckets.bucketStart, feedbackBuckets.workflowId],
      set: { judged: plus(feedbackBuckets.judged), correct: plus(feedbackBuckets.correct) },
    });
}

/**
 * Counts each execution once, with its latest verdict: newer feedback moves the execution's count
 * from the old verdict's buckets to its own; feedback older than the kept verdict (arriving
 * late) changes nothing.
 */
export async function ingestFeedbackRecorded(deps: IngestDeps, event: EventEnvelope): Promise<void> {
  const data = parsed(deps, feedbackRecorded, event);
  if (!data) return;
  const recordedAt = new Date(data.recordedAt);
  const correct = data.verdict === 'CORRECT';
  let changed = false;
  await handleOnce(deps.db, inbox, event, async (tx) => {
    // Feedback on one execution is handled one at a time: two first verdicts at once would both count.
    await tx.execute(sql`select pg_advisory_xact_lock(hashtext(${`bi.verdict:${data.executionId}`}))`);
    const [kept] = await tx
      .select()
      .from(executionVerdicts)
      .where(and(eq(executionVerdicts.executionId, data.executionId), eq(executionVerdicts.tenantId, event.tenantId)))
      .for('update');
    const isNewer = !kept || kept.recordedAt.getTime() < recordedAt.getTime() || (kept.recordedAt.getTime() === recordedAt.getTime() && kept.feedbackId < data.feedbackId);
    if (!isNewer) return;
    if (kept) await addVerdict(tx, kept.tenantId, kept.workflowId, kept.recordedAt, -1, kept.correct ? -1 : 0);
    await addVerdict(tx, event.tenantId, data.workflowId, recordedAt, 1, correct ? 1 : 0);
    const verdict = { tenantId: event.tenantId, workflowId: data.workflowId, correct, recordedAt, feedbackId: data.feedbackId };
    await tx.insert(executionVerdicts).values({ executionId: data.executionId, ...verdict }).onConflictDoUpdate({ target: executionVerdicts.executionId, set: verdict });
    changed = true;
  });
  if (changed) deps.changed({ kind: 'feedback', tenantId: event.tenantId, workflowId: data.workflowId, occurredAt: event.occurredAt });
}

/** Adds a finished action delivery to its buckets, once per eventId. */
export async function ingestActionExecuted(deps: IngestDeps, event: EventEnvelope): Promise<void> {
  const data = parsed(deps, actionExecuted, event);
  if (!data) return;
  const succeeded = data.status === 'SUCCEEDED';
  const counted = await handleOnce(deps.db, inbox, event, async (tx) => {
    await tx
      .insert(deliveryBuckets)
      .values(
        bucketsOf(new Date(data.finishedAt)).map((bucket) => ({
          tenantId: event.tenantId,
          workflowId: data.workflowId,
          ...bucket,
          succeeded: succeeded ? 1 : 0,
          failed: succeeded ? 0 : 1,
          attempts: data.attempts,
          kinds: { [data.kind]: 1 },
        })),
      )
      .onConflictDoUpdate({
        target: [deliveryBuckets.tenantId, deliveryBuckets.size, deliveryBuckets.bucketStart, deliveryBuckets.workflowId],
        set: { succeeded: plus(deliveryBuckets.succeeded), failed: plus(deliveryBuckets.failed), attempts: plus(deliveryBuckets.attempts), kinds: tallyPlus(deliveryBuckets.kinds) },
      });
  });
  if (counted) deps.changed({ kind: 'delivery', tenantId: event.tenantId, workflowId: data.workflowId, occurredAt: event.occurredAt });
}

