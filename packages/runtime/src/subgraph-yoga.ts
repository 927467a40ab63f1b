import { randomUUID } from 'node:crypto';
import type { GraphQLSchema } from 'graphql';
import { createYoga, maskError, type YogaServerInstance } from 'graphql-yoga';
import { audienceOf, type Identity } from './identity.ts';
import { redactedError, type Logger } from './logger.ts';
import type { Metrics } from './metrics.ts';
import { useForwardedIdentity, forwardedIdentityOf } from './use-forwarded-identity.ts';
import { useInputGuards } from './use-input-guards.ts';
import { useHealth, type ReadinessChecks } from './use-health.ts';
import { useMetrics } from './metrics.ts';
import { requestIdOf, useRequestId } from './use-request-id.ts';

/** What every subgraph resolver can rely on; subgraphs add their loaders and dependencies. */
export interface RequestContext {
  identity: Identity;
  requestId: string;
  log: Logger;
}

export interface SubgraphYogaOptions<TContext extends RequestContext> {
  service: string;
  schema: GraphQLSchema;
  logger: Logger;
  metrics: Metrics;
  internalSecret: string;
  readiness: ReadinessChecks;
  extendContext(base: RequestContext): TContext;
}

export type SubgraphYoga = YogaServerInstance<Record<string, unknown>, RequestContext>;

export function createSubgraphYoga<TContext extends RequestContext>(options: SubgraphYogaOptions<TContext>): SubgraphYoga {
  return createYoga<Record<string, unknown>, RequestContext>({
    schema: options.schema,
    graphqlEndpoint: '/graphql',
    healthCheckEndpoint: '/health/live',
    landingPage: false,
    graphiql: false,
    logging: false,
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
      useHealth(options.service, options.readiness),
      useMetrics(options.metrics),
      useForwardedIdentity({ secret: options.internalSecret, audience: audienceOf(options.service) }),
    ],
    // Over HTTP the identity comes with the request; over a WebSocket, from its connection.
    context: ({ request, identity }: { request?: Request; identity?: Identity }) => {
      const requestId = request ? requestIdOf(request) : randomUUID();
      return options.extendContext({
        identity: identity ?? forwardedIdentityOf(request),
        requestId,
        log: options.logger.child({ requestId }),
      });
    },
  });
}
