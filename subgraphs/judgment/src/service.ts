import { fileURLToPath } from 'node:url';
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
    createApp,
    ...options,
  });
}
