import { lt } from 'drizzle-orm';
import { text, uuid, type PgSchema } from 'drizzle-orm/pg-core';
import { timestampMs } from './columns.ts';
import type { Database } from './database.ts';
import type { EventEnvelope } from './events.ts';

/**
 * The events a service has handled, by eventId, written in the same transaction as their
 * effect. Delivery is at least once — redelivery after a crash, a relay publishing again what a
 * reset Redis lost — and this is what makes handling exactly once, whatever Redis remembers.
 */
export function inboxTable(schema: PgSchema) {
  return schema.table('processed_events', {
    eventId: uuid('event_id').primaryKey(),
    eventType: text('event_type').notNull(),
    processedAt: timestampMs('processed_at').notNull().defaultNow(),
  });
}

export type InboxTable = ReturnType<typeof inboxTable>;

/** Handled ids are kept longer than any outbox keeps what it may publish again (a day by default). */
export const INBOX_RETENTION_MS = 7 * 24 * 3600_000;

type Transaction<TSchema extends Record<string, unknown>> = Parameters<Parameters<Database<TSchema>['transaction']>[0]>[0];

/**
 * Runs `handle` in a transaction with the event's inbox row, unless the event was handled
 * before. Returns whether it ran.
 */
export async function handleOnce<TSchema extends Record<string, unknown>>(
  db: Database<TSchema>,
  inbox: InboxTable,
  event: EventEnvelope,
  handle: (tx: Transaction<TSchema>) => Promise<void>,
): Promise<boolean> {
  return db.transaction(async (tx) => {
    const fresh = await tx.insert(inbox).values({ eventId: event.eventId, eventType: event.eventType }).onConflictDoNothing().returning({ eventId: inbox.eventId });
    if (!fresh.length) return false;
    await handle(tx);
    return true;
  });
}

export async function pruneInbox(db: Database<any>, inbox: InboxTable, retainMs = INBOX_RETENTION_MS): Promise<void> {
  await db.delete(inbox).where(lt(inbox.processedAt, new Date(Date.now() - retainMs)));
}
