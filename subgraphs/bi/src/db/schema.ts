import { ownedRowColumns, softDeleteColumns, timestampMs } from '@judgify/runtime/columns';
import { inboxTable } from '@judgify/runtime/inbox';
import { outboxTable } from '@judgify/runtime/outbox';
import { boolean, doublePrecision, index, integer, jsonb, pgSchema, primaryKey, text, uuid } from 'drizzle-orm/pg-core';

export const biSchema = pgSchema('bi');

export const chartTypes = ['BAR', 'LINE', 'PIE', 'GAUGE', 'KPI'] as const;
export type ChartType = (typeof chartTypes)[number];

/** How a view is drawn: the chart kind and an optional Vega-Lite (or equivalent) spec. */
export interface StoredChart {
  type: ChartType;
  spec?: Record<string, unknown> | null;
}

/** One element of `dashboards.views`, as validated on write (see domain/views/check-view.ts). */
export interface StoredDashboardView {
  id: string;
  title: string;
  query: string;
  variables?: Record<string, unknown> | null;
  /** Where in the query's result the chart's rows are. */
  dataPath?: string | null;
  chart: StoredChart;
}

export const dashboards = biSchema.table(
  'dashboards',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    name: text('name').notNull(),
    description: text('description'),
    views: jsonb('views').$type<StoredDashboardView[]>().notNull(),
    ...ownedRowColumns(),
    ...softDeleteColumns(),
  },
  (table) => [index('dashboards_tenant_created_idx').on(table.tenantId, table.createdAt, table.id)],
);

export type DashboardRow = typeof dashboards.$inferSelect;

export const bucketSizes = ['FIVE_MINUTES', 'HOUR', 'DAY'] as const;
export type BucketSize = (typeof bucketSizes)[number];

/** Counts by key (a decision, a method, a histogram cell): merged by adding. */
export type Tally = Record<string, number>;

/**
 * Judgments per tenant × workflow × requested method × bucket, from judgment.completed. Every
 * column is a sum, so buckets merge by adding and events apply in any order.
 */
export const judgmentBuckets = biSchema.table(
  'judgment_buckets',
  {
    tenantId: text('tenant_id').notNull(),
    workflowId: uuid('workflow_id').notNull(),
    method: text('method').notNull(),
    size: text('size', { enum: bucketSizes }).notNull(),
    bucketStart: timestampMs('bucket_start').notNull(),
    count: integer('count').notNull(),
    succeeded: integer('succeeded').notNull(),
    failed: integer('failed').notNull(),
    durationSumMs: doublePrecision('duration_sum_ms').notNull(),
    /** Execution times in log cells (see domain/histogram.ts): p95 of any range is read from their sum. */
    durationCells: jsonb('duration_cells').$type<Tally>().notNull(),
    confidenceSum: doublePrecision('confidence_sum').notNull(),
    confidenceCount: integer('confidence_count').notNull(),
    decisions: jsonb('decisions').$type<Tally>().notNull(),
    methodsUsed: jsonb('methods_used').$type<Tally>().notNull(),
  },
  (table) => [
    primaryKey({ columns: [table.tenantId, table.size, table.bucketStart, table.workflowId, table.method] }),
    index('judgment_buckets_prune_idx').on(table.size, table.bucketStart),
  ],
);

export type JudgmentBucketRow = typeof judgmentBuckets.$inferSelect;

/**
 * The verdict that counts for each execution: the latest feedback by its recording time. A
 * verdict older than the one kept (delivered late) changes nothing.
 */
export const executionVerdicts = biSchema.table('execution_verdicts', {
  executionId: uuid('execution_id').primaryKey(),
  tenantId: text('tenant_id').notNull(),
  workflowId: uuid('workflow_id').notNull(),
  correct: boolean('correct').notNull(),
  recordedAt: timestampMs('recorded_at').notNull(),
  feedbackId: uuid('feedback_id').notNull(),
});

/** Judged and correct executions per workflow, bucketed by when their current verdict was recorded. */
export const feedbackBuckets = biSchema.table(
  'feedback_buckets',
  {
    tenantId: text('tenant_id').notNull(),
    workflowId: uuid('workflow_id').notNull(),
    size: text('size', { enum: bucketSizes }).notNull(),
    bucketStart: timestampMs('bucket_start').notNull(),
    judged: integer('judged').notNull(),
    correct: integer('correct').notNull(),
  },
  (table) => [
    primaryKey({ columns: [table.tenantId, table.size, table.bucketStart, table.workflowId] }),
    index('feedback_buckets_prune_idx').on(table.size, table.bucketStart),
  ],
);

/** Finished action deliveries per workflow and bucket, from action.executed: outcomes by status and by kind. */
export const deliveryBuckets = biSchema.table(
  'delivery_buckets',
  {
    tenantId: text('tenant_id').notNull(),
    workflowId: uuid('workflow_id').notNull(),
    size: text('size', { enum: bucketSizes }).notNull(),
    bucketStart: timestampMs('bucket_start').notNull(),
    succeeded: integer('succeeded').notNull(),
    failed: integer('failed').notNull(),
    attempts: integer('attempts').notNull(),
    kinds: jsonb('kinds').$type<Tally>().notNull(),
  },
  (table) => [
    primaryKey({ columns: [table.tenantId, table.size, table.bucketStart, table.workflowId] }),
    index('delivery_buckets_prune_idx').on(table.size, table.bucketStart),
  ],
);

export const outbox = outboxTable(biSchema);
export const inbox = inboxTable(biSchema);
