import type { LlmClient } from '@judgify/runtime/llm';
import { Counter, Histogram } from '@judgify/runtime/metrics';
import type { SubgraphInfrastructure } from '@judgify/runtime/subgraph-service';
import { createSubgraphYoga } from '@judgify/runtime/subgraph-yoga';
import { WorkLoop } from '@judgify/runtime/work-loop';
import type { GraphQLSchema } from 'graphql';
import { subscribeToEvents } from './consumers.ts';
import { createLoaders, type Context, type Deps } from './context.ts';
import type * as tables from './db/schema.ts';
import { METRICS_CHANGED } from './domain/live.ts';
import { pruneMetrics } from './domain/metrics/retention.ts';
import { warmChartValidator } from './domain/views/chart-check.ts';
import { schema } from './schema/index.ts';
import { currentTraceparent } from '@judgify/runtime/tracing';

const PRUNE_INTERVAL_MS = 3600_000;

export interface BiAppOptions {
  /** The supergraph's API schema, which every view is checked against. */
  apiSchema: GraphQLSchema;
  /** Generates views; without one, the embedded planner does. */
  llm?: LlmClient;
}

export function createApp(infrastructure: SubgraphInfrastructure<typeof tables>, options: BiAppOptions) {
  const { logger, live, metrics } = infrastructure;
  const deps: Deps = {
    db: infrastructure.database.db,
    supergraph: infrastructure.supergraph,
    live,
    logger,
    llm: options.llm,
    apiSchema: options.apiSchema,
    eventsCommitted: () => infrastructure.outbox?.relay.kick(),
    viewMetrics: {
      generated: new Counter({ name: 'bi_view_generation_total', help: 'BI view generation attempts by source (PLANNER, LLM) and result', labelNames: ['source', 'result'], registers: [metrics.registry] }),
      duration: new Histogram({ name: 'bi_view_generation_duration_seconds', help: 'Time to generate a BI view and read its data, by the source that answered', labelNames: ['source'], buckets: [0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30], registers: [metrics.registry] }),
    },
    pushLatency: new Histogram({ name: 'bi_dashboard_push_latency_seconds', help: 'Time from the event that changed a dashboard view to the push carrying its fresh data', buckets: [0.05, 0.1, 0.25, 0.5, 0.75, 1, 2, 5], registers: [metrics.registry] }),
  };
  subscribeToEvents(infrastructure.bus, { db: deps.db, logger, changed: (change) => live.publish(METRICS_CHANGED, change.tenantId, { ...change, traceparent: currentTraceparent() }) });
  const pruning = new WorkLoop(async () => {
    try {
      const removed = await pruneMetrics(deps.db, new Date());
      if (removed) logger.info({ removed }, 'metrics past their retention pruned');
    } catch (error) {
      logger.warn({ err: error }, 'metrics pruning failed; retrying in an hour');
    }
    return PRUNE_INTERVAL_MS;
  });
  pruning.start();
  infrastructure.onClose(() => pruning.stop());
  // Compiling Vega-Lite's JSON schema takes about a second: off the first request's path.
  setImmediate(warmChartValidator);
  return createSubgraphYoga<Context>({
    ...infrastructure,
    llm: options.llm,
    schema,
    extendContext: (base) => ({ ...base, deps, loaders: createLoaders(deps, base) }),
  });
}
