import { Kind, type DefinitionNode, type OperationDefinitionNode } from 'graphql';
import type { Plugin } from 'graphql-yoga';
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics, type Metric } from 'prom-client';

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

/** The registry's metric of this name, made on first use: apps built twice on one registry (tests) share it. */
export function metricOf<T extends Metric>(registry: Registry, name: string, create: () => T): T {
  return (registry.getSingleMetric(name) as T | undefined) ?? create();
}

/** One reading of a gauge read on scrape: a value, with its labels when the gauge has some. */
export interface GaugeSample<L extends string> {
  labels?: Partial<Record<L, string>>;
  value: number;
}

export interface ScrapedGaugeOptions<L extends string> {
  name: string;
  help: string;
  labelNames?: readonly L[];
  registry: Registry;
  read(): Promise<Array<GaugeSample<L>>>;
  /** A reading is reused for this long: scrapes from several Prometheus replicas cost one read (default 5 s). */
  maxAgeMs?: number;
  /** A read taking longer is given up for this scrape (default 2 s). */
  timeoutMs?: number;
  onError?(error: unknown): void;
}

/**
 * A gauge read when scraped from something that costs a query (the database, Redis): at most once
 * per `maxAgeMs` however many scrape it, never holding a scrape past `timeoutMs`, and left at its
 * last reading when the read fails, so a slow or failing dependency never fails /metrics.
 */
export function scrapedGauge<L extends string>(options: ScrapedGaugeOptions<L>): Gauge<L> {
  const maxAgeMs = options.maxAgeMs ?? 5_000;
  const timeoutMs = options.timeoutMs ?? 2_000;
  let samples: Array<GaugeSample<L>> = [];
  let readAt = Number.NEGATIVE_INFINITY;
  let reading: Promise<void> | undefined;
  const refresh = async () => {
    let timer: NodeJS.Timeout | undefined;
    try {
      const timeout = new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new Error(`${options.name}: no reading within ${timeoutMs} ms`)), timeoutMs);
      });
      samples = await Promise.race([options.read(), timeout]);
      readAt = performance.now();
    } catch (error) {
      options.onError?.(error);
    } finally {
      clearTimeout(timer);
      reading = undefined;
    }
  };
  return new Gauge<L>({
    name: options.name,
    help: options.help,
    labelNames: options.labelNames ?? [],
    registers: [options.registry],
    async collect() {
      if (performance.now() - readAt >= maxAgeMs) await (reading ??= refresh());
      this.reset();
      for (const sample of samples) {
        if (sample.labels) this.set(sample.labels, sample.value);
        else this.set(sample.value);
      }
    },
  });
}

/** Lookups of each cache by result: `cache_requests_total{cache, result="hit"|"miss"}`. */
export function cacheRequests(registry: Registry): Counter<'cache' | 'result'> {
  return metricOf(
    registry,
    'cache_requests_total',
    () => new Counter({ name: 'cache_requests_total', help: 'Cache lookups by cache and result (hit, miss)', labelNames: ['cache', 'result'], registers: [registry] }),
  );
}

const isStream = (result: object): boolean => Symbol.asyncIterator in result;

/**
 * Counts `authorization_failures_total`: each FORBIDDEN error a result carries is one refusal
 * (a field or subscription whose role the caller lacks). Subgraphs count them where they refuse;
 * the gateway, which only passes them on, does not.
 */
export function useAuthorizationMetrics(registry: Registry): Plugin {
  const failures = metricOf(
    registry,
    'authorization_failures_total',
    () => new Counter({ name: 'authorization_failures_total', help: 'Refusals for want of a role (FORBIDDEN errors), one per refused field or subscription', registers: [registry] }),
  );
  const count = (result: object) => {
    if (isStream(result) || !('errors' in result) || !Array.isArray(result.errors)) return;
    for (const error of result.errors as Array<{ extensions?: { code?: unknown } }>) {
      if (error.extensions?.code === 'FORBIDDEN') failures.inc();
    }
  };
  return {
    onExecute: () => ({ onExecuteDone: ({ result }) => count(result) }),
    onSubscribe: () => ({ onSubscribeResult: ({ result }) => count(result) }),
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
