import { parseEnv, port, subgraphEnv } from '@judgify/runtime/config';

const biEnv = subgraphEnv.extend({ BI_PORT: port(8007) });

export type BiConfig = ReturnType<typeof loadConfig>;

export function loadConfig(env: NodeJS.ProcessEnv) {
  return parseEnv(biEnv, env, 'bi');
}
