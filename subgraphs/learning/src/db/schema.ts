import { index, pgSchema, text, timestamp, uuid } from 'drizzle-orm/pg-core';

export const learningSchema = pgSchema('learning');

const millis = { withTimezone: true, precision: 3 } as const;

export const feedbackVerdicts = ['CORRECT', 'INCORRECT'] as const;
export type FeedbackVerdict = (typeof feedbackVerdicts)[number];

export const feedback = learningSchema.table(
  'feedback',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    tenantId: text('tenant_id').notNull(),
    executionId: uuid('execution_id').notNull(),
    verdict: text('verdict', { enum: feedbackVerdicts }).notNull(),
    correctDecision: text('correct_decision'),
    comment: text('comment'),
    createdAt: timestamp('created_at', millis).notNull().defaultNow(),
    createdBy: text('created_by').notNull(),
    updatedAt: timestamp('updated_at', millis).notNull().defaultNow(),
    updatedBy: text('updated_by').notNull(),
  },
  (table) => [
    index('feedback_tenant_execution_created_idx').on(table.tenantId, table.executionId, table.createdAt),
    index('feedback_tenant_created_idx').on(table.tenantId, table.createdAt, table.id),
  ],
);

export type FeedbackRow = typeof feedback.$inferSelect;
