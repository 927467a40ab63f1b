import { parseEnv, port, subgraphEnv } from '@judgify/runtime/config';

const learningEnv = subgraphEnv.extend({ LEARNING_PORT: port(8009) });

export type LearningConfig = ReturnType<typeof loadConfig>;

export function loadConfig(env: NodeJS.ProcessEnv) {
  return parseEnv(learningEnv, env, 'learning');
}
