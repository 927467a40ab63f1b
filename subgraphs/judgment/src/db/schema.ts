import { ownedRowColumns, timestampMs } from '@judgify/runtime/columns';
import { inboxTable } from '@judgify/runtime/inbox';
import { outboxTable } from '@judgify/runtime/outbox';
import { boolean, doublePrecision, index, integer, jsonb, pgSchema, primaryKey, text, uuid } from 'drizzle-orm/pg-core';

export const judgmentSchema = pgSchema('judgment');

export const judgmentMethods = ['RULE', 'LLM', 'HYBRID'] as const;
export type JudgmentMethod = (typeof judgmentMethods)[number];

export const executionStatuses = ['SUCCEEDED', 'FAILED'] as const;
export type ExecutionStatus = (typeof executionStatuses)[number];

export const judgmentExecutions = judgmentSchema.table(
  'judgment_executions',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    workflowId: uuid('workflow_id').notNull(),
    workflowVersion: integer('workflow_version').notNull(),
    status: text('status', { enum: executionStatuses }).notNull(),
    decision: text('decision').notNull(),
    confidence: doublePrecision('confidence').notNull(),
    explanation: text('explanation').notNull(),
    method: text('method', { enum: judgmentMethods }).notNull(),
    methodUsed: text('method_used', { enum: judgmentMethods }).notNull(),
    cached: boolean('cached').notNull(),
    inputData: jsonb('input_data').notNull(),
    executionTimeMs: doublePrecision('execution_time_ms').notNull(),
    /** Node ids in the order the run visited them. */
    path: jsonb('path').$type<string[]>().notNull().default([]),
    /** Per judgment node: outcome, confidence, method used, explanation. */
    nodeResults: jsonb('node_results').$type<NodeResult[]>().notNull().default([]),
    /** Action nodes the run passed, to be delivered. */
    actions: jsonb('actions').$type<TriggeredAction[]>().notNull().default([]),
    ...ownedRowColumns(),
  },
  (table) => [
    index('judgment_executions_tenant_workflow_created_idx').on(table.tenantId, table.workflowId, table.createdAt, table.id),
    index('judgment_executions_tenant_created_idx').on(table.tenantId, table.createdAt, table.id),
  ],
);

export type ExecutionRow = typeof judgmentExecutions.$inferSelect;

export interface NodeResult {
  nodeId: string;
  outcome: string | null;
  confidence: number;
  methodUsed: JudgmentMethod;
  explanation: string;
}

export interface TriggeredAction {
  nodeId: string;
  action: string;
  url?: string;
}

/**
 * The workflows this subgraph can run: a read model kept from the workflow subgraph's
 * workflow.* events (which carry the whole state), newest version wins.
 */
export const workflowDefinitions = judgmentSchema.table('workflow_definitions', {
  id: uuid('id').primaryKey(),
  tenantId: text('tenant_id').notNull(),
  version: integer('version').notNull(),
  name: text('name').notNull(),
  definition: jsonb('definition').notNull(),
  isActive: boolean('is_active').notNull(),
  deleted: boolean('deleted').notNull(),
  receivedAt: timestampMs('received_at').notNull().defaultNow(),
});

export type WorkflowDefinitionRow = typeof workflowDefinitions.$inferSelect;

/** Every version of every workflow received, so a judgment can be pinned to one (`workflowVersion`). */
export const workflowVersions = judgmentSchema.table(
  'workflow_versions',
  {
    workflowId: uuid('workflow_id').notNull(),
    version: integer('version').notNull(),
    tenantId: text('tenant_id').notNull(),
    definition: jsonb('definition').notNull(),
    receivedAt: timestampMs('received_at').notNull().defaultNow(),
  },
  (table) => [primaryKey({ columns: [table.workflowId, table.version] })],
);

export const outbox = outboxTable(judgmentSchema);

/** workflow.* events already applied, by eventId. */
export const inbox = inboxTable(judgmentSchema);
