import type { Tally } from '../../db/schema.ts';

/**
 * Execution times go into logarithmic cells: cell i holds times in [0.1 ms · 1.1^i, 0.1 ms ·
 * 1.1^(i+1)). Cells of any set of buckets add up, so a week's p95 is read from the sum of its
 * buckets' cells, within 10 % of the true value, however coarse the range.
 */
const SMALLEST_MS = 0.1;
const GROWTH = 1.1;
const LOG_GROWTH = Math.log(GROWTH);

export function cellOf(durationMs: number): number {
  if (!(durationMs > SMALLEST_MS)) return 0;
  return Math.floor(Math.log(durationMs / SMALLEST_MS) / LOG_GROWTH);
}

/** The cell's upper edge: a quantile read from cells is never below the true one. */
const upperEdgeOf = (cell: number) => SMALLEST_MS * GROWTH ** (cell + 1);

export function addTallies(into: Tally, from: Tally): Tally {
  for (const [key, count] of Object.entries(from)) into[key] = (into[key] ?? 0) + count;
  return into;
}

/** The q-quantile (0–1) of the times in the cells, or null when there are none. */
export function quantileOf(cells: Tally, q: number): number | null {
  const ordered = Object.entries(cells)
    .map(([cell, count]) => [Number(cell), count] as const)
    .filter(([, count]) => count > 0)
    .sort(([a], [b]) => a - b);
  const total = ordered.reduce((sum, [, count]) => sum + count, 0);
  if (!total) return null;
  const rank = Math.max(1, Math.ceil(q * total));
  let seen = 0;
  for (const [cell, count] of ordered) {
    seen += count;
    if (seen >= rank) return upperEdgeOf(cell);
  }
  return upperEdgeOf(ordered.at(-1)![0]);
}
