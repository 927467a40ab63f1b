import { parseEnv, port, subgraphEnvWith } from '@judgify/runtime/config';

const learningEnv = subgraphEnvWith({ LEARNING_PORT: port(8009) });

export type LearningConfig = ReturnType<typeof loadConfig>;

export function loadConfig(env: NodeJS.ProcessEnv) {
  return parseEnv(learningEnv, env, 'learning');
}
