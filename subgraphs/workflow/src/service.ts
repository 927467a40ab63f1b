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
    inbox: tables.inbox,
    createApp: (infrastructure) =>
      createApp(infrastructure, {
        delivery: {
          concurrency: config.ACTION_CONCURRENCY,
          timeoutMs: config.ACTION_TIMEOUT_MS,
          delaysMs: config.ACTION_RETRY_SCHEDULE,
          maxResponseBytes: config.ACTION_MAX_RESPONSE_BYTES,
          allowPrivateTargets: config.ACTION_ALLOW_PRIVATE_TARGETS,
        },
        breaker: { failureThreshold: config.ACTION_BREAKER_FAILURES, resetTimeoutMs: config.ACTION_BREAKER_RESET_MS },
      }),
    ...options,
  });
}
