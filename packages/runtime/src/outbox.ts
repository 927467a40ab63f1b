import { and, asc, eq, inArray, isNull, isNotNull, lt, ne, sql } from 'drizzle-orm';
import { bigserial, index, jsonb, text, uuid, type PgSchema } from 'drizzle-orm/pg-core';
import { timestampMs } from './columns.ts';
import type { Database } from './database.ts';
import { comparePositions, type EventBus, type EventEnvelope, type PublishReceipt } from './events.ts';
import type { Logger } from './logger.ts';
import { outageLog } from './redis.ts';
import { WorkLoop } from './work-loop.ts';
import { inSpan, SpanKind } from './tracing.ts';

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
      /** The bus epoch it was published in and where it landed (Redis), until every consumer has it. */
      publishedEpoch: text('published_epoch'),
      streamPosition: text('stream_position'),
      /** Every consumer group has handled it: a Redis that restarts empty no longer needs it again. */
      confirmedAt: timestampMs('confirmed_at'),
    },
    (table) => [
      index('outbox_unpublished_idx').on(table.position).where(sql`${table.publishedAt} is null`),
      index('outbox_unconfirmed_idx').on(table.eventType, table.position).where(sql`${table.publishedAt} is not null and ${table.confirmedAt} is null`),
    ],
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
  /**
   * How often an idle relay looks for rows no one woke it for (default 5 s), in one indexed
   * SELECT; only when it finds some does it open the publishing transaction. See OutboxRelay.
   */
  pollIntervalMs?: number;
  /** How soon a woken relay tries again when another relay holds the lock (default 200 ms). */
  busyRetryMs?: number;
  batchSize?: number;
  /** Published rows are kept this long (for inspection, and to publish again after Redis lost them), then deleted. */
  retainPublishedMs?: number;
  /** How often delivery is checked, to confirm what every consumer has and find what a reset Redis lost. */
  confirmIntervalMs?: number;
}

const rowsOf = (result: unknown) => (result as { rows: Array<Record<string, unknown>> }).rows;

/** Backlogs are counted up to this many rows: past it the count says "at least", at a bounded cost. */
export const BACKLOG_COUNT_LIMIT = 100_000;

/** Rows not yet published, counted on the partial index of unpublished rows (up to BACKLOG_COUNT_LIMIT). */
export async function outboxBacklog(db: Database<any>, table: OutboxTable): Promise<number> {
  const [row] = rowsOf(
    await db.execute(
      sql`select count(*)::int as n from (select 1 from ${table} where ${table.publishedAt} is null limit ${BACKLOG_COUNT_LIMIT}) as unpublished`,
    ),
  );
  return Number(row?.n ?? 0);
}

/**
 * Moves outbox rows to the bus in position order, one relay at a time. Positions are handed out
 * when rows are written, so a transaction that commits late may publish after a later position:
 * nothing is lost, but consumers order by their own versions, not by arrival. Rows are marked
 * published in the transaction that read them, so a crash before the mark republishes them on
 * restart; the bus drops the repeat by eventId, so each event still arrives once.
 *
 * On Redis, a published row stays unconfirmed until every consumer group has handled it. Should
 * Redis come back empty (a new epoch), what the old epoch held unconfirmed is published again;
 * consumers drop what they had already handled by eventId (the inbox), so nothing is lost and
 * nothing is applied twice.
 *
 * When it runs: a service wakes its relay (`kick`) as soon as it commits events, so events go
 * out at once, and it polls only as a safety net. The rows a poll can find are those whose
 * writer could not publish them: a process that died between its commit and its relay, or a
 * Redis epoch put back for publishing (which wakes the relay too). So the idle poll is slow
 * (`pollIntervalMs`, 5 s) and cheap: one SELECT on the partial index of unpublished rows, and a
 * transaction only when it finds some, where polling every 500 ms with a transaction of four
 * statements cost 8 statements a second per service. Two cases keep their latency without it:
 * a woken relay that finds another relay holding the lock tries again after `busyRetryMs` (the
 * holder may have read before this process's rows committed), and a full batch is followed at
 * once by the next. LISTEN/NOTIFY would also wake the relays of other replicas, but it holds a
 * connection per process, and a NOTIFY in every writing transaction serializes commits on the
 * notification queue's lock: more than it saves when each writer already wakes its own relay.
 */
export class OutboxRelay {
  private readonly pollIntervalMs: number;
  private readonly busyRetryMs: number;
  private readonly batchSize: number;
  private readonly confirmIntervalMs: number;
  private readonly confirming;
  private readonly loop = new WorkLoop(() => this.step());
  private readonly publishing: ReturnType<typeof outageLog>;
  private failures = 0;
  private lastCleanup = 0;
  private lastConfirm = 0;
  /** Set by `kick` (and at start): there is work, so the next step publishes without looking first. */
  private woken = true;
  /** Rows published to Redis may wait for confirmation: delivery is checked every confirmIntervalMs, else only at the idle poll. */
  private awaitingConfirmation = true;

  constructor(private readonly options: OutboxRelayOptions) {
    this.pollIntervalMs = options.pollIntervalMs ?? 5_000;
    this.busyRetryMs = options.busyRetryMs ?? 200;
    this.batchSize = options.batchSize ?? 200;
    this.confirmIntervalMs = options.confirmIntervalMs ?? 1_000;
    this.confirming = outageLog(options.logger, 'confirming event delivery', 'published events are kept until it works again');
    this.publishing = outageLog(options.logger, 'outbox relay publishing', 'events stay in the outbox and are retried');
  }

  start(): void {
    this.loop.start();
  }

  /** Publish now rather than at the next poll: call after committing events. */
  kick(): void {
    this.woken = true;
    this.loop.kick();
  }

  stop(): Promise<void> {
    return this.loop.stop();
  }

  /** Events written but not yet published: a backlog that keeps growing means the relay or the bus is stuck. */
  backlog(): Promise<number> {
    return outboxBacklog(this.options.db, this.options.table);
  }

  /** Publishes one batch; returns how many events it published (0 if another relay holds the lock). */
  async publishBatch(): Promise<number> {
    return (await this.publishOnce()).published;
  }

  /** Whether any row waits to be published: one indexed SELECT, no transaction, no lock. */
  async hasUnpublished(): Promise<boolean> {
    const { db, table } = this.options;
    const rows = await db.select({ position: table.position }).from(table).where(isNull(table.publishedAt)).limit(1);
    return rows.length > 0;
  }

  /**
   * One batch under the service's advisory lock, in position order. The lock is taken in its
   * own statement before the rows are read, so the read's snapshot comes after whatever the
   * previous holder marked published.
   */
  private async publishOnce(): Promise<{ published: number; busy: boolean }> {
    const { db, table, bus } = this.options;
    return db.transaction(async (tx) => {
      const [lock] = rowsOf(await tx.execute(sql`select pg_try_advisory_xact_lock(hashtext(${`judgify:outbox:${this.options.owner}`})) as locked`));
      if (!lock?.locked) return { published: 0, busy: true };
      const rows = await tx.select().from(table).where(isNull(table.publishedAt)).orderBy(asc(table.position)).limit(this.batchSize);
      const receipts: Array<PublishReceipt | undefined> = [];
      for (const row of rows) {
        const { eventType, traceparent } = row.envelope;
        receipts.push(await inSpan(`${eventType} publish`, { kind: SpanKind.PRODUCER, traceparent, attributes: { 'messaging.destination.name': eventType } }, () => bus.publish(row.envelope)));
      }
      if (!rows.length) return { published: 0, busy: false };
      const now = new Date();
      const tracked = rows.flatMap((row, index) => (receipts[index] ? [{ position: row.position, receipt: receipts[index] }] : []));
      const untracked = rows.filter((_, index) => !receipts[index]).map((row) => row.position);
      // Delivered in-process: nothing more to wait for.
      if (untracked.length) await tx.update(table).set({ publishedAt: now, confirmedAt: now }).where(inArray(table.position, untracked));
      if (tracked.length) {
        this.awaitingConfirmation = true;
        const values = sql.join(
          tracked.map(({ position, receipt }) => sql`(${position}::bigint, ${receipt.epoch}::text, ${receipt.position}::text)`),
          sql`, `,
        );
        await tx.execute(
          sql`update ${table} set published_at = ${now}, published_epoch = receipt.epoch, stream_position = receipt.stream_position
              from (values ${values}) as receipt(position, epoch, stream_position) where ${table.position} = receipt.position`,
        );
      }
      return { published: rows.length, busy: false };
    });
  }

  /**
   * Confirms the rows every consumer group has handled, and puts back for publishing those a
   * previous Redis epoch held unconfirmed (it lost them). Returns how many were put back.
   */
  async confirmDelivery(): Promise<number> {
    const { db, table, bus } = this.options;
    if (!bus.progress) return 0;
    const types = await db
      .selectDistinct({ eventType: table.eventType })
      .from(table)
      .where(and(isNotNull(table.publishedAt), isNull(table.confirmedAt)));
    this.awaitingConfirmation = types.length > 0;
    let republish = 0;
    for (const { eventType } of types) {
      const progress = await bus.progress(eventType);
      const lost = await db
        .update(table)
        .set({ publishedAt: null, publishedEpoch: null, streamPosition: null })
        .where(and(eq(table.eventType, eventType), isNotNull(table.publishedAt), isNull(table.confirmedAt), ne(table.publishedEpoch, progress.epoch)))
        .returning({ position: table.position });
      republish += lost.length;
      if (!progress.doneBefore) continue;
      const pending = await db
        .select({ position: table.position, streamPosition: table.streamPosition })
        .from(table)
        .where(and(eq(table.eventType, eventType), isNotNull(table.publishedAt), isNull(table.confirmedAt), eq(table.publishedEpoch, progress.epoch)))
        .orderBy(asc(table.position))
        .limit(5_000);
      const done = pending.filter((row) => row.streamPosition && comparePositions(row.streamPosition, progress.doneBefore!) < 0).map((row) => row.position);
      if (done.length) await db.update(table).set({ confirmedAt: new Date() }).where(inArray(table.position, done));
    }
    if (republish) this.options.logger.warn({ events: republish }, 'redis lost published events (it restarted empty); publishing them again');
    return republish;
  }

  /**
   * Woken: one batch at once. Idle: a look for unpublished rows first, and a batch only if there
   * are some. Then at once again when the batch was full, soon when another relay held the lock,
   * sooner after a failure, else after the poll interval (or the confirmation interval while
   * published events wait to be confirmed).
   */
  private async step(): Promise<number> {
    const woken = this.woken || this.failures > 0;
    this.woken = false;
    let outcome = { published: 0, busy: false };
    try {
      if (woken || (await this.hasUnpublished())) outcome = await this.publishOnce();
      this.failures = 0;
      this.publishing.succeeded();
      await this.confirmPeriodically();
      await this.cleanUp();
    } catch (error) {
      this.failures++;
      this.publishing.failed(error);
    }
    // Retried soon after a failure: once Redis is back, events should follow within a couple of seconds.
    if (this.failures) return Math.min(Math.min(this.pollIntervalMs, 500) * 2 ** Math.min(this.failures, 4), 2_000);
    if (outcome.published === this.batchSize || outcome.busy) this.woken = true;
    if (outcome.published === this.batchSize) return 0;
    if (outcome.busy) return this.busyRetryMs;
    return this.options.bus.progress && this.awaitingConfirmation ? Math.min(this.pollIntervalMs, this.confirmIntervalMs) : this.pollIntervalMs;
  }

  private async confirmPeriodically(): Promise<void> {
    if (!this.options.bus.progress) return;
    const interval = this.awaitingConfirmation ? this.confirmIntervalMs : Math.max(this.confirmIntervalMs, this.pollIntervalMs);
    if (Date.now() - this.lastConfirm < interval) return;
    this.lastConfirm = Date.now();
    try {
      if (await this.confirmDelivery()) this.kick();
      this.confirming.succeeded();
    } catch (error) {
      this.confirming.failed(error);
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
