import { and, asc, inArray, isNull, isNotNull, lt, sql } from 'drizzle-orm';
import { bigserial, index, jsonb, text, uuid, type PgSchema } from 'drizzle-orm/pg-core';
import { timestampMs } from './columns.ts';
import type { Database } from './database.ts';
import type { EventBus, EventEnvelope } from './events.ts';
import type { Logger } from './logger.ts';

/**
 * Events waiting to be published, written in the same transaction as the change they describe:
 * no change without its event, and none lost while the bus is down. Each service owns one, in its
 * own Postgres schema.
 */
export function outboxTable(schema: PgSchema) {
  return schema.table(
    'outbox',
    {
      position: bigserial('position', { mode: 'number' }).primaryKey(),
      eventId: uuid('event_id').notNull().unique(),
      eventType: text('event_type').notNull(),
      tenantId: text('tenant_id').notNull(),
      envelope: jsonb('envelope').$type<EventEnvelope>().notNull(),
      createdAt: timestampMs('created_at').notNull().defaultNow(),
      publishedAt: timestampMs('published_at'),
    },
    (table) => [index('outbox_unpublished_idx').on(table.position).where(sql`${table.publishedAt} is null`)],
  );
}

export type OutboxTable = ReturnType<typeof outboxTable>;

/** Queues events inside the caller's transaction. */
export async function enqueueEvents(tx: Database<any>, table: OutboxTable, events: EventEnvelope[]): Promise<void> {
  if (!events.length) return;
  await tx.insert(table).values(
    events.map((envelope) => ({ eventId: envelope.eventId, eventType: envelope.eventType, tenantId: envelope.tenantId, envelope })),
  );
}

export interface OutboxRelayOptions {
  db: Database<any>;
  table: OutboxTable;
  bus: EventBus;
  logger: Logger;
  /** Names the advisory lock that lets one relay per service publish at a time, in order. */
  owner: string;
  pollIntervalMs?: number;
  batchSize?: number;
  /** Published rows are kept this long (for inspection), then deleted. */
  retainPublishedMs?: number;
}

const rowsOf = (result: unknown) => (result as { rows: Array<Record<string, unknown>> }).rows;

/**
 * Moves outbox rows to the bus in position order, one relay at a time. Positions are handed out
 * when rows are written, so a transaction that commits late may publish after a later position:
 * nothing is lost, but consumers order by their own versions, not by arrival. Rows are marked
 * published in the transaction that read them, so a crash before the mark republishes them on
 * restart; the bus drops the repeat by eventId, so each event still arrives once.
 */
export class OutboxRelay {
  private readonly pollIntervalMs: number;
  private readonly batchSize: number;
  private running = false;
  private loop: Promise<void> | undefined;
  private wake: (() => void) | undefined;
  private kicked = false;
  private lastCleanup = 0;

  constructor(private readonly options: OutboxRelayOptions) {
    this.pollIntervalMs = options.pollIntervalMs ?? 500;
    this.batchSize = options.batchSize ?? 200;
  }

  start(): void {
    if (this.running) return;
    this.running = true;
    this.loop = this.run();
  }

  /** Publish now rather than at the next poll: call after committing events. */
  kick(): void {
    this.kicked = true;
    this.wake?.();
  }

  async stop(): Promise<void> {
    this.running = false;
    this.kick();
    await this.loop;
  }

  /** Publishes one batch; returns how many events it published (0 if another relay holds the lock). */
  async publishBatch(): Promise<number> {
    const { db, table, bus } = this.options;
    return db.transaction(async (tx) => {
      const [lock] = rowsOf(await tx.execute(sql`select pg_try_advisory_xact_lock(hashtext(${`judgify:outbox:${this.options.owner}`})) as locked`));
      if (!lock?.locked) return 0;
      const rows = await tx.select().from(table).where(isNull(table.publishedAt)).orderBy(asc(table.position)).limit(this.batchSize);
      for (const row of rows) await bus.publish(row.envelope);
      if (rows.length) {
        await tx
          .update(table)
          .set({ publishedAt: new Date() })
          .where(inArray(table.position, rows.map((row) => row.position)));
      }
      return rows.length;
    });
  }

  private async run(): Promise<void> {
    let failures = 0;
    while (this.running) {
      this.kicked = false;
      let published = 0;
      try {
        published = await this.publishBatch();
        failures = 0;
        await this.cleanUp();
      } catch (error) {
        failures++;
        this.options.logger.warn({ err: error, failures }, 'outbox relay could not publish; will retry');
      }
      if (!failures && (published === this.batchSize || this.kicked)) continue;
      const delay = failures ? Math.min(this.pollIntervalMs * 2 ** failures, 10_000) : this.pollIntervalMs;
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, delay);
        this.wake = () => {
          clearTimeout(timer);
          resolve();
        };
      });
      this.wake = undefined;
    }
  }

  private async cleanUp(): Promise<void> {
    const retain = this.options.retainPublishedMs ?? 24 * 3600_000;
    if (Date.now() - this.lastCleanup < Math.min(retain, 60_000)) return;
    this.lastCleanup = Date.now();
    const { db, table } = this.options;
    await db.delete(table).where(and(isNotNull(table.publishedAt), lt(table.publishedAt, new Date(Date.now() - retain))));
  }
}
