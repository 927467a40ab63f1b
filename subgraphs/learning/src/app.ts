import type { LlmClient } from '@judgify/runtime/llm';
import type { SubgraphInfrastructure } from '@judgify/runtime/subgraph-service';
import { createSubgraphYoga } from '@judgify/runtime/subgraph-yoga';
import { subscribeToEvents } from './consumers.ts';
import { createLoaders, type Context, type Deps } from './context.ts';
import type * as tables from './db/schema.ts';
import { createSampleCache } from './domain/few-shot.ts';
import { schema } from './schema/index.ts';
import { extractionMetrics, RuleExtractionWorker } from './workers/rule-extraction.ts';

export interface LearningAppOptions {
  /** Proposes rules (LLM_PATTERN); without one, the other algorithms run and the job notes the skip. */
  llm?: LlmClient;
  /** Leave the extraction worker stopped (tests that play its part). */
  holdExtraction?: boolean;
}

/** Workflows whose labelled samples the in-app similarity path keeps in memory. */
const CACHED_WORKFLOWS = 200;

export function createApp(infrastructure: SubgraphInfrastructure<typeof tables>, options: LearningAppOptions = {}) {
  const worker = new RuleExtractionWorker({
    db: infrastructure.database.db,
    llm: options.llm,
    live: infrastructure.live,
    logger: infrastructure.logger.child({ worker: 'rule-extraction' }),
    metrics: extractionMetrics(infrastructure.metrics.registry),
  });
  const deps: Deps = {
    db: infrastructure.database.db,
    supergraph: infrastructure.supergraph,
    logger: infrastructure.logger,
    hasVector: infrastructure.database.hasVector,
    sampleCache: createSampleCache(CACHED_WORKFLOWS),
    eventsCommitted: () => infrastructure.outbox?.relay.kick(),
    wakeExtraction: () => worker.kick(),
  };
  subscribeToEvents(infrastructure.bus, deps);
  if (!options.holdExtraction) worker.start();
  infrastructure.onClose(() => worker.stop());
  return createSubgraphYoga<Context>({
    ...infrastructure,
    llm: options.llm,
    schema,
    extendContext: (base) => ({ ...base, deps, live: infrastructure.live, loaders: createLoaders(deps, base.identity.tenantId) }),
  });
}
