import type { LlmClient } from '@judgify/runtime/llm';
import type { SubgraphInfrastructure } from '@judgify/runtime/subgraph-service';
import { DEFAULT_SUPERGRAPH_PATH, loadApiSchema } from '../src/api-schema.ts';
import { createApp } from '../src/app.ts';
import type * as tables from '../src/db/schema.ts';

/** The repository's composed supergraph, as the bi service loads it by default. */
export const apiSchema = loadApiSchema(DEFAULT_SUPERGRAPH_PATH);

export const createBiApp = (options: { llm?: LlmClient } = {}) => (infrastructure: SubgraphInfrastructure<typeof tables>) => createApp(infrastructure, { apiSchema, ...options });
