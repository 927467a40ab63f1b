import { llmEnv, parseEnv, port, subgraphEnvWith } from '@judgify/runtime/config';

/** With an LLM configured, it classifies messages and writes the streamed replies; without one, the embedded classifier and composed answers do. */
const chatEnv = subgraphEnvWith({ CHAT_PORT: port(8008), ...llmEnv.shape });

export type ChatConfig = ReturnType<typeof loadConfig>;

export function loadConfig(env: NodeJS.ProcessEnv) {
  return parseEnv(chatEnv, env, 'chat');
}
