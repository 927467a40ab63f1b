import { fileURLToPath } from 'node:url';
import { startSubgraphService } from '@judgify/runtime/subgraph-service';
import { createApp } from './app.ts';
import type { WorkflowConfig } from './config.ts';
import * as tables from './db/schema.ts';

export const migrationsFolder = fileURLToPath(new URL('./db/migrations', import.meta.url));

export function startWorkflowService(config: WorkflowConfig, options: { host?: string; inMemory?: boolean } = {}) {
  return startSubgraphService({
    service: 'workflow',
    env: config,
    port: config.WORKFLOW_PORT,
    tables,
    migrationsFolder,
    outbox: tables.outbox,
    createApp,
    ...options,
  });
}
