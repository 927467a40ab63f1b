import { ownedRowColumns } from '@judgify/runtime/columns';
import { boolean, doublePrecision, index, integer, jsonb, pgSchema, text, uuid } from 'drizzle-orm/pg-core';

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
    ...ownedRowColumns(),
  },
  (table) => [
    index('judgment_executions_tenant_workflow_created_idx').on(table.tenantId, table.workflowId, table.createdAt, table.id),
    index('judgment_executions_tenant_created_idx').on(table.tenantId, table.createdAt, table.id),
  ],
);

export type ExecutionRow = typeof judgmentExecutions.$inferSelect;
