import type { Server } from 'node:http';
import { ApolloGateway } from '@apollo/gateway';
import { useApolloFederation } from '@envelop/apollo-federation';
import { createIdentityMinter, type Identity } from '@judgify/runtime/identity';
import { redactedError, type Logger } from '@judgify/runtime/logger';
import { Counter, createMetrics, Gauge, Histogram, useMetrics } from '@judgify/runtime/metrics';
import { useHealth } from '@judgify/runtime/use-health';
import { useInputGuards } from '@judgify/runtime/use-input-guards';
import { requestIdOf, useRequestId } from '@judgify/runtime/use-request-id';
import { GraphQLError, NoSchemaIntrospectionCustomRule } from 'graphql';
import { createYoga, maskError, type Plugin } from 'graphql-yoga';
import { createAuthenticator } from './auth.ts';
import type { GatewayConfig } from './config.ts';
import type { GatewayContext } from './context.ts';
import { createFederatedSubscriber } from './federated-subscriptions.ts';
import { DEFAULT_MAX_BUFFERED, SubscriptionHub } from './subscription-hub.ts';
import { serveGatewayWebSocket } from './gateway-websocket.ts';
import { createSharedSubscriber } from './shared-subscription.ts';
import { useOperationLimits } from './security.ts';
import { untilTokenExpiry } from './until-token-expiry.ts';
import { useRequestErrors } from './use-request-errors.ts';
import { SubgraphDataSource, subgraphLatency } from './subgraph-data-source.ts';

export interface GatewayAppOptions {
  config: GatewayConfig;
  supergraphSdl: string;
  logger: Logger;
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
  const latency = subgraphLatency(metrics.registry);
  const mintIdentity = createIdentityMinter(config.INTERNAL_SECRET);
  const activeConnections = new Gauge({
    name: 'active_websocket_connections',
    help: 'Open graphql-ws connections on this gateway',
    registers: [metrics.registry],
  });
  const gateway = new ApolloGateway({
    supergraphSdl: options.supergraphSdl,
    logger,
    buildService: ({ name, url }) =>
      new SubgraphDataSource({
        name,
        url: config.subgraphUrls[name] ?? url ?? '',
        mintIdentity,
        timeoutMs: config.SUBGRAPH_TIMEOUT_MS,
        latency,
      }),
  });
  await gateway.load();

  const authenticator = createAuthenticator({
    jwtSecret: config.JWT_SECRET,
    jwksUrl: config.JWKS_URL,
    issuer: config.JWT_ISSUER,
    audience: config.JWT_AUDIENCE,
  });
  if (!authenticator.verifiesTokens) {
    logger.warn('no JWT_SECRET or JWKS_URL: development identity mode, every request acts as user "dev", tenant "dev", role admin');
  }

  const federated = createFederatedSubscriber({
    gateway,
    mintIdentity,
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
    graphiql: { title: 'Judgify supergraph', defaultQuery: '{ workflows(first: 5) { id name version } }' },
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
      useInputGuards(),
      useHealth('gateway', {}),
      useMetrics(metrics),
      ...useOperationLimits(),
      ...useIntrospection(config.INTROSPECTION),
      useRequestErrors(),
      useApolloFederation({ gateway }),
      useFederatedSubscriptions(subscribe),
    ],
    context: async ({ request }) => {
      const requestId = requestIdOf(request);
      const { identity, expiresAt } = await authenticator.session(request.headers.get('authorization'));
      return { identity, tokenExpiresAt: expiresAt, requestId, log: logger.child({ requestId, userId: identity.userId, tenantId: identity.tenantId }) };
    },
  });

  return {
    yoga,
    metrics,
    authenticator,
    /** Adds graphql-ws (subscriptions included) to the listening server; returns how to close it. */
    serveWebSocket: (server: Server) =>
      serveGatewayWebSocket(server, {
        yoga,
        authenticator,
        subscribe,
        logger,
        activeConnections,
        maxBufferedBytes: config.WS_MAX_BUFFERED_BYTES,
        onTooSlow: () => dropped.inc({ reason: 'socket_backlog' }),
      }),
    close: () => gateway.stop(),
  };
}
