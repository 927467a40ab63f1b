import { fileURLToPath } from 'node:url';
import { startSubgraphService } from '@judgify/runtime/subgraph-service';
import { createApp } from './app.ts';
import type { BiConfig } from './config.ts';
import * as tables from './db/schema.ts';

export const migrationsFolder = fileURLToPath(new URL('./db/migrations', import.meta.url));

export function startBiService(config: BiConfig, options: { host?: string; inMemory?: boolean } = {}) {
  return startSubgraphService({
    service: 'bi',
    env: config,
    port: config.BI_PORT,
    tables,
    migrationsFolder,
    outbox: tables.outbox,
    inbox: tables.inbox,
    createApp,
    ...options,
  });
}
