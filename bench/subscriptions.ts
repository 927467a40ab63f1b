import { createLiveUpdates } from '@judgify/runtime/pubsub';
import { silentLogger, testRedisUrl } from '@judgify/runtime/testing';
import { createClient, type Client } from 'graphql-ws';
import WebSocket from 'ws';
import { createExampleWorkflow, graphql, signToken, upstreamsOf } from '../e2e/client.ts';
import { startEmbeddedPlatform, startPlatform } from '../e2e/platform.ts';
import { JUDGMENT_COMPLETED } from '../subgraphs/judgment/src/domain/live.ts';
import { LatencyHistogram } from './latency-histogram.ts';
import { cpuSecondsOf, memoryOf } from './process-usage.ts';

export interface SubscriptionScenario {
  subscribers: number;
  eventsPerSecond: number;
}

/**
 * Where events come from: `judgments` runs executeJudgment through the gateway (the whole
 * pipeline, capped by what the judgment subgraph stores per second); `published` publishes the
 * judgment subgraph's own live notice on Redis — what a judgment replica does once it has stored
 * an execution — so the subscription path is measured at rates the store cannot reach here.
 */
export type EventSource = 'judgments' | 'published';

/** `1000x100,10000x10` → scenarios; empty → none. */
export function parseScenarios(text: string): SubscriptionScenario[] {
  return text.split(',').filter((item) => item.trim()).map((item) => {
    const match = /^\s*(\d+)\s*x\s*(\d+)\s*$/.exec(item);
    if (!match) throw new Error(`BENCH_SUBSCRIPTIONS: "${item}" is not <subscribers>x<events per second>`);
    return { subscribers: Number(match[1]), eventsPerSecond: Number(match[2]) };
  });
}

/** With `eventBytes`, each event also carries its input, padded to about that size. */
const subscriptionOf = (eventBytes: number) =>
  `subscription($w: ID) { judgmentCompleted(workflowId: $w) { id decision createdAt workflow { name }${eventBytes ? ' inputData' : ''} } }`;
type Completed = { judgmentCompleted: { id: string; createdAt: string; workflow: { name: string } } };
const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * N subscribers (each its own user and WebSocket) of one cross-subgraph judgmentCompleted
 * operation through the gateway while events come at a steady rate; prints delivery, event→client
 * latency, upstream count and what the gateway and the clients cost in CPU and memory.
 */
export async function benchSubscriptions(options: { scenario: SubscriptionScenario; seconds: number; source: EventSource; eventBytes: number }): Promise<string> {
  const { subscribers, eventsPerSecond } = options.scenario;
  const padding = options.eventBytes ? { padding: 'x'.repeat(options.eventBytes) } : {};
  const redisUrl = testRedisUrl();
  if (options.source === 'published' && !redisUrl) throw new Error('published events need TEST_REDIS_URL: they reach the judgment subgraph through Redis');
  // Judgments reach a separate gateway process's subscribers only through Redis.
  const distributed = redisUrl ? await startPlatform({ logLevel: 'info' }) : undefined;
  const platform = distributed ?? (await startEmbeddedPlatform({ logLevel: 'info' }));
  const live = redisUrl && distributed ? createLiveUpdates({ redis: { url: redisUrl, prefix: distributed.redisPrefix }, logger: silentLogger, service: 'bench' }) : undefined;
  const clients: Client[] = [];
  try {
    const url = platform.gateway.url;
    const tenantId = 'bench';
    const admin = await signToken({ userId: 'bench-admin', tenantId, roles: ['admin'] }, platform.jwtSecret);
    const workflowId = await createExampleWorkflow(url, admin, 'bench line');
    const execute = async (n: number) => {
      const result = await graphql(url, `mutation($input: ExecuteJudgmentInput!) { executeJudgment(input: $input) { id } }`, {
        token: admin,
        variables: { input: { workflowId, inputData: { temperature: 50 + (n % 50), vibration: 60, n, ...padding }, method: 'RULE' } },
      });
      const id = result.body.data?.executeJudgment?.id as string | undefined;
      if (!id) throw new Error(result.body.errors?.[0]?.message ?? 'no execution');
      return id;
    };
    const deadline = Date.now() + 15_000;
    while (await execute(0).then(() => false, () => Date.now() < deadline)) await pause(50);
    // Published notices name stored executions, which the judgment subgraph reads per event.
    const stored = options.source === 'published' ? await Promise.all(Array.from({ length: 50 }, (_, n) => execute(n + 1))) : [];
    const publish = (n: number) => live!.publish(JUDGMENT_COMPLETED, tenantId, { executionId: stored[n % stored.length]!, workflowId });

    // The k-th measured event of every subscriber is the k-th one published (delivery is in order).
    const publishedAt: number[] = [];
    const latencies = new LatencyHistogram();
    let measuring = false;
    let outOfOrder = 0;
    let lastArrival = 0;
    let arrivals = 0;
    const endedBy = new Map<string, number>();
    const counts = new Int32Array(subscribers);
    const bases = new Int32Array(subscribers);
    const onEvent = (index: number, event: Completed) => {
      arrivals++;
      const sequence = counts[index]!++ - bases[index]!;
      if (!measuring) return;
      lastArrival = performance.now();
      if (options.source === 'judgments') {
        latencies.record(Date.now() - Date.parse(event.judgmentCompleted.createdAt));
        return;
      }
      if (event.judgmentCompleted.id !== stored[sequence % stored.length] || publishedAt[sequence] === undefined) outOfOrder++;
      else latencies.record(lastArrival - publishedAt[sequence]!);
    };
    for (let index = 0; index < subscribers; index++) {
      const token = await signToken({ userId: `viewer-${index}`, tenantId, roles: ['viewer'] }, platform.jwtSecret);
      const client = createClient({ url: `${url.replace(/^http/, 'ws')}/graphql`, webSocketImpl: WebSocket, retryAttempts: 0, connectionParams: { authorization: `Bearer ${token}` } });
      clients.push(client);
      client.subscribe<Completed>(
        { query: subscriptionOf(options.eventBytes), variables: { w: workflowId } },
        {
          next: (event) => event.data && onEvent(index, event.data),
          error: (error) => {
            const reason = (error as { reason?: string }).reason || (error as Array<{ message?: string }>)[0]?.message || String(error);
            endedBy.set(reason, (endedBy.get(reason) ?? 0) + 1);
          },
          complete: () => undefined,
        },
      );
      // Connecting thousands at once would only measure the accept queue.
      if (index % 200 === 199) await pause(50);
    }
    // Live once an event reaches every subscriber; then quiet, so every subscriber starts counting at the same event.
    const warmUp = options.source === 'published' ? async (n: number) => publish(n) : execute;
    const liveBy = Date.now() + 120_000;
    for (let n = 1; counts.some((count) => count === 0); n++) {
      if (Date.now() > liveBy) throw new Error(`only ${counts.filter(Boolean).length} of ${subscribers} subscribers went live`);
      await warmUp(n);
      await pause(200);
    }
    for (let seen = -1; seen !== arrivals; await pause(500)) seen = arrivals;
    bases.set(counts);
    const idle = memoryOf(platform.gateway.child.pid!).rss;
    const upstreams = await upstreamsOf(url, 'judgment');

    const pids = { gateway: platform.gateway.child.pid!, judgment: distributed?.subgraphs.judgment.child.pid };
    const cpuBefore = { gateway: cpuSecondsOf(pids.gateway), judgment: pids.judgment && cpuSecondsOf(pids.judgment), clients: process.cpuUsage() };
    measuring = true;
    const started = performance.now();
    let sent = 0;
    let failed = 0;
    // Each 10 ms, whatever is due by now: steady at rates beyond what one timer per event can keep.
    while (performance.now() - started < options.seconds * 1000) {
      const due = Math.floor(((performance.now() - started) / 1000) * eventsPerSecond);
      for (; sent < due; sent++) {
        if (options.source === 'published') {
          publishedAt.push(performance.now());
          publish(sent);
        } else {
          execute(1000 + sent).catch(() => void failed++);
        }
      }
      await pause(10);
    }
    const sendingSeconds = (performance.now() - started) / 1000;
    // Until every event arrived or deliveries stall for 5 s: what the gateway still had queued counts too.
    const expected = () => (sent - failed) * subscribers;
    for (let stalledSince = performance.now(), delivered = 0; latencies.count + outOfOrder < expected() && performance.now() - stalledSince < 5000; ) {
      await pause(100);
      if (latencies.count !== delivered) [delivered, stalledSince] = [latencies.count, performance.now()];
    }
    measuring = false;
    const deliverySeconds = (lastArrival - started) / 1000;
    const clientCpu = process.cpuUsage(cpuBefore.clients);
    const share = (seconds: number) => `${((100 * seconds) / deliverySeconds).toFixed(0)} %`;
    const gatewayCpu = cpuSecondsOf(pids.gateway) - cpuBefore.gateway;
    const judgmentCpu = pids.judgment && cpuSecondsOf(pids.judgment) - (cpuBefore.judgment as number);
    const memory = memoryOf(pids.gateway);
    const after = await (await fetch(`${url}/metrics`)).text();
    const dropped = [...after.matchAll(/graphql_subscribers_dropped_total\{reason="(\w+)"[^}]*\} (\d+)/g)].map(([, reason, count]) => `${count} × ${reason}`);
    const where = redisUrl ? 'gateway' : 'platform (one process)';
    return [
      `${subscribers} subscribers × ${eventsPerSecond} events/s (${options.source}${options.eventBytes ? `, ${options.eventBytes} bytes of input each` : ''}): sent ${sent} in ${sendingSeconds.toFixed(1)} s (${failed} failed); delivered ${latencies.count} of ${expected()}, ${outOfOrder} out of order`,
      `  ${(latencies.count / deliverySeconds).toFixed(0)} messages/s; event→client latency p50 ${latencies.percentile(50).toFixed(1)} ms, p99 ${latencies.percentile(99).toFixed(1)} ms, max ${latencies.max.toFixed(0)} ms`,
      `  upstream subscriptions ${upstreams}; ${where} CPU ${share(gatewayCpu)} of a core${judgmentCpu ? `, judgment subgraph ${share(judgmentCpu)}` : ''}, clients ${share((clientCpu.user + clientCpu.system) / 1e6)}; ${where} RSS ${idle.toFixed(0)} MB with every subscriber live, ${memory.rss.toFixed(0)} MB after the run (peak ${memory.peak.toFixed(0)} MB)`,
      `  ended early: ${[...endedBy].map(([reason, count]) => `${count} × ${reason}`).join('; ') || 'none'}; dropped as too slow: ${dropped.join(', ') || 'none'}`,
    ].join('\n');
  } finally {
    await Promise.all(clients.map((client) => client.dispose()));
    await live?.close();
    await platform.stop();
  }
}
