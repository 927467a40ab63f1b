import { internalSecretEnv, logEnv, parseEnv, port } from '@judgify/runtime/config';
import { fileURLToPath } from 'node:url';
import { z } from 'zod';

const emptyAsUndefined = (value: unknown) => (value === '' ? undefined : value);

const gatewayEnv = logEnv.extend(internalSecretEnv.shape).extend({
  GATEWAY_PORT: port(8000),
  SUPERGRAPH_CONFIG: z.string().default(fileURLToPath(new URL('../../supergraph.yaml', import.meta.url))),
  SUPERGRAPH_PATH: z.preprocess(emptyAsUndefined, z.string().optional()),
  JWT_SECRET: z.preprocess(emptyAsUndefined, z.string().min(32, 'JWT_SECRET must be at least 32 characters').optional()),
  JWKS_URL: z.preprocess(emptyAsUndefined, z.string().url().optional()),
  JWT_ISSUER: z.preprocess(emptyAsUndefined, z.string().optional()),
  JWT_AUDIENCE: z.preprocess(emptyAsUndefined, z.string().optional()),
  INTROSPECTION: z.enum(['true', 'false']).default('true').transform((value) => value === 'true'),
  MAX_BODY_BYTES: z.coerce.number().int().positive().default(1_048_576 + 64 * 1024),
  SUBGRAPH_TIMEOUT_MS: z.coerce.number().int().positive().default(30_000),
  /** Bytes of events waiting for one WebSocket client beyond which it is closed as too slow. */
  WS_MAX_BUFFERED_BYTES: z.coerce.number().int().positive().default(4 * 1024 * 1024),
}).refine((env) => !(env.JWT_SECRET && env.JWKS_URL), {
  path: ['JWKS_URL'],
  message: 'set JWT_SECRET (HS256) or JWKS_URL, not both: which one verifies tokens would be ambiguous',
});

export type GatewayConfig = z.infer<typeof gatewayEnv> & {
  /** Routing URL overrides from SUBGRAPH_URL_<NAME> variables, by lower-case subgraph name. */
  subgraphUrls: Record<string, string>;
};

const SUBGRAPH_URL_PREFIX = 'SUBGRAPH_URL_';

export function loadConfig(env: NodeJS.ProcessEnv): GatewayConfig {
  const parsed = parseEnv(gatewayEnv, env, 'gateway');
  const subgraphUrls = Object.fromEntries(
    Object.entries(env)
      .filter(([name, value]) => name.startsWith(SUBGRAPH_URL_PREFIX) && value)
      .map(([name, value]) => [name.slice(SUBGRAPH_URL_PREFIX.length).toLowerCase(), value as string]),
  );
  return { ...parsed, subgraphUrls };
}
