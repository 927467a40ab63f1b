import type { SubgraphInfrastructure } from '@judgify/runtime/subgraph-service';
import { createSubgraphYoga } from '@judgify/runtime/subgraph-yoga';
import { WorkLoop } from '@judgify/runtime/work-loop';
import { subscribeToEvents } from './consumers.ts';
import { createLoaders, type Context, type Deps } from './context.ts';
import type * as tables from './db/schema.ts';
import { METRICS_CHANGED } from './domain/live.ts';
import { pruneMetrics } from './domain/metrics/retention.ts';
import { schema } from './schema/index.ts';

const PRUNE_INTERVAL_MS = 3600_000;

export function createApp(infrastructure: SubgraphInfrastructure<typeof tables>) {
  const { logger, live } = infrastructure;
  const deps: Deps = { db: infrastructure.database.db, supergraph: infrastructure.supergraph };
  subscribeToEvents(infrastructure.bus, {
    db: deps.db,
    logger,
    changed: (change) => live.publish(METRICS_CHANGED, change.tenantId, change),
  });
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
  return createSubgraphYoga<Context>({
    ...infrastructure,
    schema,
    extendContext: (base) => ({ ...base, deps, loaders: createLoaders(deps, base) }),
  });
}
