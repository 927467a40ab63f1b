import { ownedRowColumns, softDeleteColumns } from '@judgify/runtime/columns';
import { sql } from 'drizzle-orm';
import { check, index, jsonb, pgSchema, text, uuid } from 'drizzle-orm/pg-core';

export const chatSchema = pgSchema('chat');

export const chatRoles = ['USER', 'ASSISTANT'] as const;
export type ChatRole = (typeof chatRoles)[number];

/** An assistant message is PENDING from the moment its question is stored until its answer is written. */
export const messageStatuses = ['PENDING', 'COMPLETE', 'FAILED'] as const;
export type MessageStatus = (typeof messageStatuses)[number];

export const chatIntents = ['WORKFLOW_INFO', 'RUN_JUDGMENT', 'EXPLAIN_DECISION', 'BUILD_VIEW', 'GIVE_FEEDBACK', 'HELP'] as const;
export type ChatIntent = (typeof chatIntents)[number];

/** A call the assistant made through the gateway for the user: which operation, on which entities. */
export interface RoutedCall {
  operation: string;
  service: string;
  entityIds: string[];
  /** The error code when the call was refused or failed. */
  error?: string | null;
}

/** A real result the answer carries: the entity (federated by id) or, for a view, the view itself. */
export type Attachment =
  | { kind: 'JUDGMENT_EXECUTION'; id: string }
  | { kind: 'FEEDBACK'; id: string }
  | { kind: 'WORKFLOW'; id: string }
  | { kind: 'VIEW'; view: Record<string, unknown> };

/** What the conversation is about, so "it" and "the last one" mean something. */
export interface SessionContext {
  workflowId?: string;
  workflowName?: string;
  executionId?: string;
}

export const chatSessions = chatSchema.table(
  'chat_sessions',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    /** Sessions are private: only this user ever sees the session or its messages. */
    ownerId: text('owner_id').notNull(),
    title: text('title').notNull(),
    context: jsonb('context').$type<SessionContext>().notNull().default({}),
    ...ownedRowColumns(),
    ...softDeleteColumns(),
  },
  // Serves the session list, which is ordered by last activity (updated_at), not creation.
  (table) => [index('chat_sessions_owner_updated_idx').on(table.tenantId, table.ownerId, table.updatedAt, table.id)],
);

export const chatMessages = chatSchema.table(
  'chat_messages',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    sessionId: uuid('session_id')
      .notNull()
      .references(() => chatSessions.id),
    role: text('role', { enum: chatRoles }).notNull(),
    content: text('content').notNull(),
    status: text('status', { enum: messageStatuses }).notNull().default('COMPLETE'),
    intent: text('intent', { enum: chatIntents }),
    routedCalls: jsonb('routed_calls').$type<RoutedCall[]>().notNull().default([]),
    attachments: jsonb('attachments').$type<Attachment[]>().notNull().default([]),
    ...ownedRowColumns(),
  },
  (table) => [
    index('chat_messages_session_created_idx').on(table.sessionId, table.createdAt, table.id),
    check('chat_messages_role_check', sql`${table.role} in ('USER', 'ASSISTANT')`),
  ],
);

export type ChatSessionRow = typeof chatSessions.$inferSelect;
export type ChatMessageRow = typeof chatMessages.$inferSelect;
