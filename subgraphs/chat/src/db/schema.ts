import { sql } from 'drizzle-orm';
import { check, index, pgSchema, text, timestamp, uuid } from 'drizzle-orm/pg-core';

export const chatSchema = pgSchema('chat');

const millis = { withTimezone: true, precision: 3 } as const;

export const chatRoles = ['USER', 'ASSISTANT'] as const;
export type ChatRole = (typeof chatRoles)[number];

export const chatSessions = chatSchema.table(
  'chat_sessions',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    tenantId: text('tenant_id').notNull(),
    /** Sessions are private: only this user ever sees the session or its messages. */
    ownerId: text('owner_id').notNull(),
    title: text('title').notNull(),
    createdAt: timestamp('created_at', millis).notNull().defaultNow(),
    createdBy: text('created_by').notNull(),
    updatedAt: timestamp('updated_at', millis).notNull().defaultNow(),
    updatedBy: text('updated_by').notNull(),
    deletedAt: timestamp('deleted_at', millis),
    deletedBy: text('deleted_by'),
  },
  // Serves the session list, which is ordered by last activity (updated_at), not creation.
  (table) => [index('chat_sessions_owner_updated_idx').on(table.tenantId, table.ownerId, table.updatedAt, table.id)],
);

export const chatMessages = chatSchema.table(
  'chat_messages',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    tenantId: text('tenant_id').notNull(),
    sessionId: uuid('session_id')
      .notNull()
      .references(() => chatSessions.id),
    role: text('role', { enum: chatRoles }).notNull(),
    content: text('content').notNull(),
    createdAt: timestamp('created_at', millis).notNull().defaultNow(),
    createdBy: text('created_by').notNull(),
    updatedAt: timestamp('updated_at', millis).notNull().defaultNow(),
    updatedBy: text('updated_by').notNull(),
  },
  (table) => [
    index('chat_messages_session_created_idx').on(table.sessionId, table.createdAt, table.id),
    check('chat_messages_role_check', sql`${table.role} in ('USER', 'ASSISTANT')`),
  ],
);

export type ChatSessionRow = typeof chatSessions.$inferSelect;
export type ChatMessageRow = typeof chatMessages.$inferSelect;
