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
});

/** A listening port; 0 picks a free one. */
export const port = (fallback: number) => z.coerce.number().int().min(0).max(65535).default(fallback);

export const storageEnv = z.object({
  DATABASE_URL: optionalUrl,
  JUDGIFY_DATA_DIR: z.string().min(1).default('./data'),
});

export const redisEnv = z.object({ REDIS_URL: optionalUrl });

export const internalSecretEnv = z.object({
  INTERNAL_SECRET: z
    .string({ error: 'INTERNAL_SECRET is required: the secret the gateway signs forwarded identities with (32+ chars)' })
    .min(32, 'INTERNAL_SECRET must be at least 32 characters'),
});

/** Config every subgraph process shares; each subgraph adds its own port. */
export const subgraphEnv = logEnv.extend(storageEnv.shape).extend(redisEnv.shape).extend(internalSecretEnv.shape);
export type SubgraphEnv = z.infer<typeof subgraphEnv>;
