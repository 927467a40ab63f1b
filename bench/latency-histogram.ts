/** Buckets of 0.1 ms up to 60 s (beyond counts as 60 s): millions of samples in fixed memory. */
const RESOLUTION_MS = 0.1;
const BUCKETS = 600_000;

export class LatencyHistogram {
  private readonly buckets = new Uint32Array(BUCKETS + 1);
  count = 0;
  max = 0;

  record(ms: number): void {
    const bucket = Math.min(BUCKETS, Math.max(0, Math.round(ms / RESOLUTION_MS)));
    this.buckets[bucket]!++;
    this.count++;
    if (ms > this.max) this.max = ms;
  }

  /** The smallest latency at or below which p % of the samples lie. */
  percentile(p: number): number {
    if (!this.count) return Number.NaN;
    const rank = Math.max(1, Math.ceil((p / 100) * this.count));
    for (let bucket = 0, seen = 0; bucket <= BUCKETS; bucket++) {
      seen += this.buckets[bucket]!;
      if (seen >= rank) return bucket * RESOLUTION_MS;
    }
    return this.max;
  }
}
