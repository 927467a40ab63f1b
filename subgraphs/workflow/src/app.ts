import { createSharedBreakers } from '@judgify/runtime/shared-breakers';
import { LRUCache } from 'lru-cache';
import type { SubgraphInfrastructure } from '@judgify/runtime/subgraph-service';
import { createSubgraphYoga } from '@judgify/runtime/subgraph-yoga';
import { checkRule } from '@judgify/rule-language/compile';
import { subscribeToEvents } from './consumers.ts';
import { createLoaders, type Context, type Deps } from './context.ts';
import * as tables from './db/schema.ts';
import { WORKFLOW_CHANGED } from './domain/live.ts';
import { schema } from './schema/index.ts';
import { ActionDeliveryWorker, deliveryMetrics, type DeliverySettings } from './workers/action-delivery.ts';

/** The defaults of the seed documents and the spec: 10 at once, 10 s an attempt, six attempts over about 1 h 13 min. */
export const DEFAULT_DELIVERY: DeliverySettings = {
  concurrency: 10,
  timeoutMs: 10_000,
  delaysMs: [0, 5_000, 30_000, 120_000, 600_000, 3_600_000],
  maxResponseBytes: 65_536,
  allowPrivateTargets: false,
  pollMs: 250,
};

export interface WorkflowAppOptions {
  delivery?: Partial<DeliverySettings>;
  breaker?: { failureThreshold?: number; resetTimeoutMs?: number };
  /** Leave the delivery worker stopped (tests that play its part). */
  holdDelivery?: boolean;
}

export function createApp(infrastructure: SubgraphInfrastructure<typeof tables>, options: WorkflowAppOptions = {}) {
  const settings = { ...DEFAULT_DELIVERY, ...options.delivery };
  const breakers = createSharedBreakers({
    redis: infrastructure.redis,
    logger: infrastructure.logger,
    service: infrastructure.service,
    name: 'action',
    trialTimeoutMs: settings.timeoutMs * 2,
    ...options.breaker,
  });
  let worker: ActionDeliveryWorker | undefined;
  const deps: Deps = {
    db: infrastructure.database.db,
    outbox: tables.outbox,
    eventsCommitted: () => infrastructure.outbox?.relay.kick(),
    announce: (workflow) =>
      infrastructure.live.publish(WORKFLOW_CHANGED, workflow.tenantId, { workflowId: workflow.id, version: workflow.version }),
    fence: infrastructure.fence,
    checkRule,
    allowPrivateTargets: settings.allowPrivateTargets,
    deliveryTimeoutMs: settings.timeoutMs,
    wakeDelivery: () => worker?.kick(),
    logger: infrastructure.logger,
    versions: new LRUCache({ max: 1_000 }),
    breakers,
  };
  subscribeToEvents(infrastructure.bus, deps);
  worker = new ActionDeliveryWorker({
    db: deps.db,
    outbox: tables.outbox,
    eventsCommitted: deps.eventsCommitted,
    breakers,
    settings,
    logger: infrastructure.logger.child({ worker: 'action-delivery' }),
    metrics: deliveryMetrics(infrastructure.metrics.registry),
  });
  if (!options.holdDelivery) worker.start();
  infrastructure.onClose(async () => {
    await worker?.stop();
    await breakers.close();
  });
  return createSubgraphYoga<Context>({
    ...infrastructure,
    schema,
    extendContext: (base) => ({
      ...base,
      deps,
      actor: { identity: base.identity, correlationId: base.requestId },
      live: infrastructure.live,
      loaders: createLoaders(deps, base.identity.tenantId),
    }),
  });
}
