import { fileURLToPath } from 'node:url';
import { llmClientFromEnv } from '@judgify/runtime/llm';
import { startSubgraphService } from '@judgify/runtime/subgraph-service';
import { createApp } from './app.ts';
import type { ChatConfig } from './config.ts';
import * as tables from './db/schema.ts';

export const migrationsFolder = fileURLToPath(new URL('./db/migrations', import.meta.url));

export function startChatService(config: ChatConfig, options: { host?: string; inMemory?: boolean } = {}) {
  return startSubgraphService({
    service: 'chat',
    env: config,
    port: config.CHAT_PORT,
    tables,
    migrationsFolder,
    createApp: (infrastructure) => createApp(infrastructure, { llm: llmClientFromEnv(config, infrastructure.logger) }),
    ...options,
  });
}
