import { readFileSync } from 'node:fs';
import { z } from 'zod';

/**
 * Validates the environment once at boot. Every problem is reported at once, then the
 * process exits: a misconfigured service should never start and fail mid-request.
 */
export function parseEnv<T extends z.ZodType>(schema: T, env: NodeJS.ProcessEnv, service: string): z.infer<T> {
  const result = schema.safeParse(env);
  if (result.success) return result.data;
  const problems = result.error.issues.map((issue) => `  - ${issue.path.join('.') || '(env)'}: ${issue.message}`);
  process.stderr.write(`[${service}] invalid configuration:\n${problems.join('\n')}\n`);
  process.exit(1);
}

const emptyAsUndefined = (value: unknown) => (value === '' ? undefined : value);
const optionalUrl = z.preprocess(emptyAsUndefined, z.string().url().optional());

export const logEnv = z.object({
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  /** `auto`: readable lines on a terminal, JSON when piped or collected; `json` or `pretty` to choose. */
  LOG_FORMAT: z.enum(['auto', 'json', 'pretty'], { error: 'LOG_FORMAT must be auto, json or pretty' }).default('auto'),
});

/** What /health reports as the running version; the image (or CI) sets it, else the service package's version is used. */
export const versionEnv = z.object({
  JUDGIFY_VERSION: z.preprocess(emptyAsUndefined, z.string().max(128).optional()),
});

/** A listening port; 0 picks a free one. */
export const port = (fallback: number) => z.coerce.number().int().min(0).max(65535).default(fallback);

export const storageEnv = z.object({
  DATABASE_URL: optionalUrl,
  JUDGIFY_DATA_DIR: z.string().min(1).default('./data'),
});

export const redisEnv = z.object({
  REDIS_URL: optionalUrl,
  /** Put before every Redis key and channel, so deployments (or test runs) sharing a Redis never meet. */
  REDIS_PREFIX: z
    .string()
    .regex(/^[A-Za-z0-9_.:-]{0,64}$/, 'REDIS_PREFIX is at most 64 letters, digits, "_", ".", ":" or "-"')
    .default('')
    .transform((prefix) => (prefix && !prefix.endsWith(':') ? `${prefix}:` : prefix)),
});

function readKeyFile(path: string, context: z.RefinementCtx): string {
  try {
    return readFileSync(path, 'utf8');
  } catch (error) {
    context.addIssue({ code: 'custom', message: `cannot read ${path}: ${error instanceof Error ? error.message : String(error)}` });
    return z.NEVER;
  }
}

/**
 * How a subgraph verifies the identity the gateway forwards: with the gateway's public keys,
 * given inline (`GATEWAY_PUBLIC_KEYS`, a JWKS or PEM public keys), in a file
 * (`GATEWAY_PUBLIC_KEYS_FILE`), or fetched from the gateway's JWKS route (`GATEWAY_JWKS_URL`).
 */
export const gatewayKeysEnv = z.object({
  GATEWAY_PUBLIC_KEYS: z.preprocess(emptyAsUndefined, z.string().optional()),
  GATEWAY_PUBLIC_KEYS_FILE: z.preprocess(emptyAsUndefined, z.string().optional()),
  GATEWAY_JWKS_URL: optionalUrl,
  /** Where this subgraph calls the supergraph on a user's behalf. */
  GATEWAY_URL: z.string().url().default('http://localhost:8000'),
});

/** An OpenAI-compatible endpoint, for services with LLM-assisted resolvers; neither key nor URL means no LLM. */
export const llmEnv = z.object({
  OPENAI_API_KEY: z.preprocess(emptyAsUndefined, z.string().optional()),
  OPENAI_BASE_URL: optionalUrl,
  LLM_MODEL: z.string().min(1).default('gpt-4o-mini'),
  LLM_TIMEOUT_MS: z.coerce.number().int().positive().default(30_000),
});

export type LlmEnv = z.infer<typeof llmEnv>;

/** Config every subgraph process shares; each subgraph adds its own port. */
export const subgraphEnv = logEnv.extend(versionEnv.shape).extend(storageEnv.shape).extend(redisEnv.shape).extend(gatewayKeysEnv.shape);

/** A subgraph's config: the shared part, its own variables, and the checks across them. */
export function subgraphEnvWith<TShape extends z.ZodRawShape>(shape: TShape) {
  return subgraphEnv
    .extend(shape)
    .superRefine((extended, context) => {
      const env = extended as z.infer<typeof subgraphEnv>;
      const given = [env.GATEWAY_PUBLIC_KEYS, env.GATEWAY_PUBLIC_KEYS_FILE, env.GATEWAY_JWKS_URL].filter(Boolean).length;
      if (given === 1) return;
      context.addIssue({
        code: 'custom',
        path: ['GATEWAY_JWKS_URL'],
        message:
          given === 0
            ? "set GATEWAY_JWKS_URL (the gateway's /.well-known/jwks.json), GATEWAY_PUBLIC_KEYS or GATEWAY_PUBLIC_KEYS_FILE: the gateway's public keys verify the identity it forwards"
            : 'set only one of GATEWAY_JWKS_URL, GATEWAY_PUBLIC_KEYS and GATEWAY_PUBLIC_KEYS_FILE',
      });
    })
    .transform((env, context) => {
      const { GATEWAY_PUBLIC_KEYS, GATEWAY_PUBLIC_KEYS_FILE } = env as z.infer<typeof subgraphEnv>;
      return { ...env, GATEWAY_PUBLIC_KEYS: GATEWAY_PUBLIC_KEYS_FILE ? readKeyFile(GATEWAY_PUBLIC_KEYS_FILE, context) : GATEWAY_PUBLIC_KEYS };
    });
}

export type SubgraphEnv = z.infer<typeof subgraphEnv>;
