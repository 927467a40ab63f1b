import { Kind, type DefinitionNode, type OperationDefinitionNode } from 'graphql';
import type { Plugin } from 'graphql-yoga';
import { Counter, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

export { Counter, Gauge, Histogram, Registry } from 'prom-client';

export interface Metrics {
  registry: Registry;
  httpDuration: Histogram<'method' | 'route' | 'status'>;
  graphqlOperations: Counter<'type' | 'result'>;
}

/** A registry per service, so several services hosted in one process still report apart. */
export function createMetrics(service: string): Metrics {
  const registry = new Registry();
  registry.setDefaultLabels({ service });
  collectDefaultMetrics({ register: registry });
  return {
    registry,
    httpDuration: new Histogram({
      name: 'http_request_duration_seconds',
      help: 'HTTP request duration by route and status',
      labelNames: ['method', 'route', 'status'],
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
      registers: [registry],
    }),
    graphqlOperations: new Counter({
      name: 'graphql_operations_total',
      help: 'GraphQL operations by type and result',
      labelNames: ['type', 'result'],
      registers: [registry],
    }),
  };
}

const KNOWN_ROUTES = new Set(['/graphql', '/metrics', '/health', '/health/live', '/health/ready']);

/** Serves /metrics and times every request. */
export function useMetrics(metrics: Metrics): Plugin {
  const started = new WeakMap<Request, number>();
  return {
    async onRequest({ request, url, endResponse, fetchAPI }) {
      started.set(request, performance.now());
      if (url.pathname === '/metrics') {
        endResponse(
          new fetchAPI.Response(await metrics.registry.metrics(), {
            headers: { 'content-type': metrics.registry.contentType },
          }),
        );
      }
    },
    onResponse({ request, response }) {
      const start = started.get(request);
      if (start === undefined) return;
      const path = new URL(request.url).pathname;
      metrics.httpDuration.observe(
        { method: request.method, route: KNOWN_ROUTES.has(path) ? path : 'other', status: String(response.status) },
        (performance.now() - start) / 1000,
      );
    },
    onExecute({ args }) {
      const operation = (args.document.definitions as readonly DefinitionNode[]).find(
        (definition): definition is OperationDefinitionNode => definition.kind === Kind.OPERATION_DEFINITION,
      );
      const type = operation?.operation ?? 'unknown';
      return {
        onExecuteDone({ result }) {
          const failed = 'errors' in result && Array.isArray(result.errors) && result.errors.length > 0;
          metrics.graphqlOperations.inc({ type, result: failed ? 'error' : 'success' });
        },
      };
    },
  };
}
