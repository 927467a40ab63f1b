import { createCache, type Cache } from '@judgify/runtime/cache';
import type { LlmClient } from '@judgify/runtime/llm';
import type { SubgraphInfrastructure } from '@judgify/runtime/subgraph-service';
import { createSubgraphYoga } from '@judgify/runtime/subgraph-yoga';
import { compileRule, type CompiledRule } from '@judgify/rule-language/compile';
import { LRUCache } from 'lru-cache';
import { createLoaders, type Context, type Deps } from './context.ts';
import * as tables from './db/schema.ts';
import { judgmentMetrics } from './domain/execute.ts';
import { fewShotMetric } from './domain/few-shot.ts';
import { JUDGMENT_COMPLETED } from './domain/live.ts';
import { applyWorkflowEvent, VersionArrivals, WorkflowDefinitionCache } from './domain/workflow-definitions.ts';
import { schema } from './schema/index.ts';

export const WORKFLOW_EVENT_TYPES = ['created', 'updated', 'deactivated', 'reactivated', 'deleted'].map((type) => `workflow.${type}`);

export interface JudgmentAppOptions {
  llm?: LlmClient;
  /** Shared by replicas in distributed mode (Redis); in memory otherwise. */
  cache?: Cache;
  /** How long a judgment waits for a workflow version announced but not yet received (default 3 s). */
  syncTimeoutMs?: number;
  /** Labelled samples shown to the LLM per judgment (default 15; 0 turns them off), and the lookup's budget (default 1 s). */
  fewShot?: { samples?: number; timeoutMs?: number };
  /** LLM asks one executeJudgments call has in flight at most (default 10). */
  llmBatchConcurrency?: number;
}

export function createApp(infrastructure: SubgraphInfrastructure<typeof tables>, options: JudgmentAppOptions = {}) {
  // Rules are compiled once per text; a workflow version's rules never change.
  // Background work (these consumers) has no user: it acts on this service's own data, in each event's tenant.
  const compiled = new LRUCache<string, CompiledRule>({ max: 10_000 });
  const cache = options.cache ?? createCache({ redis: infrastructure.redis, namespace: 'judgment', logger: infrastructure.logger, registry: infrastructure.metrics.registry });
  infrastructure.onClose(() => cache.close());
  const deps: Deps = {
    db: infrastructure.database.db,
    inbox: tables.inbox,
    fence: infrastructure.fence,
    versionArrived: new VersionArrivals(),
    definitions: new WorkflowDefinitionCache(),
    syncTimeoutMs: options.syncTimeoutMs ?? 3_000,
    eventsCommitted: () => infrastructure.outbox?.relay.kick(),
    announce: (execution) =>
      infrastructure.live.publish(JUDGMENT_COMPLETED, execution.tenantId, { executionId: execution.id, workflowId: execution.workflowId }),
    cache,
    llm: options.llm,
    compile: (source) => {
      let rule = compiled.get(source);
      if (!rule) {
        rule = compileRule(source);
        compiled.set(source, rule);
      }
      return rule;
    },
    metrics: judgmentMetrics(infrastructure.metrics.registry),
    llmBatchConcurrency: options.llmBatchConcurrency ?? 10,
    logger: infrastructure.logger,
    fewShot: {
      supergraph: infrastructure.supergraph,
      logger: infrastructure.logger,
      samples: options.fewShot?.samples ?? 15,
      timeoutMs: options.fewShot?.timeoutMs ?? 1_000,
      sampleCount: fewShotMetric(infrastructure.metrics.registry),
    },
  };
  for (const type of WORKFLOW_EVENT_TYPES) infrastructure.bus.subscribe(type, 'judgment', (event) => applyWorkflowEvent(deps, event));
  return createSubgraphYoga<Context>({
    ...infrastructure,
    llm: options.llm,
    schema,
    extendContext: (base) => ({
      ...base,
      deps,
      actor: { identity: base.identity, correlationId: base.requestId, delegation: base.delegation },
      live: infrastructure.live,
      loaders: createLoaders(deps, base.identity.tenantId),
    }),
  });
}
