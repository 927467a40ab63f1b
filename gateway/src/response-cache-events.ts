import { randomUUID } from 'node:crypto';
import { createEventBus, eventStreamKey, type EventEnvelope } from '@judgify/runtime/events';
import type { Logger } from '@judgify/runtime/logger';
import { connectRedis, outageLog, type RedisTarget } from '@judgify/runtime/redis';

/** One eviction an event asks for: the objects of a type with that id (`Workflow:<id>`), or, without an id, the tenant's answers holding the type. */
export interface Eviction {
  typename: string;
  id?: string;
}

const workflowChanged = (event: EventEnvelope): Eviction[] => {
  const id = (event.data as { workflowId?: unknown } | null)?.workflowId;
  return [{ typename: 'Workflow', ...(typeof id === 'string' ? { id } : {}) }, { typename: 'WorkflowEvent' }];
};

/**
 * What each event of the owning subgraphs evicts. Every change of a workflow (the workflow
 * subgraph's `busEventTypes`) evicts that workflow's answers and the tenant's answers listing
 * workflows, since membership, order and filters follow the state; and the tenant's audit log.
 */
export const EVICTING_EVENTS: Readonly<Record<string, (event: EventEnvelope) => Eviction[]>> = {
  'workflow.created': workflowChanged,
  'workflow.updated': workflowChanged,
  'workflow.deactivated': workflowChanged,
  'workflow.reactivated': workflowChanged,
  'workflow.deleted': workflowChanged,
};

/** The types events evict, and how: by id where every event names the object, else tenant-wide. */
export const EVICTED_TYPES: ReadonlyMap<string, 'id' | 'tenant'> = new Map([
  ['Workflow', 'id'],
  ['WorkflowEvent', 'tenant'],
]);

export interface EvictionFeed {
  /** Whether every event published since the last `resync` reaches this gateway: if not, the cache must not serve. */
  readonly live: boolean;
  close(): Promise<void>;
}

export interface EvictionHandlers {
  event(event: EventEnvelope): void;
  /** Events may have been missed (a Redis outage): everything cached before now is suspect. */
  resync(): void;
}

/**
 * Embedded mode (`npm start`): the subgraphs of this process publish on the process's one
 * in-process bus. Each gateway reads it with a consumer group of its own, so every gateway in the
 * process evicts. The bus is shared, so it is never closed from here.
 */
export function inProcessEvictionFeed(logger: Logger, handlers: EvictionHandlers): EvictionFeed {
  const bus = createEventBus({ logger, service: 'gateway' });
  const group = `gateway-response-cache-${randomUUID()}`;
  let open = true;
  for (const eventType of Object.keys(EVICTING_EVENTS)) {
    bus.subscribe(eventType, group, async (event) => {
      if (open) handlers.event(event);
    });
  }
  return {
    live: true,
    async close() {
      open = false;
    },
  };
}

const READ_BLOCK_MS = 2_000;
const READ_COUNT = 100;

/**
 * Distributed mode: every gateway replica reads the event streams itself with XREAD, with no
 * consumer group (a group hands each event to one consumer, and one per replica would be left
 * behind in Redis by every replica that goes away). The streams are the bus's own
 * (`eventStreamKey`, as the bus publishes them). A lost connection makes the feed not live
 * until it is back; it then reads on from the newest positions and has the cache start over.
 */
export function redisEvictionFeed(target: RedisTarget, logger: Logger, handlers: EvictionHandlers): EvictionFeed {
  const log = logger.child({ component: 'response-cache' });
  const reader = connectRedis(target.url, logger, 'gateway-response-cache', 'blocking');
  const keys = Object.keys(EVICTING_EVENTS).map((eventType) => eventStreamKey(target.prefix, eventType));
  const reading = outageLog(log, 'reading events for the response cache', 'the cache is bypassed until they can be read again');
  let running = true;
  let live = false;
  let positions: string[] | undefined;
  // While disconnected, events may go by unseen: serve nothing from the cache, and start over once back.
  reader.on('close', () => {
    live = false;
    positions = undefined;
  });
  const loop = (async () => {
    while (running) {
      try {
        if (!positions) {
          const newest = await Promise.all(keys.map((key) => reader.xrevrange(key, '+', '-', 'COUNT', 1)));
          positions = newest.map((entries) => entries[0]?.[0] ?? '0-0');
          handlers.resync();
          live = true;
        }
        const read = positions;
        const reply = (await reader.xread('COUNT', READ_COUNT, 'BLOCK', READ_BLOCK_MS, 'STREAMS', ...keys, ...read)) as Array<[string, Array<[string, string[]]>]> | null;
        reading.succeeded();
        // A reconnect in between started over: what this read returned is older than the new positions.
        if (positions !== read) continue;
        for (const [key, entries] of reply ?? []) {
          const index = keys.indexOf(key);
          for (const [id, fields] of entries) {
            read[index] = id;
            const raw = fields[fields.indexOf('envelope') + 1];
            try {
              if (raw !== undefined) handlers.event(JSON.parse(raw) as EventEnvelope);
            } catch (error) {
              log.error({ err: error, id, stream: key }, 'stream entry is not an event envelope; skipped');
            }
          }
        }
      } catch (error) {
        if (!running) return;
        live = false;
        positions = undefined;
        reading.failed(error);
        await new Promise((resolve) => setTimeout(resolve, 1000));
      }
    }
  })();
  return {
    get live() {
      return live;
    },
    async close() {
      running = false;
      reader.disconnect();
      await loop;
    },
  };
}
