import { fileURLToPath } from 'node:url';
import { llmClientFromEnv } from '@judgify/runtime/llm';
import { startSubgraphService } from '@judgify/runtime/subgraph-service';
import { createApp } from './app.ts';
import type { LearningConfig } from './config.ts';
import * as tables from './db/schema.ts';

export const migrationsFolder = fileURLToPath(new URL('./db/migrations', import.meta.url));

export function startLearningService(config: LearningConfig, options: { host?: string; inMemory?: boolean } = {}) {
  return startSubgraphService({
    service: 'learning',
    env: config,
    port: config.LEARNING_PORT,
    tables,
    migrationsFolder,
    outbox: tables.outbox,
    inbox: tables.inbox,
    vector: true,
    createApp: (infrastructure) => createApp(infrastructure, { llm: llmClientFromEnv(config, infrastructure.logger) }),
    ...options,
  });
}
