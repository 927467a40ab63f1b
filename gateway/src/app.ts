import type { Server } from 'node:http';
import { ApolloGateway } from '@apollo/gateway';
import { useApolloFederation } from '@envelop/apollo-federation';
import { createCache } from '@judgify/runtime/cache';
import { AppError } from '@judgify/runtime/errors';
import { createIdentityMinter } from '@judgify/runtime/forwarded-identity';
import { DELEGATION_HEADER, DELEGATION_ROLES_HEADER, type Identity } from '@judgify/runtime/identity';
import { redactedError, type Logger } from '@judgify/runtime/logger';
import { createRateLimiter } from '@judgify/runtime/rate-limiter';
import type { RedisTarget } from '@judgify/runtime/redis';
import { Counter, createMetrics, Gauge, Histogram, useMetrics } from '@judgify/runtime/metrics';
import { packageVersion, subgraphCheck } from '@judgify/runtime/health-checks';
import { createServiceHealth, registerHealthMetric, useHealth } from '@judgify/runtime/use-health';
import { useInputGuards } from '@judgify/runtime/use-input-guards';
import { requestIdOf, useRequestId } from '@judgify/runtime/use-request-id';
import { GraphQLError, NoSchemaIntrospectionCustomRule } from 'graphql';
import { createYoga, maskError, type Plugin } from 'graphql-yoga';
import { authenticationAttempts, createAuthenticator, refusalOf, type AuthenticationResult, type Authenticator } from './auth.ts';
import type { GatewayConfig } from './config.ts';
import type { GatewayContext } from './context.ts';
import { createDelegation, type Delegation } from './delegation.ts';
import { createFederatedSubscriber } from './federated-subscriptions.ts';
import type { HttpRoute } from './http-routes.ts';
import { consoleRoute } from './console-route.ts';
import { createMcpRoute } from './mcp/http.ts';
import { DEFAULT_MAX_BUFFERED, SubscriptionHub } from './subscription-hub.ts';
import { serveGatewayWebSocket } from './gateway-websocket.ts';
import { createSharedSubscriber } from './shared-subscription.ts';
import { explorerOptions, renderExplorer } from './explorer.ts';
import { createOperationLimiter, useRateLimits } from './rate-limits.ts';
import { useOperationLimits } from './security.ts';
import type { SigningKeys } from './signing-keys.ts';
import { TrustedDocuments, type TrustedDocument } from './trusted-documents.ts';
import { untilTokenExpiry } from './until-token-expiry.ts';
import { useCsrfPrevention } from './use-csrf-prevention.ts';
import { useJwks } from './use-jwks.ts';
import { useRequestErrors } from './use-request-errors.ts';
import { useTrustedDocuments } from './use-trusted-documents.ts';
import { createResponseCache } from './response-cache.ts';
import { SubgraphDataSource, subgraphMetrics } from './subgraph-data-source.ts';
import { createSubgraphHttp } from './subgraph-http.ts';

export interface GatewayAppOptions {
  config: GatewayConfig;
  supergraphSdl: string;
  logger: Logger;
  keys: SigningKeys;
  /** Every registered operation: the platform's own manifest and any configured ones. */
  trustedDocuments: readonly TrustedDocument[];
}

/** Who a request acts as: a delegated call's grant, or the client's token (the development identity without one). */
export interface Caller {
  identity: Identity;
  tokenExpiresAt?: number;
  delegation?: { onBehalfOf: string; expiresAt: number };
}

/**
 * Identifies each request's caller once, however many plugins ask (trusted documents, then the
 * context), and reports how it authenticated.
 */
export function callerIdentifier(authenticator: Authenticator, delegation: Delegation, attempted: (result: AuthenticationResult) => void = () => {}) {
  const identified = new WeakMap<Request, Promise<Caller>>();
  const identify = async (request: Request): Promise<Caller> => {
    const grant = request.headers.get(DELEGATION_HEADER);
    if (!grant) {
      const { identity, expiresAt } = await authenticator.session(request.headers.get('authorization'));
      return { identity, tokenExpiresAt: expiresAt };
    }
    if (request.headers.get('authorization')) {
      throw new AppError(
        'BAD_REQUEST',
        'A delegated call acts only as the user its grant names: send a delegation grant or an Authorization header, not both.',
        { http: { status: 400 } },
      );
    }
    const delegated = delegation.accept(grant, request.headers.get(DELEGATION_ROLES_HEADER));
    return { identity: delegated.identity, tokenExpiresAt: delegated.expiresAt, delegation: { onBehalfOf: delegated.onBehalfOf, expiresAt: delegated.expiresAt } };
  };
  return (request: Request): Promise<Caller> => {
    let caller = identified.get(request);
    if (!caller) {
      caller = identify(request);
      identified.set(request, caller);
      const delegated = request.headers.has(DELEGATION_HEADER);
      caller.then(
        (found) => attempted(found.delegation ? 'delegated' : authenticator.verifiesTokens ? 'success' : 'development'),
        (error: unknown) => attempted(delegated ? 'delegation_refused' : refusalOf(error)),
      );
    }
    return caller;
  };
}

/** graphql-js's own rule: with introspection off, __schema and __type are refused at validation. */
function useIntrospection(enabled: boolean): Plugin[] {
  if (enabled) return [];
  return [{ onValidate: ({ addValidationRule }) => addValidationRule(NoSchemaIntrospectionCustomRule) }];
}

/** Subscriptions over HTTP (Server-Sent Events) run federated too, like those over graphql-ws, and end when the token expires. */
function useFederatedSubscriptions(subscribe: ReturnType<typeof createFederatedSubscriber>): Plugin<GatewayContext> {
  return {
    onSubscribe({ setSubscribeFn }) {
      setSubscribeFn((args) => {
        const context = args.contextValue as GatewayContext & { identity: Identity };
        const stream = subscribe({
          document: args.document,
          operationName: args.operationName,
          variables: args.variableValues as Record<string, unknown> | undefined,
          context,
        });
        return untilTokenExpiry(stream, context.tokenExpiresAt);
      });
    },
  };
}

/** The supergraph gateway: Apollo's query planner and executor, served by graphql-yoga. */
export async function createGatewayApp(options: GatewayAppOptions) {
  const { config, logger } = options;
  const metrics = createMetrics('gateway');
  const subgraphs = subgraphMetrics(metrics.registry);
  const subgraphHttp = createSubgraphHttp();
  const mintIdentity = createIdentityMinter(options.keys.current);
  const delegation = createDelegation({ keys: [options.keys.current, ...(options.keys.previous ? [options.keys.previous] : [])], ttlSeconds: config.DELEGATION_TTL_SECONDS });
  const redis: RedisTarget | undefined = config.REDIS_URL ? { url: config.REDIS_URL, prefix: config.REDIS_PREFIX } : undefined;
  const limiter = createRateLimiter({ redis, logger, service: 'gateway' });
  const apq = createCache({ redis, namespace: 'apq', logger, registry: metrics.registry });
  const operationLimiter = createOperationLimiter({
    policy: config.RATE_LIMITS,
    limiter,
    refusals: new Counter({ name: 'rate_limited_total', help: 'Operations refused by per-user rate limits, by the root field whose budget was spent', labelNames: ['operation'], registers: [metrics.registry] }),
  });
  const trusted = new TrustedDocuments({ mode: config.TRUSTED_DOCUMENTS, documents: options.trustedDocuments, adminBypass: config.TRUSTED_DOCUMENTS_ADMIN_BYPASS, apq });
  const activeConnections = new Gauge({
    name: 'active_websocket_connections',
    help: 'Open graphql-ws connections on this gateway',
    registers: [metrics.registry],
  });
  /** Where each subgraph is served, as the data sources call it: /health asks each one. */
  const routingUrls = new Map<string, string>();
  const gateway = new ApolloGateway({
    supergraphSdl: options.supergraphSdl,
    logger,
    buildService: ({ name, url }) => {
      const routingUrl = config.subgraphUrls[name] ?? url ?? '';
      routingUrls.set(name, routingUrl);
      return new SubgraphDataSource({
        name,
        url: routingUrl,
        mintIdentity,
        mintGrant: (context) => delegation.mint(context.identity!, name, context.requestId ?? '', context.delegation?.expiresAt),
        timeoutMs: config.SUBGRAPH_TIMEOUT_MS,
        deduplicate: config.SUBGRAPH_DEDUPLICATION,
        http: subgraphHttp,
        metrics: subgraphs,
      });
    },
  });
  await gateway.load();
  // Loaded, the gateway serves: readiness needs nothing more. A subgraph down costs only its fields, and Redis its caches and limits.
  const health = createServiceHealth({
    service: 'gateway',
    version: config.JUDGIFY_VERSION ?? packageVersion(import.meta.url),
    required: {},
    degradable: {
      ...(redis ? { redis: () => limiter.ping() } : {}),
      ...Object.fromEntries([...routingUrls].map(([name, url]) => [`subgraph:${name}`, subgraphCheck(name, url)])),
    },
  });
  registerHealthMetric(metrics.registry, health);
  // Opt-in (RESPONSE_CACHE): reads answered from memory, evicted by the owning subgraphs' events.
  const responseCache = config.RESPONSE_CACHE.enabled
    ? createResponseCache({
        policy: config.RESPONSE_CACHE,
        schema: gateway.schema!,
        supergraphSdl: options.supergraphSdl,
        maxEntries: config.RESPONSE_CACHE_MAX_ENTRIES,
        redis,
        logger,
        registry: metrics.registry,
      })
    : undefined;

  const authenticator = createAuthenticator({
    jwtSecret: config.JWT_SECRET,
    jwksUrl: config.JWKS_URL,
    issuer: config.JWT_ISSUER,
    audience: config.JWT_AUDIENCE,
    registry: metrics.registry,
  });
  const authentications = authenticationAttempts(metrics.registry);
  const countAuthentication = (result: AuthenticationResult) => authentications.inc({ result });
  const identifyCaller = callerIdentifier(authenticator, delegation, countAuthentication);
  if (!authenticator.verifiesTokens) {
    logger.warn('no JWT_SECRET or JWKS_URL: development identity mode, every request acts as user "dev", tenant "dev", role admin');
  }

  const federated = createFederatedSubscriber({
    gateway,
    mintIdentity,
    mintGrant: (identity, subgraph, requestId) => delegation.mint(identity, subgraph, requestId),
    grantRenewalMs: (config.DELEGATION_TTL_SECONDS * 1000) / 3,
    webSocketUrlOf: (name, routingUrl) => (config.subgraphUrls[name] ?? routingUrl).replace(/^http/, 'ws'),
    metrics: {
      active: new Gauge({ name: 'graphql_subscriptions_active', help: 'Open federated upstream subscriptions by owning subgraph and root field', labelNames: ['subgraph', 'field'], registers: [metrics.registry] }),
      events: new Counter({ name: 'graphql_subscription_events_total', help: 'Subscription events received from subgraphs, by owning subgraph and root field', labelNames: ['subgraph', 'field'], registers: [metrics.registry] }),
      resolution: new Histogram({
        name: 'graphql_subscription_event_resolution_seconds',
        help: 'Time to resolve one subscription event across subgraphs (entity fetches included)',
        labelNames: ['subgraph', 'field'],
        buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
        registers: [metrics.registry],
      }),
    },
  });
  const dropped = new Counter({
    name: 'graphql_subscribers_dropped_total',
    help: 'Subscribers ended for falling behind: event_backlog (buffered events), socket_backlog (unsent WebSocket bytes)',
    labelNames: ['reason'],
    registers: [metrics.registry],
  });
  const hub = new SubscriptionHub(DEFAULT_MAX_BUFFERED, () => dropped.inc({ reason: 'event_backlog' }));
  const subscribe = createSharedSubscriber({ hub, open: federated, logger });

  const yoga = createYoga<Record<string, unknown>, GatewayContext>({
    graphqlEndpoint: '/graphql',
    healthCheckEndpoint: '/health/live',
    landingPage: false,
    logging: false,
    graphiql: explorerOptions(authenticator.verifiesTokens),
    renderGraphiQL: renderExplorer,
    batching: { limit: 10 },
    // The HTTP server has read the body within MAX_BODY_BYTES already; yoga's own limit would stream it through again.
    maxRequestBodySize: false,
    maskedErrors: {
      isDev: false,
      maskError(error, message) {
        // Subgraphs mask their own unexpected errors; what they send on is meant for the client.
        if (error instanceof GraphQLError && error.extensions.serviceName) {
          return new GraphQLError(error.message, { nodes: error.nodes, path: error.path, extensions: error.extensions });
        }
        const masked = maskError(error, message, false);
        if (masked !== error) logger.error({ err: redactedError(error) }, 'unexpected error (masked)');
        return masked;
      },
    },
    plugins: [
      useRequestId(logger),
      useJwks([options.keys.current, ...(options.keys.previous ? [options.keys.previous] : [])]),
      useHealth(health),
      useMetrics(metrics),
      useCsrfPrevention(),
      useInputGuards(),
      useTrustedDocuments(trusted, async (request) => (await identifyCaller(request)).identity),
      ...useOperationLimits(),
      ...useIntrospection(config.INTROSPECTION),
      useRequestErrors(),
      useRateLimits(operationLimiter),
      useApolloFederation({ gateway }),
      // After the executor's plugin: the cache wraps the execute function it sets.
      ...(responseCache?.plugins ?? []),
      useFederatedSubscriptions(subscribe),
    ],
    context: async ({ request }) => {
      const requestId = requestIdOf(request);
      const caller = await identifyCaller(request);
      const { identity } = caller;
      const log = logger.child({
        requestId,
        userId: identity.userId,
        tenantId: identity.tenantId,
        ...(caller.delegation ? { via: identity.via, onBehalfOf: caller.delegation.onBehalfOf } : {}),
      });
      // The user acts; the services it came through are named, with the request it serves.
      if (caller.delegation) log.info('delegated call');
      return { ...caller, requestId, log };
    },
  });

  /** Served beside GraphQL by path prefix: the console at `/`, MCP at `/mcp`. */
  const routes: HttpRoute[] = [
    consoleRoute({ dist: config.CONSOLE_DIR, verifiesTokens: authenticator.verifiesTokens }),
    createMcpRoute({ yoga, config, authenticator, schema: gateway.schema!, logger, registry: metrics.registry }),
  ];

  return {
    yoga,
    routes,
    metrics,
    authenticator,
    /** Adds graphql-ws (subscriptions included) to the listening server; returns how to close it. */
    serveWebSocket: (server: Server) =>
      serveGatewayWebSocket(server, {
        yoga,
        authenticator,
        subscribe,
        trusted,
        limits: operationLimiter,
        logger,
        activeConnections,
        countAuthentication,
        maxBufferedBytes: config.WS_MAX_BUFFERED_BYTES,
        onTooSlow: () => dropped.inc({ reason: 'socket_backlog' }),
      }),
    close: async () => {
      await gateway.stop();
      subgraphHttp.close();
      await Promise.allSettled([limiter.close(), apq.close(), responseCache?.close()]);
    },
  };
}
