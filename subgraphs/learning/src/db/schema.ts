import { ownedRowColumns, timestampMs } from '@judgify/runtime/columns';
import { inboxTable } from '@judgify/runtime/inbox';
import { outboxTable } from '@judgify/runtime/outbox';
import { sql } from 'drizzle-orm';
import { boolean, doublePrecision, index, integer, jsonb, pgSchema, primaryKey, real, text, uuid } from 'drizzle-orm/pg-core';

export const learningSchema = pgSchema('learning');

export const feedbackVerdicts = ['CORRECT', 'INCORRECT'] as const;
export type FeedbackVerdict = (typeof feedbackVerdicts)[number];

export const feedback = learningSchema.table(
  'feedback',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    executionId: uuid('execution_id').notNull(),
    verdict: text('verdict', { enum: feedbackVerdicts }).notNull(),
    correctDecision: text('correct_decision'),
    comment: text('comment'),
    ...ownedRowColumns(),
  },
  (table) => [
    index('feedback_tenant_execution_created_idx').on(table.tenantId, table.executionId, table.createdAt),
    index('feedback_tenant_created_idx').on(table.tenantId, table.createdAt, table.id),
  ],
);

export type FeedbackRow = typeof feedback.$inferSelect;

/**
 * What learning knows of each judgment, from judgment.completed (or, for feedback that comes
 * first, from the judgment subgraph through the supergraph). A label makes it a sample: the
 * decision when feedback says CORRECT, the given decision when it says INCORRECT; the latest
 * feedback wins, earlier feedback stays in `feedback`.
 */
export const executions = learningSchema.table(
  'executions',
  {
    id: uuid('id').primaryKey(),
    tenantId: text('tenant_id').notNull(),
    workflowId: uuid('workflow_id').notNull(),
    workflowVersion: integer('workflow_version').notNull(),
    inputData: jsonb('input_data').$type<Record<string, unknown>>().notNull(),
    decision: text('decision').notNull(),
    methodUsed: text('method_used').notNull(),
    confidence: doublePrecision('confidence').notNull(),
    judgedAt: timestampMs('judged_at').notNull(),
    label: text('label'),
    verdict: text('verdict', { enum: feedbackVerdicts }),
    feedbackId: uuid('feedback_id'),
    labelledAt: timestampMs('labelled_at'),
  },
  (table) => [
    index('executions_samples_idx').on(table.tenantId, table.workflowId, table.labelledAt).where(sql`${table.label} is not null`),
    index('executions_tenant_workflow_idx').on(table.tenantId, table.workflowId, table.judgedAt),
  ],
);

export type ExecutionRow = typeof executions.$inferSelect;

/**
 * The space similarity is measured in, per workflow: each input field of its labelled samples,
 * numeric (every value a number, with the range seen) or categorical (the non-number values
 * seen). It only grows as samples are labelled, so distances stay comparable.
 */
export const sampleFields = learningSchema.table(
  'sample_fields',
  {
    tenantId: text('tenant_id').notNull(),
    workflowId: uuid('workflow_id').notNull(),
    field: text('field').notNull(),
    numeric: boolean('numeric').notNull(),
    min: doublePrecision('min'),
    max: doublePrecision('max'),
    categories: text('categories').array().$type<string[]>().notNull().default([]),
  },
  (table) => [primaryKey({ columns: [table.tenantId, table.workflowId, table.field] })],
);

export type SampleFieldRow = typeof sampleFields.$inferSelect;

/**
 * Each labelled sample as a vector in its workflow's sample space, for pgvector (`::vector`):
 * computed once rather than from the JSON input at every lookup, and tagged with the space it
 * was computed in (a wider space means computing it again). Kept only where the database has
 * pgvector; the app computes the same vectors itself elsewhere.
 */
export const sampleVectors = learningSchema.table(
  'sample_vectors',
  {
    executionId: uuid('execution_id').primaryKey(),
    tenantId: text('tenant_id').notNull(),
    workflowId: uuid('workflow_id').notNull(),
    signature: text('signature').notNull(),
    embedding: real('embedding').array().$type<number[]>().notNull(),
  },
  (table) => [index('sample_vectors_space_idx').on(table.tenantId, table.workflowId, table.signature)],
);

export const jobStatuses = ['QUEUED', 'RUNNING', 'SUCCEEDED', 'FAILED'] as const;
export type JobStatus = (typeof jobStatuses)[number];

export const ruleAlgorithms = ['FREQUENCY', 'DECISION_TREE', 'LLM_PATTERN'] as const;
export type RuleAlgorithm = (typeof ruleAlgorithms)[number];

/** A note on a job: an algorithm skipped, an LLM proposal dropped, and why. */
export interface JobNote {
  algorithm?: RuleAlgorithm;
  message: string;
}

/** How the samples were split: seeded and stratified, so a job can be repeated exactly. */
export interface SampleSplit {
  seed: number;
  trainCount: number;
  testCount: number;
  positiveLabels: string[];
  negativeLabels: string[];
  /** Samples left out: their label belongs to neither branch of the node. */
  excluded: number;
}

/** A rule extraction run: queued, run by a worker of any replica, retried if its worker dies. */
export const ruleExtractionJobs = learningSchema.table(
  'rule_extraction_jobs',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    tenantId: text('tenant_id').notNull(),
    workflowId: uuid('workflow_id').notNull(),
    workflowVersion: integer('workflow_version').notNull(),
    nodeId: text('node_id').notNull(),
    /** What the samples are split with, so the job (and its held-out scores) can be repeated exactly. */
    seed: integer('seed').notNull(),
    /** The node's outcome each label means, from the workflow's definition: `{ "STOP_LINE": "true", … }`. */
    outcomes: jsonb('outcomes').$type<Record<string, string>>().notNull(),
    status: text('status', { enum: jobStatuses }).notNull().default('QUEUED'),
    progress: doublePrecision('progress').notNull().default(0),
    split: jsonb('split').$type<SampleSplit>(),
    notes: jsonb('notes').$type<JobNote[]>().notNull().default([]),
    error: text('error'),
    attempts: integer('attempts').notNull().default(0),
    leaseUntil: timestampMs('lease_until'),
    createdBy: text('created_by').notNull(),
    createdAt: timestampMs('created_at').notNull().defaultNow(),
    startedAt: timestampMs('started_at'),
    finishedAt: timestampMs('finished_at'),
  },
  (table) => [
    index('rule_extraction_jobs_due_idx').on(table.createdAt).where(sql`${table.status} in ('QUEUED', 'RUNNING')`),
    index('rule_extraction_jobs_tenant_idx').on(table.tenantId, table.createdAt, table.id),
  ],
);

export type RuleExtractionJobRow = typeof ruleExtractionJobs.$inferSelect;

/** A rule learned from samples, in the rule language, scored on samples it was not learned from. */
export const ruleCandidates = learningSchema.table(
  'rule_candidates',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    tenantId: text('tenant_id').notNull(),
    jobId: uuid('job_id').notNull(),
    workflowId: uuid('workflow_id').notNull(),
    workflowVersion: integer('workflow_version').notNull(),
    nodeId: text('node_id').notNull(),
    algorithm: text('algorithm', { enum: ruleAlgorithms }).notNull(),
    expression: text('expression').notNull(),
    precision: doublePrecision('precision').notNull(),
    /** Held out: of the samples it does not match, the share that are "false" (how sure it is when it says false). */
    negativePredictiveValue: doublePrecision('negative_predictive_value').notNull(),
    recall: doublePrecision('recall').notNull(),
    f1: doublePrecision('f1').notNull(),
    accuracy: doublePrecision('accuracy').notNull(),
    /** Held-out samples the rule is true for. */
    support: integer('support').notNull(),
    trainCount: integer('train_count').notNull(),
    testCount: integer('test_count').notNull(),
    createdAt: timestampMs('created_at').notNull().defaultNow(),
    promotedAt: timestampMs('promoted_at'),
    promotedBy: text('promoted_by'),
    promotedVersion: integer('promoted_version'),
  },
  (table) => [index('rule_candidates_job_idx').on(table.jobId, table.f1)],
);

export type RuleCandidateRow = typeof ruleCandidates.$inferSelect;

export const outbox = outboxTable(learningSchema);
export const inbox = inboxTable(learningSchema);
