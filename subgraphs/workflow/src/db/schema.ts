import { ownedRowColumns, softDeleteColumns, timestampMs } from '@judgify/runtime/columns';
import { outboxTable } from '@judgify/runtime/outbox';
import { boolean, index, integer, jsonb, pgSchema, text, uniqueIndex, uuid } from 'drizzle-orm/pg-core';

export const workflowSchema = pgSchema('workflow');

/** The current state of each workflow: a projection of its events, written with them. */
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

export const workflowEventTypes = [
  'WorkflowCreated',
  'WorkflowUpdated',
  'WorkflowDeactivated',
  'WorkflowReactivated',
  'WorkflowDeleted',
] as const;
export type WorkflowEventType = (typeof workflowEventTypes)[number];

/**
 * The append-only event store: every change of every workflow. Events are never updated or
 * deleted; (aggregate, version) is unique, so two writers can never both write version n.
 */
export const workflowEvents = workflowSchema.table(
  'workflow_events',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    tenantId: text('tenant_id').notNull(),
    aggregateId: uuid('aggregate_id').notNull(),
    version: integer('version').notNull(),
    type: text('type', { enum: workflowEventTypes }).notNull(),
    payload: jsonb('payload').$type<object>().notNull(),
    userId: text('user_id').notNull(),
    /** The services a delegated change came through, outermost first; null when the user made it directly. */
    via: text('via').array(),
    correlationId: text('correlation_id'),
    occurredAt: timestampMs('occurred_at').notNull().defaultNow(),
  },
  (table) => [
    uniqueIndex('workflow_events_aggregate_version_uq').on(table.aggregateId, table.version),
    index('workflow_events_tenant_occurred_idx').on(table.tenantId, table.occurredAt, table.id),
  ],
);

export const outbox = outboxTable(workflowSchema);

export type WorkflowRow = typeof workflows.$inferSelect;
export type WorkflowEventRow = typeof workflowEvents.$inferSelect;
