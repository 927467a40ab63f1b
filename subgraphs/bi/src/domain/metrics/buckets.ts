import type { BucketSize } from '../../db/schema.ts';

export const BUCKET_MS: Record<BucketSize, number> = {
  FIVE_MINUTES: 5 * 60_000,
  HOUR: 3600_000,
  DAY: 24 * 3600_000,
};

/**
 * How long each bucket size is kept. A range reads the finest size whose retention covers it,
 * so a two-week chart by hour still works when the 5-minute buckets of its start are gone.
 */
export const RETENTION_MS: Record<BucketSize, number> = {
  FIVE_MINUTES: 7 * BUCKET_MS.DAY,
  HOUR: 90 * BUCKET_MS.DAY,
  DAY: 730 * BUCKET_MS.DAY,
};

export const BUCKET_SIZES = Object.keys(BUCKET_MS) as BucketSize[];

/** Buckets are aligned to UTC; day buckets are UTC days (a time zone's day is read from hour buckets). */
export function bucketStartOf(at: Date, size: BucketSize): Date {
  const width = BUCKET_MS[size];
  return new Date(Math.floor(at.getTime() / width) * width);
}

/** Every bucket an event at `at` counts in: one per size. */
export const bucketsOf = (at: Date) => BUCKET_SIZES.map((size) => ({ size, bucketStart: bucketStartOf(at, size) }));
