import { Agent, request } from 'node:http';
import { LatencyHistogram } from '../latency-histogram.ts';

/**
 * A lean closed-loop HTTP load generator for one gateway: `connections` workers, each on its
 * own keep-alive socket, send the same POST back to back for `seconds`. node:http and a
 * Buffer compare per response, no fetch and no JSON work on the hot path, so the client costs
 * the machine little next to the gateway (the bench prints its CPU to show it).
 */
export interface ClosedLoopResult {
  /** Responses that were exactly the expected answer. */
  ok: number;
  network: number;
  badStatus: number;
  mismatch: number;
  seconds: number;
  latency: LatencyHistogram;
  /** The first failure seen, for the report. */
  firstFailure?: string;
}

export interface ClosedLoopOptions {
  url: string;
  body: string;
  headers: Record<string, string>;
  connections: number;
  seconds: number;
  check: (status: number, body: Buffer) => boolean;
}

function post(agent: Agent, url: URL, headers: Record<string, string | number>, body: Buffer): Promise<{ status: number; body: Buffer }> {
  return new Promise((resolve, reject) => {
    const outgoing = request({ agent, hostname: url.hostname, port: url.port, path: url.pathname, method: 'POST', headers }, (response) => {
      const chunks: Buffer[] = [];
      let length = 0;
      response.on('data', (chunk: Buffer) => {
        chunks.push(chunk);
        length += chunk.length;
      });
      response.on('end', () => resolve({ status: response.statusCode ?? 0, body: chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks, length) }));
      response.on('error', reject);
    });
    outgoing.on('error', reject);
    outgoing.end(body);
  });
}

export const emptyResult = (): ClosedLoopResult => ({ ok: 0, network: 0, badStatus: 0, mismatch: 0, seconds: 0, latency: new LatencyHistogram() });

/** Runs the loop and adds what it saw to `result` (a new one by default), which it returns. */
export async function closedLoop(options: ClosedLoopOptions, result = emptyResult()): Promise<ClosedLoopResult> {
  const url = new URL(options.url);
  const body = Buffer.from(options.body);
  const headers = { ...options.headers, 'content-type': 'application/json', accept: 'application/json', 'content-length': body.length };
  const agent = new Agent({ keepAlive: true, maxSockets: options.connections, maxFreeSockets: options.connections });
  const fail = (what: string) => (result.firstFailure ??= what.slice(0, 600));
  const started = performance.now();
  const deadline = started + options.seconds * 1000;
  await Promise.all(
    Array.from({ length: options.connections }, async () => {
      while (performance.now() < deadline) {
        const before = performance.now();
        try {
          const response = await post(agent, url, headers, body);
          result.latency.record(performance.now() - before);
          if (options.check(response.status, response.body)) {
            result.ok++;
          } else if (response.status !== 200) {
            result.badStatus++;
            fail(`HTTP ${response.status}: ${response.body.toString()}`);
          } else {
            result.mismatch++;
            fail(`not the expected answer: ${response.body.toString()}`);
          }
        } catch (error) {
          result.network++;
          fail(`request failed: ${error instanceof Error ? error.message : String(error)}`);
        }
      }
    }),
  );
  result.seconds += (performance.now() - started) / 1000;
  agent.destroy();
  return result;
}

/**
 * Checks every response against the expected JSON: a body byte-equal to one already found right
 * is right; any other body is parsed and compared whole after re-serializing (so whitespace or
 * escaping may differ between gateways, but no value, key or key order).
 */
export function responseCheck(expected: string): (status: number, body: Buffer) => boolean {
  const knownGood: Buffer[] = [];
  return (status, body) => {
    if (status !== 200) return false;
    for (const good of knownGood) if (good.equals(body)) return true;
    let right = false;
    try {
      right = JSON.stringify(JSON.parse(body.toString())) === expected;
    } catch {
      right = false;
    }
    if (right && knownGood.length < 8) knownGood.push(body);
    return right;
  };
}
