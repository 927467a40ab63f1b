import { index, integer, jsonb, pgSchema, text, timestamp, uuid, boolean } from 'drizzle-orm/pg-core';

export const workflowSchema = pgSchema('workflow');

const millis = { withTimezone: true, precision: 3 } as const;

export const workflows = workflowSchema.table(
  'workflows',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    tenantId: text('tenant_id').notNull(),
    name: text('name').notNull(),
    description: text('description'),
    definition: jsonb('definition').notNull(),
    version: integer('version').notNull().default(1),
    isActive: boolean('is_active').notNull().default(true),
    createdAt: timestamp('created_at', millis).notNull().defaultNow(),
    createdBy: text('created_by').notNull(),
    updatedAt: timestamp('updated_at', millis).notNull().defaultNow(),
    updatedBy: text('updated_by').notNull(),
    deletedAt: timestamp('deleted_at', millis),
    deletedBy: text('deleted_by'),
  },
  (table) => [index('workflows_tenant_created_idx').on(table.tenantId, table.createdAt, table.id)],
);

export type WorkflowRow = typeof workflows.$inferSelect;
