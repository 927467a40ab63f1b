import { parseEnv, port, subgraphEnv } from '@judgify/runtime/config';

const judgmentEnv = subgraphEnv.extend({ JUDGMENT_PORT: port(8002) });

export type JudgmentConfig = ReturnType<typeof loadConfig>;

export function loadConfig(env: NodeJS.ProcessEnv) {
  return parseEnv(judgmentEnv, env, 'judgment');
}
