import { parseEnv, port, subgraphEnv } from '@judgify/runtime/config';

const chatEnv = subgraphEnv.extend({ CHAT_PORT: port(8008) });

export type ChatConfig = ReturnType<typeof loadConfig>;

export function loadConfig(env: NodeJS.ProcessEnv) {
  return parseEnv(chatEnv, env, 'chat');
}
