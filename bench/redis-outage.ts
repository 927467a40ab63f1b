import { RedisStreamsBus } from '@judgify/runtime/events';
import { silentLogger } from '@judgify/runtime/testing';
import { startOwnRedis } from '@judgify/runtime/testing/redis-server';
import { createExampleWorkflow, graphql, signToken } from '../e2e/client.ts';
import { startPlatform } from '../e2e/platform.ts';
import { percentile, report, runLoad } from './load.ts';

const EXECUTE = `mutation($input: ExecuteJudgmentInput!) { executeJudgment(input: $input) { id } }`;

/**
 * executeJudgment on the rule path, a process per service, on a Redis of its own: with Redis up,
 * then killed, side by side; then how long after Redis returns (empty) every judgment's event has
 * reached a consumer.
 */
export async function benchRedisOutage(options: { concurrency: number; seconds: number }): Promise<string> {
  const redis = await startOwnRedis();
  const platform = await startPlatform({ redisUrl: redis.url, logLevel: 'info' });
  const delivered = new Set<string>();
  const consumer = new RedisStreamsBus({ logger: silentLogger, service: 'bench-outage' }, { url: redis.url, prefix: platform.redisPrefix });
  consumer.subscribe('judgment.completed', 'bench-outage', async (event) => void delivered.add((event.data as { executionId: string }).executionId));
  try {
    const token = await signToken({ userId: 'bench', tenantId: 'bench', roles: ['admin'] }, platform.jwtSecret);
    const url = platform.gateway.url;
    const workflowId = await createExampleWorkflow(url, token, 'bench outage line');
    const made: string[] = [];
    let sequence = 0;
    const judge = async () => {
      const result = await graphql(url, EXECUTE, { token, variables: { input: { workflowId, inputData: { temperature: 60 + (sequence % 50), vibration: 60, serial: sequence++ }, method: 'RULE' } } });
      const id = result.body.data?.executeJudgment?.id as string | undefined;
      if (!id) throw new Error(result.body.errors?.[0]?.message ?? 'no execution');
      made.push(id);
    };
    await runLoad('warm-up', { concurrency: options.concurrency, seconds: 2 }, judge);
    const up = await runLoad('executeJudgment, Redis up', options, judge);
    await redis.kill();
    const down = await runLoad('executeJudgment, Redis killed', options, judge);
    await redis.start();
    const restarted = performance.now();
    const deadline = restarted + 120_000;
    while (made.some((id) => !delivered.has(id)) && performance.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 100));
    const caughtUp = (performance.now() - restarted) / 1000;
    const missing = made.filter((id) => !delivered.has(id)).length;
    const p = (result: typeof up, q: number) => percentile([...result.latenciesMs].sort((a, b) => a - b), q);
    return [
      report([up, down]),
      `Redis killed / up: req/s ${(down.requests / down.seconds / (up.requests / up.seconds)).toFixed(2)}, p50 ${(p(down, 50) / p(up, 50)).toFixed(2)}, p99 ${(p(down, 99) / p(up, 99)).toFixed(2)}`,
      `after Redis came back empty: ${made.length - missing} of ${made.length} judgments' events delivered in ${caughtUp.toFixed(1)} s${missing ? ` (${missing} missing)` : ''}`,
    ].join('\n');
  } finally {
    await consumer.close();
    await platform.stop();
    await redis.kill();
  }
}
