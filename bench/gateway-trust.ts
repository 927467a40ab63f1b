import { signToken } from '../e2e/client.ts';
import { startPlatform } from '../e2e/platform.ts';
import { createDelegation } from '../gateway/src/delegation.ts';
import { report, runLoad, type LoadResult } from './load.ts';

/** Budgets no bench reaches: every request still draws from them (Redis when present), none is refused. */
const LIMITS_ON = '*=1000000000/1h';

/**
 * What per-user rate limits and the delegation check cost a request at the gateway: two gateway
 * processes over the same subgraphs, one with both (a delegated caller, budgets drawn per root
 * field) and one with neither (a JWT caller, RATE_LIMITS=off), measured in alternating phases so
 * the machine's drift falls on both alike. `{ __typename }` is the gateway alone; `workflow(id)`
 * adds one small subgraph fetch and a counted root field.
 */
export async function benchGatewayTrust(options: { concurrency: number; seconds: number }): Promise<string> {
  const platform = await startPlatform({ logLevel: 'info', gatewayEnv: { RATE_LIMITS: LIMITS_ON } });
  try {
    const plain = await platform.startGatewayReplica({}, { RATE_LIMITS: 'off' });
    const identity = { userId: 'bench', tenantId: 'bench', roles: ['admin' as const] };
    const token = await signToken(identity, platform.jwtSecret, '1h');
    const delegation = createDelegation({ keys: [platform.gatewayKey], ttlSeconds: 60 });
    let grant = delegation.mint(identity, 'bi', 'bench');
    const renew = setInterval(() => (grant = delegation.mint(identity, 'bi', 'bench')), 20_000);
    const send = (url: string, query: string, headers: Record<string, string>) => async () => {
      const response = await fetch(`${url}/graphql`, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify({ query }) });
      const body = (await response.json()) as { errors?: Array<{ message: string }> };
      if (body.errors) throw new Error(body.errors[0]?.message);
    };
    const queries = { typename: '{ __typename }', lookup: '{ workflow(id: "00000000-0000-4000-8000-000000000000") { id } }' };
    const results: LoadResult[] = [];
    const ratios: string[] = [];
    const phase = { ...options, seconds: options.seconds / 2 };
    try {
      for (const [name, query] of Object.entries(queries)) {
        const off = send(plain.url, query, { authorization: `Bearer ${token}` });
        const onRuns: LoadResult[] = [];
        const offRuns: LoadResult[] = [];
        for (let round = 0; round < 2; round++) {
          offRuns.push(await runLoad(`${name}, both off`, phase, off));
          onRuns.push(await runLoad(`${name}, both on`, phase, () => send(platform.gateway.url, query, { 'x-judgify-delegation': grant })()));
        }
        const merged = (runs: LoadResult[]): LoadResult => ({
          name: runs[0]!.name,
          requests: runs.reduce((sum, run) => sum + run.requests, 0),
          errors: runs.reduce((sum, run) => sum + run.errors, 0),
          seconds: runs.reduce((sum, run) => sum + run.seconds, 0),
          latenciesMs: runs.flatMap((run) => run.latenciesMs),
        });
        const [withBoth, without] = [merged(onRuns), merged(offRuns)];
        results.push(without, withBoth);
        const rate = (result: LoadResult) => result.requests / result.seconds;
        ratios.push(`${name}: both on / both off = ${(rate(withBoth) / rate(without)).toFixed(2)}`);
      }
    } finally {
      clearInterval(renew);
    }
    return `${report(results)}\n${ratios.join('\n')}`;
  } finally {
    await platform.stop();
  }
}
