import { identities } from '@judgify/runtime/testing';
import { startOtlpReceiver } from '@judgify/runtime/testing/otlp-receiver';
import { createExampleWorkflow, signToken } from '../e2e/client.ts';
import { startPlatform } from '../e2e/platform.ts';
import { mergedLoads, report, runLoad, type LoadResult } from './load.ts';
import { cpuSecondsOf } from './process-usage.ts';

/**
 * The gateway's cost of tracing: two gateways on the same subgraph processes, one with tracing off
 * (the default) and one exporting every span over OTLP/HTTP to a local receiver, driven in
 * alternating quarters of `seconds` so both see the same machine. A process per service (Redis).
 */
export async function benchTracing(options: { concurrency: number; seconds: number }): Promise<string> {
  const receiver = await startOtlpReceiver();
  const platform = await startPlatform({ logLevel: 'info' });
  try {
    const traced = await platform.startGatewayReplica(undefined, { OTEL_EXPORTER_OTLP_ENDPOINT: receiver.url });
    const admin = await signToken(identities.acmeAdmin, platform.jwtSecret, '1h');
    await createExampleWorkflow(platform.gateway.url, admin, 'Bench tracing');
    const body = JSON.stringify({ query: '{ workflows(first: 1) { id name } }' });
    const read = (url: string) => async () => {
      const response = await fetch(`${url}/graphql`, { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${admin}` }, body });
      const result = (await response.json()) as { errors?: unknown };
      if (result.errors) throw new Error(JSON.stringify(result.errors));
    };
    const phase = { concurrency: options.concurrency, seconds: options.seconds / 4 };
    await runLoad('warm-up', { concurrency: 4, seconds: 1 }, read(platform.gateway.url));
    await runLoad('warm-up', { concurrency: 4, seconds: 1 }, read(traced.url));
    const off: LoadResult[] = [];
    const on: LoadResult[] = [];
    const cpu = { off: 0, on: 0 };
    /** One phase against one gateway, adding the CPU seconds that gateway spent in it. */
    const drive = async (which: 'off' | 'on') => {
      const gateway = which === 'off' ? platform.gateway : traced;
      const before = cpuSecondsOf(gateway.child.pid!);
      const result = await runLoad(which, phase, read(gateway.url));
      cpu[which] += cpuSecondsOf(gateway.child.pid!) - before;
      (which === 'off' ? off : on).push(result);
    };
    for (let round = 0; round < 2; round++) {
      await drive('off');
      await drive('on');
    }
    const [offTotal, onTotal] = [mergedLoads('tracing off (default)', off), mergedLoads('tracing on, every span exported', on)];
    const ratio = onTotal.requests / onTotal.seconds / (offTotal.requests / offTotal.seconds);
    const perRequest = (which: 'off' | 'on', total: LoadResult) => (cpu[which] * 1000) / Math.max(1, total.requests);
    return [
      report([offTotal, onTotal]),
      `gateway CPU per request: ${perRequest('off', offTotal).toFixed(2)} ms off, ${perRequest('on', onTotal).toFixed(2)} ms on (${(perRequest('on', onTotal) / perRequest('off', offTotal)).toFixed(2)}×); req/s ratio on/off ${ratio.toFixed(2)} (the subgraph bounds both); ${receiver.spans.length} spans received`,
    ].join('\n');
  } finally {
    await platform.stop();
    await receiver.close();
  }
}
