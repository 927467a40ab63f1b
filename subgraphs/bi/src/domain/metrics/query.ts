import type { Database } from '@judgify/runtime/database';
import { AppError } from '@judgify/runtime/errors';
import { isUuid } from '@judgify/runtime/validation';
import { and, eq, gte, lt, type SQL } from 'drizzle-orm';
import * as tables from '../../db/schema.ts';
import { deliveryBuckets, feedbackBuckets, judgmentBuckets, type BucketSize, type Tally } from '../../db/schema.ts';
import { BUCKET_MS, BUCKET_SIZES, bucketStartOf, RETENTION_MS } from './buckets.ts';
import { addTallies, quantileOf } from './histogram.ts';
import { defaultPoint, MAX_POINTS, pointStarts, resolveRange, sourceFor, type RangeInput, type ResolvedRange } from './ranges.ts';

export interface MetricsDeps {
  db: Database<typeof tables>;
}

export interface MetricsFilter extends RangeInput {
  workflowId?: string | null;
  /** The requested judgment method; feedback and deliveries have none and are not narrowed by it. */
  method?: string | null;
}

/** Sums over a set of buckets: what every figure of a point or a summary is read from. */
export interface Totals {
  count: number;
  succeeded: number;
  failed: number;
  durationSumMs: number;
  durationCells: Tally;
  confidenceSum: number;
  confidenceCount: number;
  decisions: Tally;
  methodsUsed: Tally;
  judged: number;
  correct: number;
  deliveriesSucceeded: number;
  deliveriesFailed: number;
  deliveryAttempts: number;
  deliveryKinds: Tally;
}

const emptyTotals = (): Totals => ({
  count: 0,
  succeeded: 0,
  failed: 0,
  durationSumMs: 0,
  durationCells: {},
  confidenceSum: 0,
  confidenceCount: 0,
  decisions: {},
  methodsUsed: {},
  judged: 0,
  correct: 0,
  deliveriesSucceeded: 0,
  deliveriesFailed: 0,
  deliveryAttempts: 0,
  deliveryKinds: {},
});

const ratio = (part: number, whole: number) => (whole > 0 ? part / whole : null);

export interface Share {
  key: string;
  count: number;
  share: number;
}

const sharesOf = (tally: Tally): Share[] => {
  const total = Object.values(tally).reduce((sum, count) => sum + count, 0);
  return Object.entries(tally)
    .filter(([, count]) => count > 0)
    .map(([key, count]) => ({ key, count, share: count / total }))
    .sort((a, b) => b.count - a.count || a.key.localeCompare(b.key));
};

/** The figures of a set of buckets; rates and averages are null where there is nothing to divide. */
export function figuresOf(totals: Totals) {
  return {
    count: totals.count,
    succeeded: totals.succeeded,
    failed: totals.failed,
    successRate: ratio(totals.succeeded, totals.count),
    failureRate: ratio(totals.failed, totals.count),
    averageDurationMs: totals.count ? totals.durationSumMs / totals.count : null,
    p95DurationMs: quantileOf(totals.durationCells, 0.95),
    averageConfidence: totals.confidenceCount ? totals.confidenceSum / totals.confidenceCount : null,
    decisions: sharesOf(totals.decisions),
    methodsUsed: sharesOf(totals.methodsUsed),
    feedbackCount: totals.judged,
    feedbackCorrect: totals.correct,
    feedbackAccuracy: ratio(totals.correct, totals.judged),
    deliveries: {
      succeeded: totals.deliveriesSucceeded,
      failed: totals.deliveriesFailed,
      attempts: totals.deliveryAttempts,
      successRate: ratio(totals.deliveriesSucceeded, totals.deliveriesSucceeded + totals.deliveriesFailed),
      kinds: sharesOf(totals.deliveryKinds),
    },
  };
}

export type Figures = ReturnType<typeof figuresOf>;

interface BucketRows {
  judgments: Array<typeof judgmentBuckets.$inferSelect>;
  feedback: Array<typeof feedbackBuckets.$inferSelect>;
  deliveries: Array<typeof deliveryBuckets.$inferSelect>;
}

function checkedWorkflowId(filter: MetricsFilter, prefix: string): string | null {
  if (filter.workflowId == null) return null;
  if (!isUuid(filter.workflowId)) throw new AppError('BAD_USER_INPUT', `workflowId "${filter.workflowId}" is not a workflow id (a UUID).`, { field: `${prefix}.workflowId` });
  return filter.workflowId;
}

async function readBuckets(deps: MetricsDeps, tenantId: string, filter: MetricsFilter, range: ResolvedRange, size: BucketSize, prefix: string): Promise<BucketRows> {
  const workflowId = checkedWorkflowId(filter, prefix);
  const from = bucketStartOf(range.from, size);
  const within = (table: typeof judgmentBuckets | typeof feedbackBuckets | typeof deliveryBuckets, extra: Array<SQL | undefined> = []) =>
    and(eq(table.tenantId, tenantId), eq(table.size, size), gte(table.bucketStart, from), lt(table.bucketStart, range.to), workflowId ? eq(table.workflowId, workflowId) : undefined, ...extra);
  const [judgments, feedback, deliveries] = await Promise.all([
    deps.db.select().from(judgmentBuckets).where(within(judgmentBuckets, [filter.method ? eq(judgmentBuckets.method, filter.method) : undefined])),
    deps.db.select().from(feedbackBuckets).where(within(feedbackBuckets)),
    deps.db.select().from(deliveryBuckets).where(within(deliveryBuckets)),
  ]);
  return { judgments, feedback, deliveries };
}

function addJudgments(totals: Totals, row: BucketRows['judgments'][number]): void {
  totals.count += row.count;
  totals.succeeded += row.succeeded;
  totals.failed += row.failed;
  totals.durationSumMs += row.durationSumMs;
  addTallies(totals.durationCells, row.durationCells);
  totals.confidenceSum += row.confidenceSum;
  totals.confidenceCount += row.confidenceCount;
  addTallies(totals.decisions, row.decisions);
  addTallies(totals.methodsUsed, row.methodsUsed);
}

function addFeedback(totals: Totals, row: BucketRows['feedback'][number]): void {
  totals.judged += row.judged;
  totals.correct += row.correct;
}

function addDeliveries(totals: Totals, row: BucketRows['deliveries'][number]): void {
  totals.deliveriesSucceeded += row.succeeded;
  totals.deliveriesFailed += row.failed;
  totals.deliveryAttempts += row.attempts;
  addTallies(totals.deliveryKinds, row.kinds);
}

/** Adds every row to the totals `slotOf` picks for it (none: outside). */
function accumulate(rows: BucketRows, slotOf: (row: { bucketStart: Date; workflowId: string; method?: string }) => Totals | undefined): void {
  for (const row of rows.judgments) {
    const slot = slotOf(row);
    if (slot) addJudgments(slot, row);
  }
  for (const row of rows.feedback) {
    const slot = slotOf(row);
    if (slot) addFeedback(slot, row);
  }
  for (const row of rows.deliveries) {
    const slot = slotOf(row);
    if (slot) addDeliveries(slot, row);
  }
}

export interface MetricsSeries {
  from: Date;
  to: Date;
  timeZone: string;
  bucket: BucketSize;
  /** The stored bucket size the series was read from. */
  source: BucketSize;
  warnings: string[];
  points: Array<Figures & { start: Date; end: Date }>;
}

/** A series over the range, one point per bucket (empty buckets included, with zero counts). */
export async function judgmentMetrics(deps: MetricsDeps, tenantId: string, filter: MetricsFilter & { bucket?: BucketSize | null }, now = new Date()): Promise<MetricsSeries> {
  const range = resolveRange(filter, now, 'filter');
  const bucket = filter.bucket ?? defaultPoint(range);
  const source = sourceFor(range, bucket, now);
  const starts = pointStarts(range, bucket);
  if (starts.length > MAX_POINTS) {
    throw new AppError('BAD_USER_INPUT', `That is ${starts.length} ${bucket} points; a series has at most ${MAX_POINTS}: choose a coarser bucket or a shorter range.`, { field: 'filter.bucket' });
  }
  const rows = await readBuckets(deps, tenantId, filter, range, source.size, 'filter');
  const slots = starts.map(() => emptyTotals());
  const rangeEnd = range.to.getTime();
  const slotIndexOf = (at: number): number => {
    let low = 0;
    let high = starts.length - 1;
    if (high < 0 || at < starts[0]!.getTime() || at >= rangeEnd) return -1;
    while (low < high) {
      const middle = (low + high + 1) >> 1;
      if (starts[middle]!.getTime() <= at) low = middle;
      else high = middle - 1;
    }
    return low;
  };
  accumulate(rows, (row) => slots[slotIndexOf(row.bucketStart.getTime())]);
  return {
    from: range.from,
    to: range.to,
    timeZone: range.timeZone,
    bucket,
    source: source.size,
    warnings: source.warnings,
    points: starts.map((start, index) => ({
      start,
      end: starts[index + 1] ?? new Date(Math.min(start.getTime() + (bucket === 'DAY' ? BUCKET_MS.DAY : BUCKET_MS[bucket]), rangeEnd)),
      ...figuresOf(slots[index]!),
    })),
  };
}

export interface MetricsSummary {
  from: Date;
  to: Date;
  timeZone: string;
  source: BucketSize;
  totals: Figures;
  byMethod: Array<Figures & { method: string }>;
  byWorkflow: Array<Figures & { workflowId: string }>;
}

/**
 * Totals over the range, and per requested method and per workflow. Read from the finest bucket
 * size kept back to the range's start, so a range's ends are exact to 5 minutes within a week.
 */
export async function judgmentStats(deps: MetricsDeps, tenantId: string, filter: MetricsFilter, now = new Date(), prefix = 'filter'): Promise<MetricsSummary> {
  const range = resolveRange(filter, now, prefix);
  const size = BUCKET_SIZES.find((candidate) => now.getTime() - RETENTION_MS[candidate] <= range.from.getTime()) ?? 'DAY';
  const rows = await readBuckets(deps, tenantId, filter, range, size, prefix);
  const totals = emptyTotals();
  const byMethod = new Map<string, Totals>();
  const byWorkflow = new Map<string, Totals>();
  const slotIn = (map: Map<string, Totals>, key: string) => map.get(key) ?? map.set(key, emptyTotals()).get(key)!;
  accumulate(rows, () => totals);
  accumulate({ ...rows, feedback: [], deliveries: [] }, (row) => slotIn(byMethod, row.method!));
  accumulate(rows, (row) => slotIn(byWorkflow, row.workflowId));
  const busiestFirst = <T extends { count: number }>(list: T[]) => list.sort((a, b) => b.count - a.count);
  return {
    from: range.from,
    to: range.to,
    timeZone: range.timeZone,
    source: size,
    totals: figuresOf(totals),
    byMethod: busiestFirst([...byMethod].map(([method, slot]) => ({ method, ...figuresOf(slot) }))),
    byWorkflow: busiestFirst([...byWorkflow].map(([workflowId, slot]) => ({ workflowId, ...figuresOf(slot) }))),
  };
}
