import { randomBytes, randomUUID } from 'node:crypto';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createEvent, RedisStreamsBus } from '@judgify/runtime/events';
import { notifyingWorkflowDefinition, silentLogger, testRedisUrl } from '@judgify/runtime/testing';
import { graphql, signToken } from '../e2e/client.ts';
import { startPlatform } from '../e2e/platform.ts';
import { percentile, runLoad } from './load.ts';

/** A sink that answers 204 at once and notes when each delivery arrived, by execution. */
async function startSink() {
  const arrivals = new Map<string, number>();
  const server = createServer((request, response) => {
    const executionId = String(request.headers['idempotency-key'] ?? '').split(':')[0]!;
    request.resume();
    request.on('end', () => {
      arrivals.set(executionId, Date.now());
      response.writeHead(204).end();
    });
  });
  server.keepAliveTimeout = 1;
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/sink`, arrivals, close: () => new Promise((resolve) => server.close(resolve)) };
}

const definition = (target: string) =>
  notifyingWorkflowDefinition({ target, payloadTemplate: { decision: '{{decision}}', temperature: '{{temperature}}', at: '{{occurredAt}}' } }, 'temperature > 0');

/**
 * Action delivery, a process per service on PostgreSQL and Redis, to a local sink at the default
 * concurrency (10): judgments through the gateway with latency from the stored execution to the
 * sink, then the delivery path alone — judgment.completed events published straight onto Redis,
 * as judgment replicas would, faster than one replica could judge — in deliveries per second.
 */
export async function benchActionDelivery(options: { concurrency: number; seconds: number; backlog: number }): Promise<string> {
  const redisUrl = testRedisUrl();
  if (!redisUrl) return 'needs TEST_REDIS_URL: separate processes hear of judgments only through Redis';
  const sink = await startSink();
  const platform = await startPlatform({ logLevel: 'info', subgraphEnv: { ACTION_ALLOW_PRIVATE_TARGETS: 'true' } });
  try {
    const tenantId = 'bench';
    const token = await signToken({ userId: 'bench', tenantId, roles: ['admin'] }, platform.jwtSecret);
    const url = platform.gateway.url;
    const name = `sink-${randomUUID().slice(0, 6)}`;
    await graphql(url, `mutation($input: CreateActionTargetInput!) { createActionTarget(input: $input) { id } }`, {
      token,
      variables: { input: { name, kind: 'WEBHOOK', url: sink.url, secret: `whsec_${randomBytes(32).toString('base64')}` } },
    });
    const created = await graphql(url, `mutation($input: CreateWorkflowInput!) { createWorkflow(input: $input) { id } }`, { token, variables: { input: { name: 'bench actions', definition: definition(name) } } });
    const workflowId = created.body.data?.createWorkflow.id as string;
    const judged = new Map<string, number>();
    let sequence = 0;
    const load = await runLoad('executeJudgment with an action', options, async () => {
      const result = await graphql(url, `mutation($input: ExecuteJudgmentInput!) { executeJudgment(input: $input) { id createdAt } }`, {
        token,
        variables: { input: { workflowId, inputData: { temperature: 1 + (sequence++ % 100), n: sequence }, method: 'RULE' } },
      });
      const execution = result.body.data?.executeJudgment as { id: string; createdAt: string } | undefined;
      if (!execution) throw new Error(result.body.errors?.[0]?.message);
      judged.set(execution.id, Date.parse(execution.createdAt));
    });
    const deadline = Date.now() + 120_000;
    while ([...judged.keys()].some((id) => !sink.arrivals.has(id)) && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 100));
    const latencies = [...judged].flatMap(([id, at]) => (sink.arrivals.has(id) ? [sink.arrivals.get(id)! - at] : [])).sort((a, b) => a - b);

    // The delivery path alone: a backlog of judgment.completed events, each with one action to deliver.
    const bus = new RedisStreamsBus({ logger: silentLogger, service: 'bench' }, { url: redisUrl, prefix: platform.redisPrefix });
    const backlog = Array.from({ length: options.backlog }, () => randomUUID());
    const started = Date.now();
    // In batches, as relays publish: thousands of scripts at once would queue past Redis's command timeout.
    for (let from = 0; from < backlog.length; from += 50) {
      await Promise.all(
        backlog.slice(from, from + 50).map((executionId) =>
          bus.publish(
            createEvent({
              eventType: 'judgment.completed',
              source: 'judgment',
              tenantId,
              data: { executionId, workflowId, workflowVersion: 1, status: 'SUCCEEDED', decision: 'STOP_LINE', confidence: 1, explanation: 'bench', actions: [{ nodeId: 'notify', action: 'webhook' }], inputData: { temperature: 5 }, createdAt: new Date().toISOString() },
            }),
          ),
        ),
      );
    }
    const backlogDeadline = Date.now() + 300_000;
    while (backlog.some((id) => !sink.arrivals.has(id)) && Date.now() < backlogDeadline) await new Promise((resolve) => setTimeout(resolve, 100));
    const delivered = backlog.filter((id) => sink.arrivals.has(id)).length;
    const seconds = (Math.max(...backlog.map((id) => sink.arrivals.get(id) ?? 0)) - started) / 1000;
    await bus.close();
    return [
      `end to end: ${load.requests} judgments at ${(load.requests / load.seconds).toFixed(0)}/s, ${latencies.length} delivered; judgment stored → delivered p50 ${percentile(latencies, 50).toFixed(0)} ms, p99 ${percentile(latencies, 99).toFixed(0)} ms`,
      `delivery path alone: ${delivered} of ${options.backlog} events → runs → signed deliveries in ${seconds.toFixed(1)} s = ${(delivered / seconds).toFixed(0)} deliveries/s`,
    ].join('\n');
  } finally {
    await platform.stop();
    await sink.close();
  }
}
