import { parseEnv, port, subgraphEnvWith } from '@judgify/runtime/config';
import { z } from 'zod';
import { parseRetrySchedule } from './domain/delivery-policy.ts';

const workflowEnv = subgraphEnvWith({
  WORKFLOW_PORT: port(8001),
  /** Deliveries in flight at once, per process. */
  ACTION_CONCURRENCY: z.coerce.number().int().min(1).max(1000).default(10),
  /** One delivery attempt's budget. */
  ACTION_TIMEOUT_MS: z.coerce.number().int().positive().default(10_000),
  /** When each attempt is made: at once, then after each delay; its length is the most attempts a run gets. */
  ACTION_RETRY_SCHEDULE: z
    .string()
    .default('0,5s,30s,2m,10m,1h')
    .transform((text, context) => {
      const { delaysMs, problem } = parseRetrySchedule(text);
      if (problem) context.addIssue({ code: 'custom', message: `ACTION_RETRY_SCHEDULE: ${problem}` });
      return delaysMs;
    }),
  ACTION_MAX_RESPONSE_BYTES: z.coerce.number().int().positive().default(65_536),
  /** Deliveries to loopback, private and link-local addresses: for development on one machine only. */
  ACTION_ALLOW_PRIVATE_TARGETS: z.enum(['true', 'false']).default('false').transform((value) => value === 'true'),
  ACTION_BREAKER_FAILURES: z.coerce.number().int().min(1).default(5),
  ACTION_BREAKER_RESET_MS: z.coerce.number().int().positive().default(60_000),
});

export type WorkflowConfig = ReturnType<typeof loadConfig>;

export function loadConfig(env: NodeJS.ProcessEnv) {
  return parseEnv(workflowEnv, env, 'workflow');
}
