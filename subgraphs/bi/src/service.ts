import { fileURLToPath } from 'node:url';
import { llmClientFromEnv } from '@judgify/runtime/llm';
import { startSubgraphService } from '@judgify/runtime/subgraph-service';
import { loadApiSchema } from './api-schema.ts';
import { createApp } from './app.ts';
import type { BiConfig } from './config.ts';
import * as tables from './db/schema.ts';

export const migrationsFolder = fileURLToPath(new URL('./db/migrations', import.meta.url));

export function startBiService(config: BiConfig, options: { host?: string; inMemory?: boolean } = {}) {
  const apiSchema = loadApiSchema(config.SUPERGRAPH_PATH);
  return startSubgraphService({
    service: 'bi',
    env: config,
    port: config.BI_PORT,
    tables,
    migrationsFolder,
    outbox: tables.outbox,
    inbox: tables.inbox,
    createApp: (infrastructure) => createApp(infrastructure, { apiSchema, llm: llmClientFromEnv(config, infrastructure.logger) }),
    ...options,
  });
}
