import { AppError } from '@judgify/runtime/errors';
import type { Identity } from '@judgify/runtime/identity';
import { afterCursor, type Cursor, decodeCursor, encodeCursor, inIdOrder, pageSize } from '@judgify/runtime/pagination';
import { isUuid, validateInput } from '@judgify/runtime/validation';
import { and, asc, eq, getTableColumns, inArray, lte, sql } from 'drizzle-orm';
import { z } from 'zod';
import { chatMessages, chatSessions, type ChatMessageRow, type ChatSessionRow } from '../db/schema.ts';
import { ownedBy, type ChatDeps } from './chat-session.ts';

const DEFAULT_MESSAGE_PAGE_SIZE = 50;

export const postChatMessageInput = z.object({
  sessionId: z.string(),
  content: z.string().trim().min(1, 'content must not be empty').max(4000, 'content must be at most 4000 characters'),
});

export interface PostChatMessageInput {
  sessionId: string;
  content: string;
}

const sessionNotFound = (sessionId: string) =>
  new AppError('NOT_FOUND', `You have no chat session with id "${sessionId}"; start one with createChatSession.`, { field: 'sessionId' });

/**
 * Stores a user message and marks its session as active in one transaction. The session row
 * is updated first: that locks it, so concurrent posts into one session queue up, and its new
 * updated_at (always at least 1 ms past the previous one) becomes the message's created_at.
 * Messages of a session therefore sort in posting order even within one millisecond.
 */
export async function postChatMessage(deps: ChatDeps, actor: Identity, input: PostChatMessageInput): Promise<ChatMessageRow> {
  const valid = validateInput(postChatMessageInput, input);
  if (!isUuid(valid.sessionId)) throw sessionNotFound(valid.sessionId);
  return deps.db.transaction(async (tx) => {
    const [session] = await tx
      .update(chatSessions)
      .set({ updatedAt: sql`greatest(now(), ${chatSessions.updatedAt} + interval '1 millisecond')`, updatedBy: actor.userId })
      .where(and(ownedBy(actor), eq(chatSessions.id, valid.sessionId)))
      .returning({ updatedAt: chatSessions.updatedAt });
    if (!session) throw sessionNotFound(valid.sessionId);
    const [message] = await tx
      .insert(chatMessages)
      .values({
        tenantId: actor.tenantId,
        sessionId: valid.sessionId,
        role: 'USER',
        content: valid.content,
        createdAt: session.updatedAt,
        createdBy: actor.userId,
        updatedAt: session.updatedAt,
        updatedBy: actor.userId,
      })
      .returning();
    if (!message) throw new Error('insert returned no row');
    return message;
  });
}

/** Loads messages by id, in the order asked, null where the caller does not own the message's session. */
export async function findChatMessages(deps: ChatDeps, owner: Identity, ids: readonly string[]): Promise<Array<ChatMessageRow | null>> {
  const wellFormed = ids.filter(isUuid);
  const rows = wellFormed.length
    ? await deps.db
        .select({ message: chatMessages })
        .from(chatMessages)
        .innerJoin(chatSessions, eq(chatSessions.id, chatMessages.sessionId))
        .where(and(ownedBy(owner), eq(chatMessages.tenantId, owner.tenantId), inArray(chatMessages.id, wellFormed)))
    : [];
  return inIdOrder(ids, rows.map(({ message }) => message));
}

/** A message is reachable only through a session its reader owns, so a missing session is a bug, not a user error. */
export async function sessionOfMessage(
  message: ChatMessageRow,
  loadSession: (id: string) => Promise<ChatSessionRow | null>,
): Promise<ChatSessionRow> {
  const session = await loadSession(message.sessionId);
  if (!session) throw new Error(`chat session ${message.sessionId} of message ${message.id} is not visible to its reader`);
  return session;
}

/** One `messages(first, after)` selection of one session. */
export interface MessagePageKey {
  sessionId: string;
  first?: number | null;
  after?: string | null;
}

export const messagePageCacheKey = (key: MessagePageKey) => JSON.stringify([key.sessionId, key.first ?? null, key.after ?? null]);

/**
 * Pages of messages, oldest first, for many sessions at once: one query per distinct
 * (first, after), numbering each session's messages so every session gets its own page.
 * Callers pass only sessions already checked to be the reader's own.
 */
export async function findMessagePages(
  deps: ChatDeps,
  tenantId: string,
  keys: readonly MessagePageKey[],
): Promise<Array<ChatMessageRow[] | AppError>> {
  const groups = new Map<string, MessagePageKey[]>();
  for (const key of keys) {
    const pageKey = JSON.stringify([key.first ?? null, key.after ?? null]);
    groups.set(pageKey, [...(groups.get(pageKey) ?? []), key]);
  }
  const pages = new Map<MessagePageKey, ChatMessageRow[] | AppError>();
  await Promise.all(
    [...groups.values()].map(async (group) => {
      let limit: number;
      let cursor: Cursor | undefined;
      try {
        limit = pageSize(group[0]?.first, DEFAULT_MESSAGE_PAGE_SIZE);
        const after = group[0]?.after;
        cursor = after ? decodeCursor(after) : undefined;
      } catch (error) {
        if (!(error instanceof AppError)) throw error;
        for (const key of group) pages.set(key, error);
        return;
      }
      const rows = await firstMessagesOf(deps, tenantId, group.map((key) => key.sessionId), limit, cursor);
      const bySession = new Map<string, ChatMessageRow[]>();
      for (const row of rows) bySession.set(row.sessionId, [...(bySession.get(row.sessionId) ?? []), row]);
      for (const key of group) pages.set(key, bySession.get(key.sessionId) ?? []);
    }),
  );
  return keys.map((key) => pages.get(key) ?? []);
}

async function firstMessagesOf(
  deps: ChatDeps,
  tenantId: string,
  sessionIds: string[],
  limit: number,
  cursor: Cursor | undefined,
): Promise<ChatMessageRow[]> {
  const numbered = deps.db
    .select({
      ...getTableColumns(chatMessages),
      position: sql<number>`row_number() over (partition by ${chatMessages.sessionId} order by ${chatMessages.createdAt}, ${chatMessages.id})`.as(
        'position',
      ),
    })
    .from(chatMessages)
    .where(
      and(
        eq(chatMessages.tenantId, tenantId),
        inArray(chatMessages.sessionId, sessionIds),
        afterCursor(chatMessages, cursor, 'asc'),
      ),
    )
    .as('numbered');
  const rows = await deps.db
    .select()
    .from(numbered)
    .where(lte(numbered.position, limit))
    .orderBy(asc(numbered.createdAt), asc(numbered.id));
  return rows.map(({ position: _position, ...message }) => message);
}

export const chatMessageCursor = (row: ChatMessageRow) => encodeCursor({ createdAt: row.createdAt, id: row.id });
