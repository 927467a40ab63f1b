import type { Database } from '@judgify/runtime/database';
import type { Identity } from '@judgify/runtime/identity';
import { afterCursor, decodeCursor, encodeCursor, inIdOrder, pageSize } from '@judgify/runtime/pagination';
import { isUuid, validateInput } from '@judgify/runtime/validation';
import { and, desc, eq, inArray, isNull } from 'drizzle-orm';
import { z } from 'zod';
import * as tables from '../db/schema.ts';
import { chatSessions, type ChatSessionRow } from '../db/schema.ts';

export interface ChatDeps {
  db: Database<typeof tables>;
}

const DEFAULT_TITLE = 'New chat';

export const createChatSessionInput = z.object({
  title: z.string().trim().min(1, 'title must not be empty').max(120, 'title must be at most 120 characters').nullish(),
});

export interface CreateChatSessionInput {
  title?: string | null;
}

export async function createChatSession(deps: ChatDeps, actor: Identity, input: CreateChatSessionInput): Promise<ChatSessionRow> {
  const valid = validateInput(createChatSessionInput, input);
  const [row] = await deps.db
    .insert(chatSessions)
    .values({
      tenantId: actor.tenantId,
      ownerId: actor.userId,
      title: valid.title ?? DEFAULT_TITLE,
      createdBy: actor.userId,
      updatedBy: actor.userId,
    })
    .returning();
  if (!row) throw new Error('insert returned no row');
  return row;
}

/** Sessions are private: other users of the tenant, admins included, never see them. */
export const ownedBy = (owner: Identity) =>
  and(eq(chatSessions.tenantId, owner.tenantId), eq(chatSessions.ownerId, owner.userId), isNull(chatSessions.deletedAt));

/** Loads the caller's sessions by id, in the order asked, null where none is theirs. */
export async function findChatSessions(deps: ChatDeps, owner: Identity, ids: readonly string[]): Promise<Array<ChatSessionRow | null>> {
  const wellFormed = ids.filter(isUuid);
  const rows = wellFormed.length
    ? await deps.db.select().from(chatSessions).where(and(ownedBy(owner), inArray(chatSessions.id, wellFormed)))
    : [];
  return inIdOrder(ids, rows);
}

const byActivity = { createdAt: chatSessions.updatedAt, id: chatSessions.id };

/**
 * The caller's sessions, most recently active first; posting a message moves a session to the top.
 * The runtime cursor is a (timestamp, id) pair named for createdAt; here it carries updatedAt.
 */
export async function listChatSessions(
  deps: ChatDeps,
  owner: Identity,
  page: { first?: number | null; after?: string | null },
): Promise<ChatSessionRow[]> {
  const limit = pageSize(page.first);
  const cursor = page.after ? decodeCursor(page.after) : undefined;
  return deps.db
    .select()
    .from(chatSessions)
    .where(and(ownedBy(owner), afterCursor(byActivity, cursor, 'desc')))
    .orderBy(desc(chatSessions.updatedAt), desc(chatSessions.id))
    .limit(limit);
}

export const chatSessionCursor = (row: ChatSessionRow) => encodeCursor({ createdAt: row.updatedAt, id: row.id });
