import type { SubgraphInfrastructure } from '@judgify/runtime/subgraph-service';
import { createSubgraphYoga } from '@judgify/runtime/subgraph-yoga';
import { checkRule } from '@judgify/rule-language/compile';
import { createLoaders, type Context, type Deps } from './context.ts';
import * as tables from './db/schema.ts';
import { WORKFLOW_CHANGED } from './domain/live.ts';
import { schema } from './schema/index.ts';

export function createApp(infrastructure: SubgraphInfrastructure<typeof tables>) {
  const deps: Deps = {
    db: infrastructure.database.db,
    outbox: tables.outbox,
    eventsCommitted: () => infrastructure.outbox?.relay.kick(),
    announce: (workflow) =>
      infrastructure.live.publish(WORKFLOW_CHANGED, workflow.tenantId, { workflowId: workflow.id, version: workflow.version }),
    fence: infrastructure.fence,
    checkRule,
  };
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
