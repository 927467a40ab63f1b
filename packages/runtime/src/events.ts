import { randomUUID } from 'node:crypto';
import { hostname } from 'node:os';
import type { Logger } from './logger.ts';
import { connectRedis, outageLog, type Redis, type RedisTarget } from './redis.ts';
import { currentTraceparent, inSpan, SpanKind } from './tracing.ts';

export interface EventEnvelope<TData = unknown> {
  eventId: string;
  eventType: string;
  occurredAt: string;
  source: string;
  correlationId: string;
  tenantId: string;
  data: TData;
  /** The W3C trace of the change it tells of, when tracing is on: its consumers' spans join that trace. */
  traceparent?: string;
}

export type EventHandler = (event: EventEnvelope) => Promise<void>;

/** Handles events of one read together (a read model folding many events into one write); all or none are acknowledged. */
export type EventBatchHandler = (events: EventEnvelope[]) => Promise<void>;

/**
 * Where a published event sits until every consumer has it: Redis's stream position, within
 * the Redis "epoch" (one life of its data). A Redis that restarts empty starts a new epoch, and
 * what was published in the old one but not yet consumed must be published again.
 */
export interface PublishReceipt {
  epoch: string;
  position: string;
}

/** Up to where every consumer group of a stream is done, in the current epoch. */
export interface DeliveryProgress {
  epoch: string;
  /** Events at stream positions before this one have been handled by every group; none when unknown. */
  doneBefore?: string;
}

/** How far one consumer group is behind on one event type's stream. */
export interface ConsumerLag {
  eventType: string;
  group: string;
  /** Events the group has not handled yet: not yet read, plus read but not yet acknowledged. */
  lag: number;
}

export interface EventBus {
  readonly kind: 'redis' | 'in-process';
  /**
   * Publishes once per eventId: publishing the same event again (a relay retrying) is a no-op.
   * Resolves with where it landed when delivery is tracked (Redis); in-process delivery has
   * nothing to track.
   */
  publish(event: EventEnvelope): Promise<PublishReceipt | undefined>;
  /** Redis only: the current epoch and how far consumers have got on the event type's stream. */
  progress?(eventType: string): Promise<DeliveryProgress>;
  /**
   * Each consumer group receives every event of the type once; within a group, one consumer
   * handles it. Delivery is at least once: handlers must be idempotent by eventId.
   */
  subscribe(eventType: string, group: string, handler: EventHandler): void;
  /**
   * Like `subscribe`, with the events that arrive together (up to a read's worth) handed over at
   * once. A failing batch is delivered again whole: handlers must be idempotent by eventId.
   */
  subscribeBatch(eventType: string, group: string, handler: EventBatchHandler): void;
  /** For each stream and group this bus consumes: how many events wait to be handled. */
  consumerLag(): Promise<ConsumerLag[]>;
  ping(): Promise<void>;
  close(): Promise<void>;
}

export function createEvent<TData>(
  fields: Pick<EventEnvelope<TData>, 'eventType' | 'source' | 'tenantId' | 'data'> & { correlationId?: string },
): EventEnvelope<TData> {
  const traceparent = currentTraceparent();
  return {
    eventId: randomUUID(),
    occurredAt: new Date().toISOString(),
    correlationId: fields.correlationId ?? randomUUID(),
    ...fields,
    ...(traceparent ? { traceparent } : {}),
  };
}

const consumerSpan = (eventType: string, group: string) => ({ kind: SpanKind.CONSUMER, attributes: { 'messaging.destination.name': eventType, 'messaging.consumer.group.name': group } });

/** Each delivery in a span of the trace its event carries. */
const tracedHandler =
  (eventType: string, group: string, handler: EventHandler): EventHandler =>
  (event) =>
    inSpan(`${eventType} process`, { ...consumerSpan(eventType, group), traceparent: event.traceparent }, () => handler(event));

/** A batch in one span, linked to the trace of every event it holds (a child of the one event's, alone). */
const tracedBatchHandler =
  (eventType: string, group: string, handler: EventBatchHandler): EventBatchHandler =>
  (events) =>
    inSpan(
      `${eventType} process`,
      { ...consumerSpan(eventType, group), traceparent: events.length === 1 ? events[0]!.traceparent : undefined, links: events.length === 1 ? [] : events.map((event) => event.traceparent) },
      () => handler(events),
    );

export interface EventBusOptions {
  redis?: RedisTarget;
  logger: Logger;
  /** Name of the process, used for the Redis consumer name. */
  service: string;
  /** Approximate cap on each stream's length (Redis MAXLEN ~). */
  maxStreamLength?: number;
  /** How long a delivered but unacknowledged event waits before another consumer may take it. */
  reclaimIdleMs?: number;
}

export function createEventBus(options: EventBusOptions): EventBus {
  return options.redis ? new RedisStreamsBus(options, options.redis) : processEventBus(options.logger);
}

const RETRY_DELAYS_MS = [50, 250, 1000, 5000];

/** One bus per process in embedded mode, so subgraphs hosted together see each other's events. */
let sharedInProcessBus: InProcessBus | undefined;
function processEventBus(logger: Logger): InProcessBus {
  sharedInProcessBus ??= new InProcessBus(logger);
  return sharedInProcessBus;
}

/** How many recent event ids each bus remembers to drop a repeated publish of the same event. */
const PUBLISHED_MEMORY = 100_000;
/** How long Redis remembers a published event id. */
const PUBLISHED_TTL_SECONDS = 7 * 24 * 3600;

export class InProcessBus implements EventBus {
  readonly kind = 'in-process';
  private readonly groups = new Map<string, Map<string, EventHandler[]>>();
  private readonly pending = new Set<Promise<void>>();
  /** Deliveries started and not yet handled, by event type and group. */
  private readonly waiting = new Map<string, number>();
  private readonly published = new Set<string>();
  private nextConsumer = 0;
  private closed = false;

  constructor(private readonly logger: Logger) {}

  async publish(event: EventEnvelope): Promise<undefined> {
    if (this.published.has(event.eventId)) return;
    this.published.add(event.eventId);
    if (this.published.size > PUBLISHED_MEMORY) this.published.delete(this.published.values().next().value as string);
    for (const [group, handlers] of this.groups.get(event.eventType) ?? []) {
      const handler = handlers[this.nextConsumer++ % handlers.length];
      if (!handler) continue;
      const waiting = `${event.eventType}\u0000${group}`;
      this.waiting.set(waiting, (this.waiting.get(waiting) ?? 0) + 1);
      const delivery = this.deliver(handler, event).finally(() => {
        this.pending.delete(delivery);
        this.waiting.set(waiting, (this.waiting.get(waiting) ?? 1) - 1);
      });
      this.pending.add(delivery);
    }
  }

  /** In process, what waits is what has been handed to a handler and not yet handled (retries included). */
  async consumerLag(): Promise<ConsumerLag[]> {
    return [...this.groups].flatMap(([eventType, byGroup]) =>
      [...byGroup.keys()].map((group) => ({ eventType, group, lag: this.waiting.get(`${eventType}\u0000${group}`) ?? 0 })),
    );
  }

  subscribe(eventType: string, group: string, handler: EventHandler): void {
    this.addHandler(eventType, group, tracedHandler(eventType, group, handler));
  }

  private addHandler(eventType: string, group: string, handler: EventHandler): void {
    const byGroup = this.groups.get(eventType) ?? new Map<string, EventHandler[]>();
    byGroup.set(group, [...(byGroup.get(group) ?? []), handler]);
    this.groups.set(eventType, byGroup);
  }

  /**
   * Events published in the same tick reach a batch handler together, as one read of a stream
   * would; each is done (or retried, in the next batch) with the batch it went in.
   */
  subscribeBatch(eventType: string, group: string, batchHandler: EventBatchHandler): void {
    const handler = tracedBatchHandler(eventType, group, batchHandler);
    let gathered: Array<{ event: EventEnvelope; settle: (error?: unknown) => void }> = [];
    this.addHandler(eventType, group, (event) =>
      new Promise<void>((resolve, reject) => {
        gathered.push({ event, settle: (error) => (error === undefined ? resolve() : reject(error)) });
        if (gathered.length > 1) return;
        setImmediate(() => {
          const batch = gathered;
          gathered = [];
          handler(batch.map((entry) => entry.event)).then(
            () => batch.forEach((entry) => entry.settle()),
            // One event that fails must not hold back the others: each is tried alone, and only those that fail are retried.
            () =>
              batch.forEach((entry) =>
                handler([entry.event]).then(
                  () => entry.settle(),
                  (error: unknown) => entry.settle(error ?? new Error('event handler failed')),
                ),
              ),
          );
        });
      }),
    );
  }

  /** Resolves when every delivery started so far has finished (tests and shutdown use it). */
  async drain(): Promise<void> {
    while (this.pending.size > 0) await Promise.allSettled([...this.pending]);
  }

  async ping(): Promise<void> {}

  async close(): Promise<void> {
    this.closed = true;
    await this.drain();
  }

  /** Like Redis redelivery: a failing handler is retried, with growing pauses, until the bus closes. */
  private async deliver(handler: EventHandler, event: EventEnvelope): Promise<void> {
    await new Promise((resolve) => setImmediate(resolve));
    for (let attempt = 0; !this.closed; attempt++) {
      try {
        return await handler(event);
      } catch (error) {
        const delay = RETRY_DELAYS_MS[Math.min(attempt, RETRY_DELAYS_MS.length - 1)]!;
        this.logger.warn({ err: error, eventId: event.eventId, eventType: event.eventType, attempt }, 'event handler failed; retrying');
        await new Promise((resolve) => setTimeout(resolve, delay));
      }
    }
  }
}

const ENVELOPE_FIELD = 'envelope';
const DEFAULT_RECLAIM_IDLE_MS = 30_000;
const READ_BLOCK_MS = 2_000;
const READ_COUNT = 100;

type StreamEntries = Array<[id: string, fields: string[]]>;
type EntriesHandler = (reader: Redis, stream: string, entries: StreamEntries, log: Logger) => Promise<void>;

/**
 * Appends the event unless its id was published before (then answers where it went), and only
 * in the epoch the publisher knows: a Redis that lost its data must not take events as if
 * nothing happened, so the relay can publish again what the lost epoch held.
 */
const PUBLISH_ONCE = `
if redis.call('GET', KEYS[3]) ~= ARGV[4] then return redis.error_reply('EPOCH_CHANGED') end
local existing = redis.call('GET', KEYS[2])
if existing then return existing end
local position = redis.call('XADD', KEYS[1], 'MAXLEN', '~', ARGV[1], '*', '${ENVELOPE_FIELD}', ARGV[2])
redis.call('SET', KEYS[2], position, 'EX', tonumber(ARGV[3]))
return position`;

const EPOCH_CHANGED = 'EPOCH_CHANGED';

/** Stream positions ("<ms>-<seq>") as comparable numbers. */
export function comparePositions(a: string, b: string): number {
  const [aMs = 0n, aSeq = 0n] = a.split('-').map(BigInt);
  const [bMs = 0n, bSeq = 0n] = b.split('-').map(BigInt);
  return aMs === bMs ? Number(aSeq - bSeq) : aMs < bMs ? -1 : 1;
}

const nextPosition = (position: string) => {
  const [ms = '0', seq = '0'] = position.split('-');
  return `${ms}-${BigInt(seq) + 1n}`;
};

/** XINFO-style replies: flat [name, value, name, value, …] lists. */
const fieldsOf = (reply: unknown[]): Record<string, unknown> =>
  Object.fromEntries(Array.from({ length: reply.length / 2 }, (_, index) => [String(reply[index * 2]), reply[index * 2 + 1]]));

/** Redis Streams: one stream per event type, one consumer group per subscribing service. */
/** The Redis stream one event type is published on: readers outside the bus (a gateway's cache evictions) read it too. */
export const eventStreamKey = (prefix: string, eventType: string) => `${prefix}events:${eventType}`;

export class RedisStreamsBus implements EventBus {
  readonly kind = 'redis';
  private readonly publisher: Redis;
  private readonly readers: Redis[] = [];
  private readonly loops: Promise<void>[] = [];
  /** The groups this bus reads each event type's stream with. */
  private readonly consuming = new Map<string, Set<string>>();
  private readonly consumer: string;
  private readonly prefix: string;
  private knownEpoch: Promise<string> | undefined;
  private running = true;

  constructor(
    private readonly options: EventBusOptions,
    private readonly redis: RedisTarget,
  ) {
    this.prefix = redis.prefix;
    this.publisher = connectRedis(redis.url, options.logger, `${options.service}-events`);
    this.consumer = `${options.service}-${hostname()}-${process.pid}-${randomUUID().slice(0, 8)}`;
  }

  streamKey(eventType: string): string {
    return eventStreamKey(this.prefix, eventType);
  }

  private get epochKey(): string {
    return `${this.prefix}events:epoch`;
  }

  /** The current epoch, started by whichever publisher finds none. */
  private epoch(refresh = false): Promise<string> {
    if (refresh || !this.knownEpoch) {
      const started = (async () => {
        await this.publisher.set(this.epochKey, randomUUID(), 'NX');
        const epoch = await this.publisher.get(this.epochKey);
        if (!epoch) throw new Error('the event epoch vanished as it was set');
        return epoch;
      })();
      started.catch(() => {
        if (this.knownEpoch === started) this.knownEpoch = undefined;
      });
      this.knownEpoch = started;
    }
    return this.knownEpoch;
  }

  async publish(event: EventEnvelope): Promise<PublishReceipt> {
    for (let attempt = 0; ; attempt++) {
      const epoch = await this.epoch(attempt > 0);
      try {
        const position = (await this.publisher.eval(
          PUBLISH_ONCE,
          3,
          this.streamKey(event.eventType),
          `${this.prefix}events:published:${event.eventId}`,
          this.epochKey,
          String(this.options.maxStreamLength ?? 100_000),
          JSON.stringify(event),
          String(PUBLISHED_TTL_SECONDS),
          epoch,
        )) as string;
        return { epoch, position };
      } catch (error) {
        if (attempt > 0 || !(error instanceof Error && error.message.includes(EPOCH_CHANGED))) throw error;
      }
    }
  }

  async progress(eventType: string): Promise<DeliveryProgress> {
    const epoch = await this.epoch(true);
    const stream = this.streamKey(eventType);
    let groups: unknown[][];
    try {
      groups = (await this.publisher.xinfo('GROUPS', stream)) as unknown[][];
    } catch (error) {
      if (error instanceof Error && /no such key/i.test(error.message)) return { epoch };
      throw error;
    }
    if (!groups.length) return { epoch };
    let doneBefore: string | undefined;
    for (const reply of groups) {
      const group = fieldsOf(reply);
      const pending = Number(group.pending ?? 0);
      let bound = nextPosition(String(group['last-delivered-id'] ?? '0-0'));
      if (pending > 0) {
        const [, oldest] = (await this.publisher.xpending(stream, String(group.name))) as [number, string | null];
        if (oldest) bound = oldest;
      }
      if (doneBefore === undefined || comparePositions(bound, doneBefore) < 0) doneBefore = bound;
    }
    return { epoch, doneBefore };
  }

  subscribe(eventType: string, group: string, handler: EventHandler): void {
    const traced = tracedHandler(eventType, group, handler);
    this.startConsumer(eventType, group, (reader, stream, entries, log) => this.handleEntries(reader, stream, group, entries, traced, log));
  }

  subscribeBatch(eventType: string, group: string, batchHandler: EventBatchHandler): void {
    const handler = tracedBatchHandler(eventType, group, batchHandler);
    this.startConsumer(eventType, group, async (reader, stream, entries, log) => {
      const events: Array<{ id: string; event: EventEnvelope }> = [];
      const skipped: string[] = [];
      for (const [id, fields] of entries) {
        const raw = fields[fields.indexOf(ENVELOPE_FIELD) + 1];
        try {
          if (raw === undefined) throw new Error('no envelope');
          events.push({ id, event: JSON.parse(raw) as EventEnvelope });
        } catch (error) {
          // It can never be handled: acknowledged, so it does not hold back the events after it.
          log.error({ id, err: error }, 'stream entry is not an event envelope; acknowledging to skip it');
          skipped.push(id);
        }
      }
      if (skipped.length) await reader.xack(stream, group, ...skipped);
      if (!events.length) return;
      try {
        await handler(events.map(({ event }) => event));
        await reader.xack(stream, group, ...events.map(({ id }) => id));
      } catch (error) {
        // One event that fails must not hold back the others: each is tried alone, and only those that fail stay pending.
        log.warn({ err: error, events: events.length }, 'event batch handler failed; handling its events one by one');
        for (const { id, event } of events) {
          try {
            await handler([event]);
            await reader.xack(stream, group, id);
          } catch (single) {
            log.error({ err: single, id, eventId: event.eventId }, 'event handler failed; will be redelivered');
          }
        }
      }
    });
  }

  /**
   * From XINFO GROUPS, one call per stream: the group's `lag` (entries not yet read; Redis 7)
   * plus its `pending` (read, not acknowledged). When Redis cannot tell the lag (entries deleted
   * from the middle of the stream), only the pending count is known.
   */
  async consumerLag(): Promise<ConsumerLag[]> {
    const lags: ConsumerLag[] = [];
    for (const [eventType, groups] of this.consuming) {
      let replies: unknown[][];
      try {
        replies = (await this.publisher.xinfo('GROUPS', this.streamKey(eventType))) as unknown[][];
      } catch (error) {
        // Nothing published yet: the stream appears with the first event or read.
        if (error instanceof Error && /no such key/i.test(error.message)) replies = [];
        else throw error;
      }
      const byName = new Map(replies.map((reply) => fieldsOf(reply)).map((fields) => [String(fields.name), fields]));
      for (const group of groups) {
        const fields = byName.get(group);
        lags.push({ eventType, group, lag: Number(fields?.lag ?? 0) + Number(fields?.pending ?? 0) });
      }
    }
    return lags;
  }

  private startConsumer(eventType: string, group: string, handle: EntriesHandler): void {
    this.consuming.set(eventType, (this.consuming.get(eventType) ?? new Set()).add(group));
    const reader = connectRedis(this.redis.url, this.options.logger, `${this.options.service}-${group}-reader`, 'blocking');
    this.readers.push(reader);
    this.loops.push(this.consume(reader, this.streamKey(eventType), group, handle));
  }

  async ping(): Promise<void> {
    await this.publisher.ping();
  }

  async close(): Promise<void> {
    this.running = false;
    for (const reader of this.readers) reader.disconnect();
    await Promise.allSettled(this.loops);
    await this.publisher.quit().catch(() => undefined);
  }

  private async consume(reader: Redis, stream: string, group: string, handle: EntriesHandler): Promise<void> {
    const log = this.options.logger.child({ stream, group });
    const reading = outageLog(log, 'reading events', 'retrying every second; nothing is lost');
    const reclaimIdleMs = this.options.reclaimIdleMs ?? DEFAULT_RECLAIM_IDLE_MS;
    let lastReclaim = 0;
    while (this.running) {
      try {
        if (Date.now() - lastReclaim >= Math.min(reclaimIdleMs, READ_BLOCK_MS)) {
          // After every failure too: a Redis that restarted empty has lost the group with its data.
          await this.ensureGroup(reader, stream, group);
          const reclaimed = (await reader.xautoclaim(stream, group, this.consumer, reclaimIdleMs, '0-0', 'COUNT', READ_COUNT)) as [string, StreamEntries];
          lastReclaim = Date.now();
          await handle(reader, stream, reclaimed[1], log);
        }
        const fresh = (await reader.xreadgroup(
          'GROUP', group, this.consumer, 'COUNT', READ_COUNT, 'BLOCK', READ_BLOCK_MS, 'STREAMS', stream, '>',
        )) as Array<[string, StreamEntries]> | null;
        reading.succeeded();
        for (const [, entries] of fresh ?? []) await handle(reader, stream, entries, log);
      } catch (error) {
        if (!this.running) return;
        lastReclaim = 0;
        reading.failed(error);
        await new Promise((resolve) => setTimeout(resolve, 1000));
      }
    }
  }

  private async ensureGroup(reader: Redis, stream: string, group: string): Promise<void> {
    try {
      await reader.xgroup('CREATE', stream, group, '0', 'MKSTREAM');
    } catch (error) {
      if (!(error instanceof Error && error.message.includes('BUSYGROUP'))) throw error;
    }
  }

  private async handleEntries(
    reader: Redis,
    stream: string,
    group: string,
    entries: StreamEntries,
    handler: EventHandler,
    log: Logger,
  ): Promise<void> {
    for (const [id, fields] of entries) {
      const raw = fields[fields.indexOf(ENVELOPE_FIELD) + 1];
      if (raw === undefined) {
        log.error({ id }, 'stream entry without envelope; acknowledging to skip it');
        await reader.xack(stream, group, id);
        continue;
      }
      try {
        await handler(JSON.parse(raw) as EventEnvelope);
        await reader.xack(stream, group, id);
      } catch (error) {
        // Left pending: XAUTOCLAIM hands it out again once it has been idle for reclaimIdleMs.
        log.error({ err: error, id }, 'event handler failed; will be redelivered');
      }
    }
  }
}
