import { randomUUID } from 'node:crypto';
import { PGlite } from '@electric-sql/pglite';
import { eq, isNull } from 'drizzle-orm';
import { drizzle as drizzlePg } from 'drizzle-orm/node-postgres';
import { pgSchema } from 'drizzle-orm/pg-core';
import { drizzle as drizzlePglite } from 'drizzle-orm/pglite';
import pg from 'pg';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { Database } from './database.ts';
import { createEvent, InProcessBus, type EventBus, type EventEnvelope } from './events.ts';
import { enqueueEvents, OutboxRelay, outboxTable } from './outbox.ts';
import { createTestDatabase, silentLogger } from './testing/index.ts';

const outbox = outboxTable(pgSchema('outbox_test'));

/** The table outboxTable describes, as a service's migration creates it. */
const DDL = `
create schema outbox_test;
create table outbox_test.outbox (
  position bigserial primary key,
  event_id uuid not null unique,
  event_type text not null,
  tenant_id text not null,
  envelope jsonb not null,
  created_at timestamp (3) with time zone not null default now(),
  published_at timestamp (3) with time zone,
  published_epoch text,
  stream_position text,
  confirmed_at timestamp (3) with time zone
);
create index outbox_unpublished_idx on outbox_test.outbox (position) where published_at is null;
create index outbox_unconfirmed_idx on outbox_test.outbox (event_type, position) where published_at is not null and confirmed_at is null;`;

let db: Database<Record<string, never>>;
let serverUrl: string | undefined;
let close: () => Promise<void>;

beforeAll(async () => {
  const testDatabase = await createTestDatabase();
  serverUrl = testDatabase.url;
  if (serverUrl) {
    const pool = new pg.Pool({ connectionString: serverUrl, max: 4 });
    await pool.query(DDL);
    db = drizzlePg(pool) as unknown as typeof db;
    close = async () => {
      await pool.end();
      await testDatabase.drop();
    };
  } else {
    const client = await PGlite.create();
    await client.exec(DDL);
    db = drizzlePglite(client) as unknown as typeof db;
    close = () => client.close();
  }
});
afterAll(() => close());

/** The relay's database, counting the transactions it opens and the SELECTs it runs outside them. */
function countedDb() {
  const calls = { transactions: 0, selects: 0 };
  const counted = Object.assign(Object.create(db) as typeof db, {
    transaction: ((...args: Parameters<typeof db.transaction>) => {
      calls.transactions++;
      return db.transaction(...args);
    }) as typeof db.transaction,
    select: ((...args: unknown[]) => {
      calls.selects++;
      return (db.select as (...fields: unknown[]) => unknown).apply(db, args);
    }) as typeof db.select,
  });
  return { counted, calls };
}

const event = () => createEvent({ eventType: 'outbox-test.happened', source: 'outbox-test', tenantId: 'acme', data: { at: randomUUID() } });

/** An event committed as a writer does it, in its own transaction. */
const commit = (envelope: EventEnvelope) => db.transaction((tx) => enqueueEvents(tx, outbox, [envelope]));

const relays: OutboxRelay[] = [];
const buses: InProcessBus[] = [];
beforeEach(async () => {
  await db.delete(outbox);
});
afterEach(async () => {
  await Promise.all(relays.splice(0).map((relay) => relay.stop()));
  await Promise.all(buses.splice(0).map((bus) => bus.close()));
});

function relayOf(options: { pollIntervalMs: number; busyRetryMs?: number; batchSize?: number; bus?: EventBus; confirmIntervalMs?: number }) {
  const { counted, calls } = countedDb();
  const bus = options.bus ?? new InProcessBus(silentLogger);
  if (bus instanceof InProcessBus) buses.push(bus);
  const received: string[] = [];
  bus.subscribe('outbox-test.happened', 'test', async (delivered) => void received.push(delivered.eventId));
  const relay = new OutboxRelay({ db: counted, table: outbox, bus, logger: silentLogger, owner: `outbox-test-${randomUUID()}`, ...options });
  relays.push(relay);
  return { relay, calls, received };
}

describe('outbox relay polling', () => {
  it('polls an idle outbox with one SELECT and opens no transaction until a row waits', async () => {
    const { relay, calls, received } = relayOf({ pollIntervalMs: 10 });
    relay.start();
    // Started, it publishes once at once (rows a previous process left), then only looks.
    await expect.poll(() => calls.selects, { timeout: 5_000 }).toBeGreaterThanOrEqual(5);
    expect(calls.transactions).toBe(1);

    // A row no one woke the relay for (its writer died after committing): found by the idle look.
    const orphan = event();
    await commit(orphan);
    await expect.poll(() => received, { timeout: 5_000 }).toEqual([orphan.eventId]);
    expect(calls.transactions).toBe(2);
    expect(await db.select().from(outbox).where(isNull(outbox.publishedAt))).toEqual([]);
  });

  it('publishes at once when woken, whatever its idle interval', async () => {
    const { relay, received } = relayOf({ pollIntervalMs: 3_600_000 });
    relay.start();
    const first = event();
    const second = event();
    await commit(first);
    relay.kick();
    await expect.poll(() => received, { timeout: 5_000 }).toEqual([first.eventId]);
    await commit(second);
    relay.kick();
    await expect.poll(() => received, { timeout: 5_000 }).toEqual([first.eventId, second.eventId]);
  });

  it('follows a full batch with the next at once', async () => {
    const { relay, received } = relayOf({ pollIntervalMs: 3_600_000, batchSize: 2 });
    const events = Array.from({ length: 5 }, event);
    await db.transaction((tx) => enqueueEvents(tx, outbox, events));
    relay.start();
    await expect.poll(() => received, { timeout: 5_000 }).toEqual(events.map((each) => each.eventId));
  });

  it.runIf(process.env.TEST_DATABASE_URL)('tries again soon when woken while another relay holds the lock, then publishes', async () => {
    const { relay, calls, received } = relayOf({ pollIntervalMs: 3_600_000, busyRetryMs: 20 });
    relay.start();
    await expect.poll(() => calls.transactions).toBe(1);
    // Another replica's relay, mid-batch: it holds the service's lock.
    const other = new pg.Client({ connectionString: serverUrl });
    await other.connect();
    try {
      const owner = (relay as unknown as { options: { owner: string } }).options.owner;
      await other.query('select pg_advisory_lock(hashtext($1))', [`judgify:outbox:${owner}`]);
      const waiting = event();
      await commit(waiting);
      relay.kick();
      // It keeps trying while the lock is held, rather than leaving the row to its hourly poll.
      await expect.poll(() => calls.transactions, { timeout: 5_000 }).toBeGreaterThanOrEqual(4);
      expect(received).toEqual([]);
      await other.query('select pg_advisory_unlock_all()');
      await expect.poll(() => received, { timeout: 5_000 }).toEqual([waiting.eventId]);
    } finally {
      await other.end();
    }
  });

  it('checks delivery every confirmation interval while published events wait, even with a long idle interval', async () => {
    const inner = new InProcessBus(silentLogger);
    buses.push(inner);
    let progressAsked = 0;
    // A bus that tracks delivery, as Redis does: everything before stream position 100 is done.
    const tracking: EventBus = Object.assign(Object.create(inner) as EventBus, {
      kind: 'redis' as const,
      publish: async (published: EventEnvelope) => {
        await inner.publish(published);
        return { epoch: 'epoch-1', position: '1-0' };
      },
      progress: async () => {
        progressAsked++;
        return { epoch: 'epoch-1', doneBefore: '100-0' };
      },
    });
    const { relay } = relayOf({ pollIntervalMs: 3_600_000, confirmIntervalMs: 10, bus: tracking });
    relay.start();
    const sent = event();
    await commit(sent);
    relay.kick();
    await expect
      .poll(async () => (await db.select({ confirmedAt: outbox.confirmedAt }).from(outbox).where(eq(outbox.eventId, sent.eventId)))[0]?.confirmedAt, { timeout: 5_000 })
      .toBeInstanceOf(Date);
    expect(progressAsked).toBeGreaterThanOrEqual(1);
  });
});
