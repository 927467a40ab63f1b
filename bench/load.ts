/** Percentiles and a closed-loop load runner for the benchmarks (loopback only, bounded in time). */

export function percentile(sorted: readonly number[], p: number): number {
  if (!sorted.length) return Number.NaN;
  const index = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[index]!;
}

export interface LoadResult {
  name: string;
  requests: number;
  errors: number;
  seconds: number;
  latenciesMs: number[];
}

/**
 * `concurrency` workers each run `operation` back to back until `seconds` have passed; every
 * call's latency is kept. An operation that throws counts as an error.
 */
export async function runLoad(name: string, options: { concurrency: number; seconds: number }, operation: (worker: number) => Promise<void>): Promise<LoadResult> {
  const latenciesMs: number[] = [];
  let errors = 0;
  const started = performance.now();
  const deadline = started + options.seconds * 1000;
  await Promise.all(
    Array.from({ length: options.concurrency }, async (_, worker) => {
      while (performance.now() < deadline) {
        const before = performance.now();
        try {
          await operation(worker);
          latenciesMs.push(performance.now() - before);
        } catch {
          errors++;
        }
      }
    }),
  );
  return { name, requests: latenciesMs.length, errors, seconds: (performance.now() - started) / 1000, latenciesMs };
}

/** Runs of one operation taken in turns, as one result. */
export function mergedLoads(name: string, results: readonly LoadResult[]): LoadResult {
  return {
    name,
    requests: results.reduce((sum, result) => sum + result.requests, 0),
    errors: results.reduce((sum, result) => sum + result.errors, 0),
    seconds: results.reduce((sum, result) => sum + result.seconds, 0),
    latenciesMs: results.flatMap((result) => result.latenciesMs),
  };
}

export function report(results: LoadResult[]): string {
  const rows = results.map((result) => {
    const sorted = [...result.latenciesMs].sort((a, b) => a - b);
    return [
      result.name.padEnd(34),
      String(result.requests).padStart(8),
      String(result.errors).padStart(7),
      (result.requests / result.seconds).toFixed(0).padStart(8),
      percentile(sorted, 50).toFixed(1).padStart(8),
      percentile(sorted, 99).toFixed(1).padStart(8),
    ].join(' ');
  });
  return [['operation'.padEnd(34), 'requests'.padStart(8), 'errors'.padStart(7), 'req/s'.padStart(8), 'p50 ms'.padStart(8), 'p99 ms'.padStart(8)].join(' '), ...rows].join('\n');
}

/**
 * A language set scored and timed: `evaluate` runs every case once, `rounds` times over; how many
 * the first round reads right, and the per-case latency over all rounds.
 */
export function scoreSet(what: string, rounds: number, evaluate: () => Array<{ right: boolean; micros: number }>): string {
  const micros: number[] = [];
  let right = 0;
  let total = 0;
  for (let round = 0; round < rounds; round++) {
    for (const result of evaluate()) {
      micros.push(result.micros);
      if (round > 0) continue;
      total++;
      if (result.right) right++;
    }
  }
  micros.sort((a, b) => a - b);
  return `${total} ${what} (Korean and English) × ${rounds}: p50 ${percentile(micros, 50).toFixed(0)} µs, p99 ${percentile(micros, 99).toFixed(0)} µs; read exactly right ${right}/${total} (${((100 * right) / total).toFixed(1)} %)`;
}
