import { ownedRowColumns, softDeleteColumns } from '@judgify/runtime/columns';
import { sql } from 'drizzle-orm';
import { check, index, pgSchema, text, uuid } from 'drizzle-orm/pg-core';

export const chatSchema = pgSchema('chat');

export const chatRoles = ['USER', 'ASSISTANT'] as const;
export type ChatRole = (typeof chatRoles)[number];

export const chatSessions = chatSchema.table(
  'chat_sessions',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    /** Sessions are private: only this user ever sees the session or its messages. */
    ownerId: text('owner_id').notNull(),
    title: text('title').notNull(),
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
    ...ownedRowColumns(),
  },
  (table) => [
    index('chat_messages_session_created_idx').on(table.sessionId, table.createdAt, table.id),
    check('chat_messages_role_check', sql`${table.role} in ('USER', 'ASSISTANT')`),
  ],
);

export type ChatSessionRow = typeof chatSessions.$inferSelect;
export type ChatMessageRow = typeof chatMessages.$inferSelect;
