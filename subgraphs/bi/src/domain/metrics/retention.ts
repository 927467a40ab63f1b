import type { Database } from '@judgify/runtime/database';
import { and, eq, lt } from 'drizzle-orm';
import * as tables from '../../db/schema.ts';
import { deliveryBuckets, executionVerdicts, feedbackBuckets, judgmentBuckets } from '../../db/schema.ts';
import { BUCKET_SIZES, RETENTION_MS } from './buckets.ts';

/**
 * Deletes buckets older than their size's retention (5 min: 7 days, hour: 90 days, day: 730
 * days) and verdicts older than the longest. Returns how many rows went.
 */
export async function pruneMetrics(db: Database<typeof tables>, now: Date): Promise<number> {
  let removed = 0;
  for (const table of [judgmentBuckets, feedbackBuckets, deliveryBuckets]) {
    for (const size of BUCKET_SIZES) {
      const gone = await db
        .delete(table)
        .where(and(eq(table.size, size), lt(table.bucketStart, new Date(now.getTime() - RETENTION_MS[size]))))
        .returning({ size: table.size });
      removed += gone.length;
    }
  }
  const verdicts = await db
    .delete(executionVerdicts)
    .where(lt(executionVerdicts.recordedAt, new Date(now.getTime() - RETENTION_MS.DAY)))
    .returning({ id: executionVerdicts.executionId });
  return removed + verdicts.length;
}
