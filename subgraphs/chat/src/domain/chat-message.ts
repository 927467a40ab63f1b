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

export const sessionNotFound = (sessionId: string) =>
  new AppError('NOT_FOUND', `You have no chat session with id "${sessionId}"; start one with createChatSession.`, { field: 'sessionId' });

type Transaction = Parameters<Parameters<ChatDeps['db']['transaction']>[0]>[0];

/**
 * Marks the actor's session active before `count` messages are added to it, and gives them their
 * created_at, 1 ms apart. Updating the session row first locks it, so concurrent posts into one
 * session queue up; its updated_at moves to the last message's stamp, always at least 1 ms past
 * the previous one. Messages of a session therefore sort in posting order even within one
 * millisecond. Throws NOT_FOUND unless the session is the actor's.
 */
export async function touchSession(tx: Transaction, actor: Identity, sessionId: string, count = 1): Promise<{ stamps: Date[]; context: ChatSessionRow['context'] }> {
  if (!isUuid(sessionId)) throw sessionNotFound(sessionId);
  const [session] = await tx
    .update(chatSessions)
    .set({ updatedAt: sql`greatest(now(), ${chatSessions.updatedAt} + interval '1 millisecond') + ${`${count - 1} milliseconds`}::interval`, updatedBy: actor.userId })
    .where(and(ownedBy(actor), eq(chatSessions.id, sessionId)))
    .returning({ updatedAt: chatSessions.updatedAt, context: chatSessions.context });
  if (!session) throw sessionNotFound(sessionId);
  const last = session.updatedAt.getTime();
  return { stamps: Array.from({ length: count }, (_, index) => new Date(last - (count - 1 - index))), context: session.context };
}

/** Stores a user message and marks its session as active in one transaction. */
export async function postChatMessage(deps: ChatDeps, actor: Identity, input: PostChatMessageInput): Promise<ChatMessageRow> {
  const valid = validateInput(postChatMessageInput, input);
  return deps.db.transaction(async (tx) => {
    const [stamp] = (await touchSession(tx, actor, valid.sessionId)).stamps;
    const [message] = await tx
      .insert(chatMessages)
      .values({
        tenantId: actor.tenantId,
        sessionId: valid.sessionId,
        role: 'USER',
        content: valid.content,
        createdAt: stamp,
        createdBy: actor.userId,
        updatedAt: stamp,
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
