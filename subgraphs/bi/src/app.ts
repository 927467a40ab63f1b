import type { SubgraphInfrastructure } from '@judgify/runtime/subgraph-service';
import { createSubgraphYoga } from '@judgify/runtime/subgraph-yoga';
import { createLoaders, type Context, type Deps } from './context.ts';
import type * as tables from './db/schema.ts';
import { schema } from './schema/index.ts';

export function createApp(infrastructure: SubgraphInfrastructure<typeof tables>) {
  const deps: Deps = { db: infrastructure.database.db, supergraph: infrastructure.supergraph };
  return createSubgraphYoga<Context>({
    ...infrastructure,
    schema,
    extendContext: (base) => ({ ...base, deps, loaders: createLoaders(deps, base) }),
  });
}
