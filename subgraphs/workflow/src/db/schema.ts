import { ownedRowColumns, softDeleteColumns, timestampMs } from '@judgify/runtime/columns';
import { inboxTable } from '@judgify/runtime/inbox';
import { actionKinds } from '@judgify/workflow-definition/definition';
import { outboxTable } from '@judgify/runtime/outbox';
import { sql } from 'drizzle-orm';
import { boolean, doublePrecision, index, integer, jsonb, pgSchema, text, uniqueIndex, uuid } from 'drizzle-orm/pg-core';

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

/** judgment.completed (and the other events partners subscribe to) already handled, by eventId. */
export const inbox = inboxTable(workflowSchema);


/**
 * Where a tenant's action nodes deliver, by name. The signing secret is written, used to sign
 * and never read back out: no field, event, log line or error carries it.
 */
export const actionTargets = workflowSchema.table(
  'action_targets',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    name: text('name').notNull(),
    kind: text('kind', { enum: actionKinds }).notNull(),
    url: text('url'),
    headers: jsonb('headers').$type<Record<string, string>>().notNull().default({}),
    secret: text('secret'),
    ...ownedRowColumns(),
    ...softDeleteColumns(),
  },
  (table) => [uniqueIndex('action_targets_tenant_name_uq').on(table.tenantId, table.name).where(sql`${table.deletedAt} is null`)],
);

export type ActionTargetRow = typeof actionTargets.$inferSelect;

export const partnerEventTypes = ['judgment.completed', 'action.executed', 'feedback.recorded', 'rule.promoted'] as const;
export type PartnerEventType = (typeof partnerEventTypes)[number];

/** A partner's webhook subscription to platform events, delivered as CloudEvents by the same machinery as actions. */
export const eventSubscriptions = workflowSchema.table(
  'event_subscriptions',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    name: text('name').notNull(),
    url: text('url').notNull(),
    eventTypes: text('event_types').array().$type<PartnerEventType[]>().notNull(),
    /** Only events of this workflow, when set. */
    workflowId: uuid('workflow_id'),
    headers: jsonb('headers').$type<Record<string, string>>().notNull().default({}),
    secret: text('secret'),
    ...ownedRowColumns(),
    ...softDeleteColumns(),
  },
  (table) => [index('event_subscriptions_tenant_idx').on(table.tenantId)],
);

export type EventSubscriptionRow = typeof eventSubscriptions.$inferSelect;

export const actionRunStatuses = ['PENDING', 'DELIVERING', 'SUCCEEDED', 'FAILED', 'CANCELLED'] as const;
export type ActionRunStatus = (typeof actionRunStatuses)[number];

/**
 * One delivery to make, and the queue it waits in: an action node a judgment passed, or an event
 * a partner subscribed to. The idempotency key (execution and node, or event and subscription) is
 * unique, so a repeated event never makes a second run.
 */
export const actionRuns = workflowSchema.table(
  'action_runs',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    tenantId: text('tenant_id').notNull(),
    idempotencyKey: text('idempotency_key').notNull(),
    kind: text('kind', { enum: actionKinds }).notNull(),
    /** The target it goes to, or the subscription; neither for a node's inline URL. */
    targetId: uuid('target_id'),
    subscriptionId: uuid('subscription_id'),
    /** A node's inline URL (a target's or subscription's is read at each attempt). */
    url: text('url'),
    executionId: uuid('execution_id'),
    workflowId: uuid('workflow_id'),
    workflowVersion: integer('workflow_version'),
    nodeId: text('node_id'),
    /** The event a subscription delivery carries. */
    eventId: uuid('event_id'),
    eventType: text('event_type'),
    payload: jsonb('payload').notNull(),
    /** The trace it was planned in (W3C traceparent), when tracing is on: its deliveries join that trace. */
    traceparent: text('traceparent'),
    /** Placeholders of the template the judgment had no value for (rendered as null). */
    missingPlaceholders: text('missing_placeholders').array().$type<string[]>().notNull().default([]),
    status: text('status', { enum: actionRunStatuses }).notNull().default('PENDING'),
    attempts: integer('attempts').notNull().default(0),
    /** The attempt count when the current retry schedule began: a manual retry starts it afresh. */
    scheduleStart: integer('schedule_start').notNull().default(0),
    nextAttemptAt: timestampMs('next_attempt_at').notNull().defaultNow(),
    /** While DELIVERING: when a replica that died mid-attempt gives the run up to another. */
    lockedUntil: timestampMs('locked_until'),
    lastError: text('last_error'),
    finishedAt: timestampMs('finished_at'),
    createdAt: timestampMs('created_at').notNull().defaultNow(),
    updatedAt: timestampMs('updated_at').notNull().defaultNow(),
    updatedBy: text('updated_by').notNull(),
  },
  (table) => [
    uniqueIndex('action_runs_idempotency_uq').on(table.idempotencyKey),
    index('action_runs_due_idx').on(table.nextAttemptAt).where(sql`${table.status} in ('PENDING', 'DELIVERING')`),
    index('action_runs_tenant_created_idx').on(table.tenantId, table.createdAt, table.id),
    index('action_runs_execution_idx').on(table.executionId),
  ],
);

export type ActionRunRow = typeof actionRuns.$inferSelect;

/** Every attempt of every run, as it went. */
export const actionAttempts = workflowSchema.table(
  'action_attempts',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    runId: uuid('run_id').notNull(),
    tenantId: text('tenant_id').notNull(),
    number: integer('number').notNull(),
    startedAt: timestampMs('started_at').notNull(),
    durationMs: doublePrecision('duration_ms').notNull(),
    statusCode: integer('status_code'),
    /** The start of the answer, at most 2 KiB. */
    responseBody: text('response_body'),
    error: text('error'),
  },
  (table) => [index('action_attempts_run_idx').on(table.runId, table.number)],
);

export type ActionAttemptRow = typeof actionAttempts.$inferSelect;

export type WorkflowRow = typeof workflows.$inferSelect;
export type WorkflowEventRow = typeof workflowEvents.$inferSelect;
