import { parseEnv, port, subgraphEnvWith } from '@judgify/runtime/config';

const chatEnv = subgraphEnvWith({ CHAT_PORT: port(8008) });

export type ChatConfig = ReturnType<typeof loadConfig>;

export function loadConfig(env: NodeJS.ProcessEnv) {
  return parseEnv(chatEnv, env, 'chat');
}
