import { logEnv, parseEnv, port, redisEnv, versionEnv } from '@judgify/runtime/config';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { z } from 'zod';
import { parseRateLimits } from './rate-limits.ts';
import { parseResponseCache } from './response-cache-config.ts';

const emptyAsUndefined = (value: unknown) => (value === '' ? undefined : value);
const optionalText = z.preprocess(emptyAsUndefined, z.string().optional());

const commaList = z
  .string()
  .default('')
  .transform((list) =>
    list
      .split(',')
      .map((item) => item.trim())
      .filter(Boolean),
  );

/** How MCP tools behave, over /mcp and over stdio alike. */
const mcpToolEnv = z.object({
  /** Whether run_query may run mutations; the platform's own mutation tools (execute_judgment, …) are always there. */
  MCP_ALLOW_MUTATIONS: z.enum(['true', 'false'], { error: 'MCP_ALLOW_MUTATIONS must be true or false' }).default('false').transform((value) => value === 'true'),
  /** Characters of a tool result beyond which it is cut, with a note saying so. */
  MCP_MAX_RESULT_CHARS: z.coerce.number().int().min(1000, 'MCP_MAX_RESULT_CHARS must be at least 1000').max(10_000_000).default(20_000),
});

const gatewayEnv = logEnv
  .extend(versionEnv.shape)
  .extend(redisEnv.shape)
  .extend(mcpToolEnv.shape)
  .extend({
    /** Browser origins, besides the gateway's own, that may call /mcp (non-browser clients send none). */
    MCP_ALLOWED_ORIGINS: commaList,
    /** Host names /mcp answers in development-identity mode besides localhost, 127.0.0.1 and [::1] (DNS rebinding protection). */
    MCP_ALLOWED_HOSTS: commaList,
    GATEWAY_PORT: port(8000),
    SUPERGRAPH_CONFIG: z.string().default(fileURLToPath(new URL('../../supergraph.yaml', import.meta.url))),
    SUPERGRAPH_PATH: optionalText,
    /** The web console's build (Vite's `dist`), served at `/`. */
    CONSOLE_DIR: z.string().default(fileURLToPath(new URL('../../console/dist', import.meta.url))),
    JWT_SECRET: z.preprocess(emptyAsUndefined, z.string().min(32, 'JWT_SECRET must be at least 32 characters').optional()),
    JWKS_URL: z.preprocess(emptyAsUndefined, z.string().url().optional()),
    JWT_ISSUER: optionalText,
    JWT_AUDIENCE: optionalText,
    /** The private key forwarded identities are signed with (PKCS#8 PEM or JWK), inline or in a file. */
    GATEWAY_SIGNING_KEY: optionalText,
    GATEWAY_SIGNING_KEY_FILE: optionalText,
    /** The key before the current one, during a rotation: still published and accepted, no longer used to sign. */
    GATEWAY_PREVIOUS_SIGNING_KEY: optionalText,
    GATEWAY_PREVIOUS_SIGNING_KEY_FILE: optionalText,
    /** How long after a request a subgraph may still call the supergraph on its user's behalf. */
    DELEGATION_TTL_SECONDS: z.coerce.number().int().min(1).max(600).default(60),
    RATE_LIMITS: z.string().default('executeJudgment=100/1m,executeJudgments=10/1m,generateView=10/1m,createWorkflow=50/1h,*=1000/1h').transform(parseRateLimits),
    TRUSTED_DOCUMENTS: z.enum(['off', 'allow', 'require'], { error: 'TRUSTED_DOCUMENTS must be off, allow or require' }).default('allow'),
    /** Extra manifests (apollo-persisted-query-manifest), comma-separated paths, beside the platform's own. */
    TRUSTED_DOCUMENTS_MANIFEST: optionalText,
    /** In `require` mode, whether admins may still send arbitrary documents (the explorer). */
    TRUSTED_DOCUMENTS_ADMIN_BYPASS: z.enum(['true', 'false']).default('false').transform((value) => value === 'true'),
    INTROSPECTION: z.enum(['true', 'false']).default('true').transform((value) => value === 'true'),
    MAX_BODY_BYTES: z.coerce.number().int().positive().default(1_048_576 + 64 * 1024),
    SUBGRAPH_TIMEOUT_MS: z.coerce.number().int().positive().default(30_000),
    /** Whether identical subgraph queries in flight for the same forwarded identity are sent once. */
    SUBGRAPH_DEDUPLICATION: z.enum(['true', 'false']).default('true').transform((value) => value === 'true'),
    /** What reads the gateway may answer from its response cache, and for how long: `Workflow=30s@tenant,Query.workflows=10s`; off when empty. */
    RESPONSE_CACHE: z.string().default('').transform(parseResponseCache),
    /** Answers the response cache keeps at most (least recently used go first). */
    RESPONSE_CACHE_MAX_ENTRIES: z.coerce.number({ error: 'RESPONSE_CACHE_MAX_ENTRIES must be a number' }).int().min(1, 'RESPONSE_CACHE_MAX_ENTRIES must be at least 1').default(5000),
    /** Bytes of events waiting for one WebSocket client beyond which it is closed as too slow. */
    WS_MAX_BUFFERED_BYTES: z.coerce.number().int().positive().default(4 * 1024 * 1024),
  })
  .superRefine((env, context) => {
    if (env.JWT_SECRET && env.JWKS_URL) {
      context.addIssue({ code: 'custom', path: ['JWKS_URL'], message: 'set JWT_SECRET (HS256) or JWKS_URL, not both: which one verifies tokens would be ambiguous' });
    }
    if (!env.GATEWAY_SIGNING_KEY === !env.GATEWAY_SIGNING_KEY_FILE) {
      context.addIssue({
        code: 'custom',
        path: ['GATEWAY_SIGNING_KEY'],
        message: env.GATEWAY_SIGNING_KEY
          ? 'set GATEWAY_SIGNING_KEY or GATEWAY_SIGNING_KEY_FILE, not both'
          : 'GATEWAY_SIGNING_KEY or GATEWAY_SIGNING_KEY_FILE is required: the Ed25519 or P-256 private key (PKCS#8 PEM or JWK) the gateway signs forwarded identities with, e.g. from `openssl genpkey -algorithm ed25519`',
      });
    }
    if (env.GATEWAY_PREVIOUS_SIGNING_KEY && env.GATEWAY_PREVIOUS_SIGNING_KEY_FILE) {
      context.addIssue({ code: 'custom', path: ['GATEWAY_PREVIOUS_SIGNING_KEY'], message: 'set GATEWAY_PREVIOUS_SIGNING_KEY or GATEWAY_PREVIOUS_SIGNING_KEY_FILE, not both' });
    }
  })
  .transform((env, context) => {
    const read = (inline: string | undefined, file: string | undefined, name: string) => {
      if (!file) return inline;
      try {
        return readFileSync(file, 'utf8');
      } catch (error) {
        context.addIssue({ code: 'custom', path: [name], message: `cannot read ${file}: ${error instanceof Error ? error.message : String(error)}` });
        return undefined;
      }
    };
    return {
      ...env,
      signingKey: read(env.GATEWAY_SIGNING_KEY, env.GATEWAY_SIGNING_KEY_FILE, 'GATEWAY_SIGNING_KEY_FILE') ?? '',
      previousSigningKey: read(env.GATEWAY_PREVIOUS_SIGNING_KEY, env.GATEWAY_PREVIOUS_SIGNING_KEY_FILE, 'GATEWAY_PREVIOUS_SIGNING_KEY_FILE'),
      trustedDocumentManifests: (env.TRUSTED_DOCUMENTS_MANIFEST ?? '')
        .split(',')
        .map((path) => path.trim())
        .filter(Boolean),
    };
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

const mcpStdioEnv = logEnv.extend(mcpToolEnv.shape).extend({
  /** The running gateway's GraphQL endpoint the stdio MCP server sends every tool call to. */
  JUDGIFY_GATEWAY_URL: z.string().url('JUDGIFY_GATEWAY_URL must be a URL, e.g. http://localhost:8000/graphql').default('http://localhost:8000/graphql'),
  /** The user's token, sent as `Authorization: Bearer`; none in development-identity mode. */
  JUDGIFY_TOKEN: optionalText,
  /** The composed supergraph the tools are described from; the committed supergraph.graphql by default. */
  SUPERGRAPH_PATH: z.string().default(fileURLToPath(new URL('../../supergraph.graphql', import.meta.url))),
  LOG_LEVEL: logEnv.shape.LOG_LEVEL.default('warn'),
});

export type McpStdioConfig = z.infer<typeof mcpStdioEnv>;

/** `npm run mcp`'s config: where the gateway is, as whom to call it, and how tools behave. */
export function loadMcpStdioConfig(env: NodeJS.ProcessEnv): McpStdioConfig {
  return parseEnv(mcpStdioEnv, env, 'mcp');
}
