import { fileURLToPath } from 'node:url';
import { llmClientFromEnv } from '@judgify/runtime/llm';
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
        llm: llmClientFromEnv(config, infrastructure.logger),
        syncTimeoutMs: config.WORKFLOW_SYNC_TIMEOUT_MS,
        fewShot: { samples: config.FEW_SHOT_SAMPLES, timeoutMs: config.FEW_SHOT_TIMEOUT_MS },
        llmBatchConcurrency: config.LLM_BATCH_CONCURRENCY,
      }),
    ...options,
  });
}
