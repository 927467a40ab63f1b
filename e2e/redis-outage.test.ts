import { randomUUID } from 'node:crypto';
import { RedisStreamsBus } from '@judgify/runtime/events';
import { silentLogger, testRedisUrl } from '@judgify/runtime/testing';
import { startOwnRedis, type OwnRedis } from '@judgify/runtime/testing/redis-server';
import { createClient } from 'graphql-ws';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { createExampleWorkflow, graphql, signToken } from './client.ts';
import { startEmbeddedPlatform, startPlatform, type RunningProcess } from './platform.ts';

interface Deployment {
  gateway: RunningProcess;
  jwtSecret: string;
  redisPrefix: string;
  stop(): Promise<void>;
}

const modes: Array<[string, (redisUrl: string) => Promise<Deployment>]> = [
  ['a process per service', (redisUrl) => startPlatform({ redisUrl, logLevel: 'info' })],
  ['npm start (one process)', (redisUrl) => startEmbeddedPlatform({ env: { REDIS_URL: redisUrl }, logLevel: 'info' })],
];

const EXECUTE = `mutation($input: ExecuteJudgmentInput!) { executeJudgment(input: $input) { id workflowVersion decision } }`;

/**
 * Redis killed mid-traffic and restarted empty, as one without persistence comes back: judgments
 * keep their latency, live subscribers are told, and every event arrives once Redis returns.
 * Runs where the suites run with Redis (TEST_REDIS_URL), on a Redis server of its own.
 */
describe.runIf(testRedisUrl()).each(modes)('a Redis outage, %s', (_mode, start) => {
  let redis: OwnRedis;
  let deployment: Deployment;
  let consumer: RedisStreamsBus;
  const delivered = new Map<string, number>();

  beforeAll(async () => {
    redis = await startOwnRedis();
    deployment = await start(redis.url);
    // A consumer of judgment.completed, as the learning and BI services are: it counts what reaches it.
    consumer = new RedisStreamsBus({ logger: silentLogger, service: 'outage-test', reclaimIdleMs: 1_000 }, { url: redis.url, prefix: deployment.redisPrefix });
    consumer.subscribe('judgment.completed', 'outage-test', async (event) => {
      const { executionId } = event.data as { executionId: string };
      delivered.set(executionId, (delivered.get(executionId) ?? 0) + 1);
    });
  });
  afterAll(async () => {
    await consumer?.close();
    await deployment?.stop();
    await redis?.kill();
  });

  it('costs judgments nothing visible, tells live subscribers, and delivers every event once Redis is back', async () => {
    const url = deployment.gateway.url;
    const tenantId = `outage-${randomUUID().slice(0, 8)}`;
    const admin = await signToken({ userId: 'ada', tenantId, roles: ['admin'] }, deployment.jwtSecret);
    const operator = await signToken({ userId: 'otto', tenantId, roles: ['operator'] }, deployment.jwtSecret);
    const workflowId = await createExampleWorkflow(url, admin, 'Outage line');
    const judge = async (n: number) => {
      const started = performance.now();
      const result = await graphql(url, EXECUTE, { token: operator, variables: { input: { workflowId, inputData: { temperature: 90, vibration: 60, n } } } });
      expect(result.body.errors).toBeUndefined();
      return { id: result.body.data?.executeJudgment.id as string, version: result.body.data?.executeJudgment.workflowVersion as number, ms: performance.now() - started };
    };
    const before = [];
    for (let n = 0; n < 10; n++) before.push(await judge(n));

    const client = createClient({ url: `${url.replace(/^http/, 'ws')}/graphql`, webSocketImpl: WebSocket, retryAttempts: 0, connectionParams: { authorization: `Bearer ${operator}` } });
    let live = false;
    const ended = new Promise<unknown>((resolve) =>
      client.subscribe(
        { query: `subscription($w: ID) { judgmentCompleted(workflowId: $w) { id } }`, variables: { w: workflowId } },
        { next: () => void (live = true), error: resolve, complete: () => resolve('completed without an error') },
      ),
    );
    let trigger = 100;
    await expect.poll(async () => (await judge(trigger++), live), { timeout: 15_000 }).toBe(true);

    await redis.kill();
    const during = [];
    for (let n = 0; n < 30; n++) during.push(await judge(1000 + n));
    const changed = await graphql(url, `mutation($id: ID!) { updateWorkflow(id: $id, input: { description: "changed while Redis was down" }) { version } }`, {
      token: admin,
      variables: { id: workflowId },
    });
    expect(changed.body.data?.updateWorkflow.version).toBe(2);
    const told = JSON.stringify(await ended);
    expect(told).toContain('LIVE_UPDATES_UNAVAILABLE');
    // Normal latency: the 15 s per call once seen came from waiting on Redis; every call now answers on the request's own work.
    const slowest = Math.max(...during.map((call) => call.ms));
    expect(slowest).toBeLessThan(3_000);
    await client.dispose();

    await redis.start();
    const made = [...before, ...during].map((call) => call.id);
    await expect.poll(() => made.filter((id) => !delivered.has(id)).length, { timeout: 30_000, interval: 250 }).toBe(0);
    // The update made while Redis was down reaches the judgment service too.
    await expect.poll(async () => (await judge(5000)).version, { timeout: 30_000, interval: 250 }).toBe(2);
  });
});
