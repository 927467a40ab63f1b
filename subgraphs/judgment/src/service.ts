import { fileURLToPath } from 'node:url';
import { createLlmClient } from '@judgify/runtime/llm';
import { startSubgraphService } from '@judgify/runtime/subgraph-service';
import { createApp } from './app.ts';
import type { JudgmentConfig } from './config.ts';
import * as tables from './db/schema.ts';

export const migrationsFolder = fileURLToPath(new URL('./db/migrations', import.meta.url));

export function startJudgmentService(config: JudgmentConfig, options: { host?: string; inMemory?: boolean } = {}) {
  return startSubgraphService({
    service: 'judgment',
    env: config,
    port: config.JUDGMENT_PORT,
    tables,
    migrationsFolder,
    outbox: tables.outbox,
    inbox: tables.inbox,
    createApp: (infrastructure) =>
      createApp(infrastructure, {
        llm: createLlmClient({
          apiKey: config.OPENAI_API_KEY,
          baseUrl: config.OPENAI_BASE_URL,
          model: config.LLM_MODEL,
          timeoutMs: config.LLM_TIMEOUT_MS,
          logger: infrastructure.logger,
        }),
        syncTimeoutMs: config.WORKFLOW_SYNC_TIMEOUT_MS,
      }),
    ...options,
  });
}
