import { randomUUID } from 'node:crypto';
import type { GraphQLSchema } from 'graphql';
import { createYoga, maskError, type YogaServerInstance } from 'graphql-yoga';
import type { JWTVerifyGetKey } from 'jose';
import { audienceOf, type Identity } from './identity.ts';
import { redactedError, type Logger } from './logger.ts';
import type { Metrics } from './metrics.ts';
import { forwardedRequestOf, useForwardedIdentity, type ForwardedRequest } from './use-forwarded-identity.ts';
import { useEntityGuard } from './use-entity-guard.ts';
import { useInputGuards, useParserTokenLimit } from './use-input-guards.ts';
import { llmCheck } from './health-checks.ts';
import type { LlmClient } from './llm.ts';
import { createServiceHealth, registerHealthMetric, useHealth, type ReadinessChecks } from './use-health.ts';
import { useAuthorizationMetrics, useMetrics } from './metrics.ts';
import { requestIdOf, useRequestId } from './use-request-id.ts';

/**
 * Tokens a subgraph parses at most. The gateway limits clients to 5,000; what it sends a subgraph
 * for one client operation (key fields, `__typename`s, fragments per type) stays well below this.
 */
export const SUBGRAPH_MAX_TOKENS = 20_000;

/** What every subgraph resolver can rely on; subgraphs add their loaders and dependencies. */
export interface RequestContext {
  identity: Identity;
  requestId: string;
  log: Logger;
  /** The grant to call the supergraph as this request's user (see the runtime's supergraph client). */
  delegation?: string;
  /**
   * Over a WebSocket: the latest grant the gateway sent on the connection. Grants last a minute
   * and the gateway renews them while a subscription lives, so a subscription that calls the
   * supergraph long after it started (a live dashboard) reads `current` each time.
   */
  renewedGrant?: { readonly current?: string };
}

export interface SubgraphYogaOptions<TContext extends RequestContext> {
  service: string;
  /** Reported by /health. */
  version: string;
  schema: GraphQLSchema;
  logger: Logger;
  metrics: Metrics;
  /** The gateway's public keys: forwarded identities are verified with them. */
  gatewayKeys: JWTVerifyGetKey;
  /** Required by /health/ready (the database). */
  readiness: ReadinessChecks;
  /** Reported by /health, but never making the service unready (Redis, outbox backlog, consumer lag). */
  degradable?: ReadinessChecks;
  /** The service's LLM, when one is configured: /health reports whether its endpoint answers (degradable). */
  llm?: LlmClient;
  extendContext(base: RequestContext): TContext;
}

export type SubgraphYoga = YogaServerInstance<Record<string, unknown>, RequestContext>;

/** A logger that names who acts, and through which services, next to the request id. */
export function requestLogger(logger: Logger, requestId: string, identity: Identity | undefined): Logger {
  return logger.child({
    requestId,
    ...(identity ? { userId: identity.userId, tenantId: identity.tenantId } : {}),
    ...(identity?.via ? { via: identity.via } : {}),
  });
}

export function createSubgraphYoga<TContext extends RequestContext>(options: SubgraphYogaOptions<TContext>): SubgraphYoga {
  const health = createServiceHealth({
    service: options.service,
    version: options.version,
    required: options.readiness,
    degradable: { ...options.degradable, ...(options.llm ? { llm: llmCheck(options.llm) } : {}) },
  });
  registerHealthMetric(options.metrics.registry, health);
  return createYoga<Record<string, unknown>, RequestContext>({
    schema: options.schema,
    graphqlEndpoint: '/graphql',
    healthCheckEndpoint: '/health/live',
    landingPage: false,
    graphiql: false,
    logging: false,
    // `serve` has read the body within its limit already; yoga's own limit would stream it through again.
    maxRequestBodySize: false,
    maskedErrors: {
      isDev: false,
      maskError(error, message) {
        const masked = maskError(error, message, false);
        if (masked !== error) options.logger.error({ err: redactedError(error) }, 'unexpected error (masked)');
        return masked;
      },
    },
    plugins: [
      useRequestId(options.logger),
      useInputGuards(),
      useParserTokenLimit(SUBGRAPH_MAX_TOKENS),
      useHealth(health),
      useMetrics(options.metrics),
      useAuthorizationMetrics(options.metrics.registry),
      useForwardedIdentity({ keys: options.gatewayKeys, audience: audienceOf(options.service) }),
      useEntityGuard(),
    ],
    // Over HTTP the identity comes with the request; over a WebSocket, from its connection.
    context: ({ request, identity, renewedGrant }: { request?: Request; identity?: Identity; renewedGrant?: { current?: string } }) => {
      const requestId = request ? requestIdOf(request) : randomUUID();
      const forwarded: ForwardedRequest = identity ? { identity } : forwardedRequestOf(request);
      return options.extendContext({
        identity: forwarded.identity,
        delegation: renewedGrant ? renewedGrant.current : forwarded.delegation,
        renewedGrant,
        requestId,
        log: requestLogger(options.logger, requestId, forwarded.identity),
      });
    },
  });
}
