import { countedCache, createMemoryCache } from '@judgify/runtime/cache';
import type { LlmClient } from '@judgify/runtime/llm';
import { Counter, Histogram } from '@judgify/runtime/metrics';
import type { SubgraphInfrastructure } from '@judgify/runtime/subgraph-service';
import { createSubgraphYoga } from '@judgify/runtime/subgraph-yoga';
import { WorkLoop } from '@judgify/runtime/work-loop';
import { createLoaders, type Context, type Deps } from './context.ts';
import type * as tables from './db/schema.ts';
import { failStaleReplies } from './domain/assistant/assistant.ts';
import { schema } from './schema/index.ts';

export interface ChatAppOptions {
  /** Classifies messages and writes replies; without one the embedded classifier and composed answers do. */
  llm?: LlmClient;
}

export function createApp(infrastructure: SubgraphInfrastructure<typeof tables>, options: ChatAppOptions = {}) {
  const { metrics } = infrastructure;
  const deps: Deps = {
    db: infrastructure.database.db,
    supergraph: infrastructure.supergraph,
    workflowLists: countedCache(createMemoryCache(1_000), 'chat_workflow_lists', metrics.registry),
    live: infrastructure.live,
    llm: options.llm,
    logger: infrastructure.logger,
    metrics: {
      messages: new Counter({ name: 'chat_messages_total', help: 'Chat messages answered, by intent and the service the answer was routed to (none when it needed no call)', labelNames: ['intent', 'service_routed'], registers: [metrics.registry] }),
      firstChunk: new Histogram({ name: 'chat_first_chunk_seconds', help: "Time from a chat message to its answer's first streamed chunk, by who understood it (embedded, llm)", labelNames: ['source'], buckets: [0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10], registers: [metrics.registry] }),
      answered: new Histogram({ name: 'chat_answer_seconds', help: 'Time from a chat message to its final stored answer', labelNames: ['source'], buckets: [0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30], registers: [metrics.registry] }),
    },
  };
  const sweeping = new WorkLoop(async () => {
    try {
      const failed = await failStaleReplies(deps, new Date());
      if (failed) infrastructure.logger.warn({ failed }, 'interrupted chat replies marked FAILED');
    } catch (error) {
      infrastructure.logger.warn({ err: error }, 'sweeping interrupted chat replies failed');
    }
    return 60_000;
  });
  sweeping.start();
  infrastructure.onClose(() => sweeping.stop());
  return createSubgraphYoga<Context>({
    ...infrastructure,
    llm: options.llm,
    schema,
    extendContext: (base) => ({ ...base, deps, loaders: createLoaders(deps, base.identity) }),
  });
}
