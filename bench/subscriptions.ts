import { readFileSync } from 'node:fs';
import { createClient, type Client } from 'graphql-ws';
import WebSocket from 'ws';
import { createExampleWorkflow, graphql, signToken } from '../e2e/client.ts';
import { startEmbeddedPlatform, startPlatform } from '../e2e/platform.ts';
import { percentile } from './load.ts';

/** The process's peak resident memory (VmHWM), in MB. */
const peakRssMegabytes = (pid: number) => Number(/VmHWM:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1] ?? 0) / 1024;

/**
 * N subscribers (each its own user and WebSocket) of one judgmentCompleted operation through the
 * gateway, `npm start` style, while judgments run at a steady rate; event→client latency is
 * measured from the execution's createdAt to arrival (same machine clock).
 */
export async function benchSubscriptions(options: {
  subscribers: number;
  judgmentsPerSecond: number;
  seconds: number;
  shape: 'embedded' | 'distributed';
}): Promise<string> {
  const platform = options.shape === 'embedded' ? await startEmbeddedPlatform({ logLevel: 'info' }) : await startPlatform({ logLevel: 'info' });
  const clients: Client[] = [];
  try {
    const url = platform.gateway.url;
    const admin = await signToken({ userId: 'bench-admin', tenantId: 'bench', roles: ['admin'] }, platform.jwtSecret);
    const workflowId = await createExampleWorkflow(url, admin, 'bench line');
    const execute = (n: number) =>
      graphql(url, `mutation($input: ExecuteJudgmentInput!) { executeJudgment(input: $input) { id } }`, {
        token: admin,
        variables: { input: { workflowId, inputData: { temperature: 50 + (n % 50), vibration: 60, n }, method: 'RULE' } },
      });
    while ((await execute(0)).body.errors) await new Promise((resolve) => setTimeout(resolve, 50));

    const latencies: number[] = [];
    let measuring = false;
    let lastArrival = 0;
    let received = 0;
    const endedBy = new Map<string, number>();
    for (let index = 0; index < options.subscribers; index++) {
      const token = await signToken({ userId: `viewer-${index}`, tenantId: 'bench', roles: ['viewer'] }, platform.jwtSecret);
      const client = createClient({ url: `${url.replace(/^http/, 'ws')}/graphql`, webSocketImpl: WebSocket, retryAttempts: 0, connectionParams: { authorization: `Bearer ${token}` } });
      clients.push(client);
      client.subscribe<{ judgmentCompleted: { createdAt: string } }>(
        { query: 'subscription($w: ID) { judgmentCompleted(workflowId: $w) { id decision createdAt } }', variables: { w: workflowId } },
        {
          next: (event) => {
            received++;
            if (!measuring || !event.data) return;
            lastArrival = performance.now();
            latencies.push(Date.now() - Date.parse(event.data.judgmentCompleted.createdAt));
          },
          error: (error) => {
            const reason = (error as { message?: string; reason?: string }).message ?? (error as { reason?: string }).reason ?? String(error);
            endedBy.set(reason, (endedBy.get(reason) ?? 0) + 1);
          },
          complete: () => undefined,
        },
      );
    }
    // Live once a judgment reaches every subscriber.
    for (let n = 1; received < options.subscribers; n++) {
      await execute(n);
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
    const metrics = await (await fetch(`${url}/metrics`)).text();
    const upstreams = Number(/graphql_subscriptions_active\{[^}]*subgraph="judgment"[^}]*\} (\d+)/.exec(metrics)?.[1] ?? 0);

    measuring = true;
    const interval = 1000 / options.judgmentsPerSecond;
    const started = performance.now();
    let sent = 0;
    let failed = 0;
    while (performance.now() - started < options.seconds * 1000) {
      execute(1000 + sent++).then(
        (result) => void (result.body.errors && failed++),
        () => void failed++,
      );
      const due = started + sent * interval;
      await new Promise((resolve) => setTimeout(resolve, Math.max(0, due - performance.now())));
    }
    // Until every event arrived or deliveries stall for 5 s: what the gateway still had queued counts too.
    const expected = () => (sent - failed) * options.subscribers;
    for (let stalledSince = performance.now(), delivered = 0; latencies.length < expected() && performance.now() - stalledSince < 5000; ) {
      await new Promise((resolve) => setTimeout(resolve, 100));
      if (latencies.length !== delivered) [delivered, stalledSince] = [latencies.length, performance.now()];
    }
    measuring = false;
    const sorted = latencies.sort((a, b) => a - b);
    const rss = peakRssMegabytes(platform.gateway.child.pid!);
    const after = await (await fetch(`${url}/metrics`)).text();
    const dropped = [...after.matchAll(/graphql_subscribers_dropped_total\{reason="(\w+)"[^}]*\} (\d+)/g)].map(([, reason, count]) => `${count} × ${reason}`);
    return [
      `subscribers ${options.subscribers}, judgments sent ${sent} (${(sent / options.seconds).toFixed(0)}/s, ${failed} failed), events delivered ${sorted.length} of ${expected()}`,
      `delivered ${(sorted.length / ((lastArrival - started) / 1000)).toFixed(0)} messages/s from the first judgment to the last delivery`,
      `event→client latency p50 ${percentile(sorted, 50).toFixed(0)} ms, p99 ${percentile(sorted, 99).toFixed(0)} ms`,
      `upstream subscriptions to the judgment subgraph: ${upstreams}; ${options.shape === 'embedded' ? 'platform' : 'gateway'} process peak RSS ${rss.toFixed(0)} MB`,
      `subscriptions ended early: ${[...endedBy].map(([reason, count]) => `${count} × ${reason}`).join('; ') || 'none'}; dropped by the gateway as too slow: ${dropped.join(', ') || 'none'}`,
    ].join('\n');
  } finally {
    await Promise.all(clients.map((client) => client.dispose()));
    await platform.stop();
  }
}
