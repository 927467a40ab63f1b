import { identities } from '@judgify/runtime/testing';
import { createExampleWorkflow, signToken } from '../e2e/client.ts';
import { startPlatform, type RunningProcess } from '../e2e/platform.ts';
import { mergedLoads, percentile, report, runLoad, type LoadResult } from './load.ts';
import { cpuSecondsOf } from './process-usage.ts';

const READ = '{ workflows(first: 1) { id name } }';

/** A counter of a process's /metrics, summed over the series carrying `label`. */
async function counter(url: string, name: string, label: string): Promise<number> {
  const text = await (await fetch(`${url}/metrics`)).text();
  return [...text.matchAll(new RegExp(`^${name}\\{([^}]*)\\} (\\S+)$`, 'gm'))].filter(([, labels]) => labels!.includes(label)).reduce((sum, [, , value]) => sum + Number(value), 0);
}

/**
 * The gateway response cache on a cacheable read, `{ workflows(first: 1) { id name } }`: two
 * gateways on the same subgraph processes, one without RESPONSE_CACHE (the default) and one with
 * `Workflow=30s@tenant`, driven in alternating quarters of `seconds` so both see the same
 * machine. Every answer is checked. Prints req/s, p50/p99, the CPU per request of each gateway
 * and of the workflow subgraph behind it, side by side and as ratios (on / off).
 */
export async function benchResponseCache(options: { concurrency: number; seconds: number }): Promise<string> {
  const platform = await startPlatform({ logLevel: 'info' });
  try {
    const cached = await platform.startGatewayReplica(undefined, { RESPONSE_CACHE: 'Workflow=30s@tenant' });
    const admin = await signToken(identities.acmeAdmin, platform.jwtSecret, '1h');
    const id = await createExampleWorkflow(platform.gateway.url, admin, 'Bench cache');
    const body = JSON.stringify({ query: READ });
    const read = (url: string) => async () => {
      const response = await fetch(`${url}/graphql`, { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${admin}` }, body });
      const result = (await response.json()) as { data?: { workflows?: Array<{ id: string }> }; errors?: unknown };
      if (result.errors || result.data?.workflows?.[0]?.id !== id) throw new Error(`unexpected answer: ${JSON.stringify(result)}`);
    };
    await runLoad('warm-up', { concurrency: 4, seconds: 1 }, read(platform.gateway.url));
    await runLoad('warm-up', { concurrency: 4, seconds: 1 }, read(cached.url));
    const phase = { concurrency: options.concurrency, seconds: options.seconds / 4 };
    const workflow = platform.subgraphs.workflow;
    const runs = { off: [] as LoadResult[], on: [] as LoadResult[] };
    const cpu = { off: { gateway: 0, workflow: 0 }, on: { gateway: 0, workflow: 0 } };
    const counts = async () => Promise.all(['hit', 'miss'].map((result) => counter(cached.url, 'response_cache_requests_total', `result="${result}"`)));
    const [hitsBefore, missesBefore] = await counts();
    const drive = async (which: 'off' | 'on', gateway: RunningProcess) => {
      const before = [cpuSecondsOf(gateway.child.pid!), cpuSecondsOf(workflow.child.pid!)];
      runs[which].push(await runLoad(which, phase, read(gateway.url)));
      cpu[which].gateway += cpuSecondsOf(gateway.child.pid!) - before[0]!;
      cpu[which].workflow += cpuSecondsOf(workflow.child.pid!) - before[1]!;
    };
    for (let round = 0; round < 2; round++) {
      await drive('off', platform.gateway);
      await drive('on', cached);
    }
    const [hitsAfter, missesAfter] = await counts();
    const off = mergedLoads('cache off (default)', runs.off);
    const on = mergedLoads('cache on, Workflow=30s@tenant', runs.on);
    const rate = (result: LoadResult) => result.requests / result.seconds;
    const quantile = (result: LoadResult, p: number) => percentile([...result.latenciesMs].sort((a, b) => a - b), p);
    const perRequest = (seconds: number, result: LoadResult) => (seconds * 1000) / Math.max(1, result.requests);
    const hits = hitsAfter! - hitsBefore!;
    const lookups = hits + missesAfter! - missesBefore!;
    const row = (label: string, offValue: number, onValue: number, digits: number) =>
      `${label.padEnd(30)} ${offValue.toFixed(digits).padStart(9)} ${onValue.toFixed(digits).padStart(9)} ${`${(onValue / offValue).toFixed(2)}×`.padStart(8)}`;
    return [
      report([off, on]),
      '',
      `${''.padEnd(30)} ${'off'.padStart(9)} ${'on'.padStart(9)} ${'on/off'.padStart(8)}`,
      row('req/s', rate(off), rate(on), 0),
      row('p50 ms', quantile(off, 50), quantile(on, 50), 1),
      row('p99 ms', quantile(off, 99), quantile(on, 99), 1),
      row('gateway CPU ms/request', perRequest(cpu.off.gateway, off), perRequest(cpu.on.gateway, on), 3),
      row('workflow subgraph CPU ms/req', perRequest(cpu.off.workflow, off), perRequest(cpu.on.workflow, on), 3),
      `hit rate with the cache on: ${lookups ? ((100 * hits) / lookups).toFixed(1) : '–'} % of ${lookups} lookups`,
    ].join('\n');
  } finally {
    await platform.stop();
  }
}
