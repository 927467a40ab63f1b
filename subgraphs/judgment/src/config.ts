import { llmEnv, parseEnv, port, subgraphEnvWith } from '@judgify/runtime/config';
import { z } from 'zod';

const judgmentEnv = subgraphEnvWith({
  JUDGMENT_PORT: port(8002),
  ...llmEnv.shape,
  /** How long a judgment waits for a workflow version written elsewhere to arrive before it answers WORKFLOW_VERSION_PENDING. */
  WORKFLOW_SYNC_TIMEOUT_MS: z.coerce.number().int().positive().default(3_000),
  /** Labelled samples like the input shown to the LLM with each judgment (10–20 work well); 0 turns few-shot examples off. */
  FEW_SHOT_SAMPLES: z.coerce.number().int().min(0).max(50).default(15),
  /** How long a judgment waits for its few-shot samples before the LLM answers without them. */
  FEW_SHOT_TIMEOUT_MS: z.coerce.number().int().positive().default(1_000),
  /** LLM asks one executeJudgments call has in flight at most; the batch's other inputs wait for a free slot. */
  LLM_BATCH_CONCURRENCY: z.coerce.number().int().min(1).max(100).default(10),
});

export type JudgmentConfig = ReturnType<typeof loadConfig>;

export function loadConfig(env: NodeJS.ProcessEnv) {
  return parseEnv(judgmentEnv, env, 'judgment');
}
