import { llmEnv, parseEnv, port, subgraphEnvWith } from '@judgify/runtime/config';

/** The LLM, when configured, proposes rules (the LLM_PATTERN algorithm); without one the other algorithms run. */
const learningEnv = subgraphEnvWith({ LEARNING_PORT: port(8009), ...llmEnv.shape });

export type LearningConfig = ReturnType<typeof loadConfig>;

export function loadConfig(env: NodeJS.ProcessEnv) {
  return parseEnv(learningEnv, env, 'learning');
}
