import { ownedRowColumns, softDeleteColumns } from '@judgify/runtime/columns';
import { index, integer, jsonb, pgSchema, text, uuid, boolean } from 'drizzle-orm/pg-core';

export const workflowSchema = pgSchema('workflow');

export const workflows = workflowSchema.table(
  'workflows',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    name: text('name').notNull(),
    description: text('description'),
    definition: jsonb('definition').notNull(),
    version: integer('version').notNull().default(1),
    isActive: boolean('is_active').notNull().default(true),
    ...ownedRowColumns(),
    ...softDeleteColumns(),
  },
  (table) => [index('workflows_tenant_created_idx').on(table.tenantId, table.createdAt, table.id)],
);

export type WorkflowRow = typeof workflows.$inferSelect;
