import { parseEnv, port, subgraphEnvWith } from '@judgify/runtime/config';
import { z } from 'zod';

const emptyAsUndefined = (value: unknown) => (value === '' ? undefined : value);

const judgmentEnv = subgraphEnvWith({
  JUDGMENT_PORT: port(8002),
  OPENAI_API_KEY: z.preprocess(emptyAsUndefined, z.string().optional()),
  OPENAI_BASE_URL: z.preprocess(emptyAsUndefined, z.string().url().optional()),
  LLM_MODEL: z.string().min(1).default('gpt-4o-mini'),
  LLM_TIMEOUT_MS: z.coerce.number().int().positive().default(30_000),
  /** How long a judgment waits for a workflow version written elsewhere to arrive before it answers WORKFLOW_VERSION_PENDING. */
  WORKFLOW_SYNC_TIMEOUT_MS: z.coerce.number().int().positive().default(3_000),
});

export type JudgmentConfig = ReturnType<typeof loadConfig>;

export function loadConfig(env: NodeJS.ProcessEnv) {
  return parseEnv(judgmentEnv, env, 'judgment');
}
