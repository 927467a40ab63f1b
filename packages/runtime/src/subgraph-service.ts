import type { JWTVerifyGetKey } from 'jose';
import type { SubgraphEnv } from './config.ts';
import { openDatabase, type DatabaseHandle } from './database.ts';
import { createEventBus, type EventBus } from './events.ts';
import { packageVersion, subgraphChecks } from './health-checks.ts';
import { parsePublicKeys, verificationKeys } from './gateway-keys.ts';
import { serve, type RunningServer } from './http-server.ts';
import { audienceOf } from './identity.ts';
import { pruneInbox, type InboxTable } from './inbox.ts';
import { createLogger, type Logger } from './logger.ts';
import { createMetrics, type Metrics } from './metrics.ts';
import { OutboxRelay, type OutboxTable } from './outbox.ts';
import { createLiveUpdates, type LiveUpdates } from './pubsub.ts';
import { redisConnectionsReady, type RedisTarget } from './redis.ts';
import { createSupergraphClient, type SupergraphClient } from './supergraph-client.ts';
import { registerServiceMetrics } from './service-metrics.ts';
import { serveSubgraphWebSocket, subscriptionGauge } from './subgraph-websocket.ts';
import type { SubgraphYoga } from './subgraph-yoga.ts';
import type { ReadinessChecks } from './use-health.ts';
import { createVersionFence, type VersionFence } from './version-fence.ts';

/** Everything a subgraph's app is built from, opened once per process. */
export interface SubgraphInfrastructure<TSchema extends Record<string, unknown>> {
  service: string;
  /** What /health reports: JUDGIFY_VERSION, else the service package's version. */
  version: string;
  logger: Logger;
  metrics: Metrics;
  database: DatabaseHandle<TSchema>;
  bus: EventBus;
  /** Present when the service publishes events: its outbox table and the relay draining it. */
  outbox?: { table: OutboxTable; relay: OutboxRelay };
  /** Redis and this deployment's key prefix, when there is one; every cache, limit and channel goes under the prefix. */
  redis?: RedisTarget;
  /** The gateway's public keys, which forwarded identities are verified with. */
  gatewayKeys: JWTVerifyGetKey;
  /** What the service cannot serve without (its database): failing, it is unready. */
  readiness: ReadinessChecks;
  /** What it serves without, degraded (Redis, the outbox backlog, consumer lag): reported, never making it unready. */
  degradable: ReadinessChecks;
  /** Live updates for subscriptions: `publish(channel, tenantId, payload)`, fanned out to every replica through Redis. */
  live: LiveUpdates;
  /** Latest versions announced by writers, for read-your-writes across services. */
  fence: VersionFence;
  /** Calls the supergraph through the gateway as the user of the request being served. */
  supergraph: SupergraphClient;
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
  /** The service's inbox table, if it consumes events: handled ids older than a week are pruned. */
  inbox?: InboxTable;
  /** Keeps the database in memory instead of under JUDGIFY_DATA_DIR (tests). */
  inMemory?: boolean;
  /** Installs pgvector where the database offers it: `database.hasVector` says whether it did. */
  vector?: boolean;
  createApp(infrastructure: SubgraphInfrastructure<TSchema>): SubgraphYoga;
}

export interface RunningSubgraph<TSchema extends Record<string, unknown>> extends RunningServer {
  infrastructure: SubgraphInfrastructure<TSchema>;
}

/** The gateway's public keys as configured: given (inline or from a file), or its JWKS route. */
export async function gatewayKeysFrom(env: Pick<SubgraphEnv, 'GATEWAY_PUBLIC_KEYS' | 'GATEWAY_JWKS_URL'>, service: string): Promise<JWTVerifyGetKey> {
  if (env.GATEWAY_JWKS_URL) return verificationKeys({ jwksUrl: env.GATEWAY_JWKS_URL });
  try {
    return verificationKeys({ jwks: await parsePublicKeys(env.GATEWAY_PUBLIC_KEYS ?? '') });
  } catch (error) {
    throw new Error(`[${service}] GATEWAY_PUBLIC_KEYS: ${error instanceof Error ? error.message : String(error)}`);
  }
}

const INBOX_PRUNE_INTERVAL_MS = 3600_000;

export async function startSubgraphService<TSchema extends Record<string, unknown>>(
  options: SubgraphServiceOptions<TSchema>,
): Promise<RunningSubgraph<TSchema>> {
  const logger = createLogger(options.service, options.env.LOG_LEVEL, { format: options.env.LOG_FORMAT });
  const gatewayKeys = await gatewayKeysFrom(options.env, options.service);
  const database = await openDatabase({
    owner: options.service,
    schema: options.tables,
    migrationsFolder: options.migrationsFolder,
    databaseUrl: options.env.DATABASE_URL,
    dataDir: options.inMemory ? undefined : options.env.JUDGIFY_DATA_DIR,
    vector: options.vector,
    logger,
  });
  const redis = options.env.REDIS_URL ? { url: options.env.REDIS_URL, prefix: options.env.REDIS_PREFIX } : undefined;
  const bus = createEventBus({ redis, logger, service: options.service });
  const relay = options.outbox && new OutboxRelay({ db: database.db, table: options.outbox, bus, logger, owner: options.service });
  const appClosers: Array<() => Promise<void>> = [];
  const live = createLiveUpdates({ redis, logger, service: options.service });
  const fence = createVersionFence({ redis, logger, service: options.service });
  const infrastructure: SubgraphInfrastructure<TSchema> = {
    service: options.service,
    // The migrations live inside the service's package, so its package.json is the nearest one above them.
    version: options.env.JUDGIFY_VERSION ?? packageVersion(options.migrationsFolder),
    logger,
    metrics: createMetrics(options.service),
    database,
    bus,
    outbox: options.outbox && relay ? { table: options.outbox, relay } : undefined,
    redis,
    gatewayKeys,
    live,
    fence,
    supergraph: createSupergraphClient({ url: options.env.GATEWAY_URL, service: options.service, logger }),
    ...subgraphChecks({ service: options.service, database, bus, outbox: relay }),
    onClose: (closer) => void appClosers.push(closer),
  };
  registerServiceMetrics(infrastructure.metrics.registry, { service: options.service, logger, database, outbox: relay, bus });
  const yoga = options.createApp(infrastructure);
  await redisConnectionsReady();
  relay?.start();
  const { inbox } = options;
  const pruner = inbox && setInterval(() => pruneInbox(database.db, inbox).catch((error: unknown) => logger.warn({ err: error }, 'inbox pruning failed')), INBOX_PRUNE_INTERVAL_MS);
  pruner?.unref();
  const activeSubscriptions = subscriptionGauge(infrastructure.metrics);
  let closeSockets: (() => Promise<void>) | undefined;
  const running = await serve({
    name: options.service,
    handler: yoga,
    onListening: (server) => {
      closeSockets = serveSubgraphWebSocket(server, yoga, { keys: gatewayKeys, audience: audienceOf(options.service), logger, active: activeSubscriptions });
    },
    drainers: [async () => closeSockets?.()],
    port: options.port,
    host: options.host,
    logger,
    closers: [
      async () => clearInterval(pruner),
      async () => relay?.stop(),
      async () => void (await Promise.allSettled(appClosers.map((close) => close()))),
      () => live.close(),
      () => fence.close(),
      () => bus.close(),
      () => database.close(),
    ],
  });
  logger.info({ url: `${running.url}/graphql`, database: database.kind, bus: bus.kind }, `${options.service} subgraph ready`);
  return { ...running, infrastructure };
}
