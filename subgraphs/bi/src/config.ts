import { parseEnv, port, subgraphEnvWith } from '@judgify/runtime/config';

const biEnv = subgraphEnvWith({ BI_PORT: port(8007) });

export type BiConfig = ReturnType<typeof loadConfig>;

export function loadConfig(env: NodeJS.ProcessEnv) {
  return parseEnv(biEnv, env, 'bi');
}
