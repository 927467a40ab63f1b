import { ownedRowColumns } from '@judgify/runtime/columns';
import { index, pgSchema, text, uuid } from 'drizzle-orm/pg-core';

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
