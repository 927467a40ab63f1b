import type { SubgraphEnv } from './config.ts';
import { openDatabase, type DatabaseHandle } from './database.ts';
import { createEventBus, type EventBus } from './events.ts';
import { serve, type RunningServer } from './http-server.ts';
import { createLogger, type Logger } from './logger.ts';
import { createMetrics, type Metrics } from './metrics.ts';
import { OutboxRelay, type OutboxTable } from './outbox.ts';
import { audienceOf } from './identity.ts';
import { createLiveUpdates, type LiveUpdates } from './pubsub.ts';
import { serveSubgraphWebSocket, subscriptionGauge } from './subgraph-websocket.ts';
import type { SubgraphYoga } from './subgraph-yoga.ts';

/** Everything a subgraph's app is built from, opened once per process. */
export interface SubgraphInfrastructure<TSchema extends Record<string, unknown>> {
  service: string;
  logger: Logger;
  metrics: Metrics;
  database: DatabaseHandle<TSchema>;
  bus: EventBus;
  /** Present when the service publishes events: its outbox table and the relay draining it. */
  outbox?: { table: OutboxTable; relay: OutboxRelay };
  internalSecret: string;
  readiness: Record<string, () => Promise<void>>;
  /** Live updates for subscriptions: `publish(channel, tenantId, payload)`, fanned out to every replica through Redis. */
  live: LiveUpdates;
  /** Resources an app opens itself (a cache connection, say), released at shutdown before the bus and database. */
  onClose(closer: () => Promise<void>): void;
}

export interface SubgraphServiceOptions<TSchema extends Record<string, unknown>> {
  service: string;
  env: SubgraphEnv;
  port: number;
  host?: string;
  tables: TSchema;
  migrationsFolder: string;
  /** The service's outbox table, if it publishes events. */
  outbox?: OutboxTable;
  /** Keeps the database in memory instead of under JUDGIFY_DATA_DIR (tests). */
  inMemory?: boolean;
  createApp(infrastructure: SubgraphInfrastructure<TSchema>): SubgraphYoga;
}

export interface RunningSubgraph<TSchema extends Record<string, unknown>> extends RunningServer {
  infrastructure: SubgraphInfrastructure<TSchema>;
}

export async function startSubgraphService<TSchema extends Record<string, unknown>>(
  options: SubgraphServiceOptions<TSchema>,
): Promise<RunningSubgraph<TSchema>> {
  const logger = createLogger(options.service, options.env.LOG_LEVEL);
  const database = await openDatabase({
    owner: options.service,
    schema: options.tables,
    migrationsFolder: options.migrationsFolder,
    databaseUrl: options.env.DATABASE_URL,
    dataDir: options.inMemory ? undefined : options.env.JUDGIFY_DATA_DIR,
    logger,
  });
  const bus = createEventBus({ redisUrl: options.env.REDIS_URL, logger, service: options.service });
  const relay = options.outbox && new OutboxRelay({ db: database.db, table: options.outbox, bus, logger, owner: options.service });
  const appClosers: Array<() => Promise<void>> = [];
  const live = createLiveUpdates({ redisUrl: options.env.REDIS_URL, logger, service: options.service });
  const infrastructure: SubgraphInfrastructure<TSchema> = {
    service: options.service,
    logger,
    metrics: createMetrics(options.service),
    database,
    bus,
    outbox: options.outbox && relay ? { table: options.outbox, relay } : undefined,
    live,
    internalSecret: options.env.INTERNAL_SECRET,
    readiness: { database: database.ping, ...(bus.kind === 'redis' ? { redis: () => bus.ping() } : {}) },
    onClose: (closer) => void appClosers.push(closer),
  };
  const yoga = options.createApp(infrastructure);
  relay?.start();
  const activeSubscriptions = subscriptionGauge(infrastructure.metrics);
  let closeSockets: (() => Promise<void>) | undefined;
  const running = await serve({
    name: options.service,
    handler: yoga,
    onListening: (server) => {
      closeSockets = serveSubgraphWebSocket(server, yoga, { secret: options.env.INTERNAL_SECRET, audience: audienceOf(options.service), logger, active: activeSubscriptions });
    },
    drainers: [async () => closeSockets?.()],
    port: options.port,
    host: options.host,
    logger,
    closers: [async () => relay?.stop(), async () => void (await Promise.allSettled(appClosers.map((close) => close()))), () => live.close(), () => bus.close(), () => database.close()],
  });
  logger.info({ url: `${running.url}/graphql`, database: database.kind, bus: bus.kind }, `${options.service} subgraph ready`);
  return { ...running, infrastructure };
}
