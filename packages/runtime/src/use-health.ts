import type { Plugin } from 'graphql-yoga';

export type ReadinessChecks = Record<string, () => Promise<void>>;

const CHECK_TIMEOUT_MS = 2_000;

async function runCheck(check: () => Promise<void>): Promise<string> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no answer within ${CHECK_TIMEOUT_MS} ms`)), CHECK_TIMEOUT_MS);
  });
  try {
    await Promise.race([check(), timeout]);
    return 'ok';
  } catch (error) {
    return error instanceof Error ? error.message : String(error);
  } finally {
    clearTimeout(timer);
  }
}

/**
 * /health/ready: every required dependency answers (503 otherwise); /health: the same report,
 * always 200, for humans. Degradable dependencies (Redis: caches, limits, fan-out) are reported
 * but never make a process unready: without them it serves, degraded, rather than not at all.
 * Liveness (/health/live) is yoga's own health check endpoint.
 */
export function useHealth(service: string, checks: ReadinessChecks, degradable: ReadinessChecks = {}): Plugin {
  return {
    async onRequest({ url, endResponse, fetchAPI }) {
      if (!url.pathname.startsWith('/health')) return;
      const json = (status: number, body: unknown) =>
        endResponse(new fetchAPI.Response(JSON.stringify(body), { status, headers: { 'content-type': 'application/json' } }));
      if (url.pathname !== '/health' && url.pathname !== '/health/ready') return;
      const run = (group: ReadinessChecks) =>
        Promise.all(Object.entries(group).map(async ([name, check]) => [name, await runCheck(check)] as const)).then(Object.fromEntries<string>);
      const [results, optional] = await Promise.all([run(checks), run(degradable)]);
      const ready = Object.values(results).every((result) => result === 'ok');
      const degraded = Object.values(optional).some((result) => result !== 'ok');
      const status = url.pathname === '/health/ready' && !ready ? 503 : 200;
      json(status, { status: ready ? (degraded ? 'degraded' : 'ok') : 'unavailable', service, checks: { ...results, ...optional } });
    },
  };
}
