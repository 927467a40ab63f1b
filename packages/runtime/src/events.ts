import { randomUUID } from 'node:crypto';
import { hostname } from 'node:os';
import type { Logger } from './logger.ts';
import { connectRedis, type Redis } from './redis.ts';

export interface EventEnvelope<TData = unknown> {
  eventId: string;
  eventType: string;
  occurredAt: string;
  source: string;
  correlationId: string;
  tenantId: string;
  data: TData;
}

export type EventHandler = (event: EventEnvelope) => Promise<void>;

export interface EventBus {
  readonly kind: 'redis' | 'in-process';
  /** Publishes once per eventId: publishing the same event again (a relay retrying) is a no-op. */
  publish(event: EventEnvelope): Promise<void>;
  /**
   * Each consumer group receives every event of the type once; within a group, one consumer
   * handles it. Delivery is at least once: handlers must be idempotent by eventId.
   */
  subscribe(eventType: string, group: string, handler: EventHandler): void;
  ping(): Promise<void>;
  close(): Promise<void>;
}

export function createEvent<TData>(
  fields: Pick<EventEnvelope<TData>, 'eventType' | 'source' | 'tenantId' | 'data'> & { correlationId?: string },
): EventEnvelope<TData> {
  return {
    eventId: randomUUID(),
    occurredAt: new Date().toISOString(),
    correlationId: fields.correlationId ?? randomUUID(),
    ...fields,
  };
}

export interface EventBusOptions {
  redisUrl?: string;
  logger: Logger;
  /** Name of the process, used for the Redis consumer name. */
  service: string;
  /** Approximate cap on each stream's length (Redis MAXLEN ~). */
  maxStreamLength?: number;
  /** How long a delivered but unacknowledged event waits before another consumer may take it. */
  reclaimIdleMs?: number;
}

export function createEventBus(options: EventBusOptions): EventBus {
  return options.redisUrl ? new RedisStreamsBus(options, options.redisUrl) : processEventBus(options.logger);
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
  private readonly published = new Set<string>();
  private nextConsumer = 0;
  private closed = false;

  constructor(private readonly logger: Logger) {}

  async publish(event: EventEnvelope): Promise<void> {
    if (this.published.has(event.eventId)) return;
    this.published.add(event.eventId);
    if (this.published.size > PUBLISHED_MEMORY) this.published.delete(this.published.values().next().value as string);
    for (const handlers of this.groups.get(event.eventType)?.values() ?? []) {
      const handler = handlers[this.nextConsumer++ % handlers.length];
      if (!handler) continue;
      const delivery = this.deliver(handler, event).finally(() => this.pending.delete(delivery));
      this.pending.add(delivery);
    }
  }

  subscribe(eventType: string, group: string, handler: EventHandler): void {
    const byGroup = this.groups.get(eventType) ?? new Map<string, EventHandler[]>();
    byGroup.set(group, [...(byGroup.get(group) ?? []), handler]);
    this.groups.set(eventType, byGroup);
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

/** Marks the event id and appends to the stream atomically, so a repeated publish adds nothing. */
const PUBLISH_ONCE = `
if redis.call('SET', KEYS[2], '1', 'NX', 'EX', tonumber(ARGV[3])) then
  return redis.call('XADD', KEYS[1], 'MAXLEN', '~', ARGV[1], '*', '${ENVELOPE_FIELD}', ARGV[2])
end
return false`;

/** Redis Streams: one stream per event type, one consumer group per subscribing service. */
export class RedisStreamsBus implements EventBus {
  readonly kind = 'redis';
  private readonly publisher: Redis;
  private readonly readers: Redis[] = [];
  private readonly loops: Promise<void>[] = [];
  private readonly consumer: string;
  private running = true;

  constructor(
    private readonly options: EventBusOptions,
    private readonly url: string,
  ) {
    this.publisher = connectRedis(url, options.logger, `${options.service}-events`);
    this.consumer = `${options.service}-${hostname()}-${process.pid}-${randomUUID().slice(0, 8)}`;
  }

  static streamKey(eventType: string): string {
    return `events:${eventType}`;
  }

  async publish(event: EventEnvelope): Promise<void> {
    await this.publisher.eval(
      PUBLISH_ONCE,
      2,
      RedisStreamsBus.streamKey(event.eventType),
      `events:published:${event.eventId}`,
      String(this.options.maxStreamLength ?? 100_000),
      JSON.stringify(event),
      String(PUBLISHED_TTL_SECONDS),
    );
  }

  subscribe(eventType: string, group: string, handler: EventHandler): void {
    const reader = connectRedis(this.url, this.options.logger, `${this.options.service}-${group}-reader`);
    this.readers.push(reader);
    this.loops.push(this.consume(reader, RedisStreamsBus.streamKey(eventType), group, handler));
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

  private async consume(reader: Redis, stream: string, group: string, handler: EventHandler): Promise<void> {
    const log = this.options.logger.child({ stream, group });
    while (this.running) {
      try {
        await this.ensureGroup(reader, stream, group);
        break;
      } catch (error) {
        if (!this.running) return;
        log.warn({ err: error }, 'cannot create consumer group yet; retrying');
        await new Promise((resolve) => setTimeout(resolve, 1000));
      }
    }
    while (this.running) {
      try {
        const reclaimed = (await reader.xautoclaim(stream, group, this.consumer, this.options.reclaimIdleMs ?? DEFAULT_RECLAIM_IDLE_MS, '0-0', 'COUNT', READ_COUNT)) as [
          string,
          StreamEntries,
        ];
        await this.handleEntries(reader, stream, group, reclaimed[1], handler, log);
        const fresh = (await reader.xreadgroup(
          'GROUP', group, this.consumer, 'COUNT', READ_COUNT, 'BLOCK', READ_BLOCK_MS, 'STREAMS', stream, '>',
        )) as Array<[string, StreamEntries]> | null;
        for (const [, entries] of fresh ?? []) await this.handleEntries(reader, stream, group, entries, handler, log);
      } catch (error) {
        if (!this.running) return;
        log.warn({ err: error }, 'reading events failed; retrying');
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
