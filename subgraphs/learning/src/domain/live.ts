import { closableStream } from '@judgify/runtime/closable-stream';
import { AppError } from '@judgify/runtime/errors';
import { liveReads } from '@judgify/runtime/live-reads';
import type { LiveUpdates } from '@judgify/runtime/pubsub';
import type { RuleExtractionJobRow } from '../db/schema.ts';
import { findJobs, type RuleJobDeps } from './rule-jobs.ts';

/** The live channel a job's changes are announced on; its topic is the tenant, so no stream crosses tenants. */
export const RULE_EXTRACTION = 'learning.rule-extraction';

export interface JobNotice {
  jobId: string;
}

export const isFinished = (job: RuleExtractionJobRow) => job.status === 'SUCCEEDED' || job.status === 'FAILED';

const sameState = (a: RuleExtractionJobRow, b: RuleExtractionJobRow) => a.status === b.status && a.progress === b.progress && a.attempts === b.attempts;

/**
 * Reads of close notices run concurrently and may return out of turn: within one run of a job
 * (same try, same status), progress never goes back, so a lower one is an earlier state read late.
 */
const isEarlierState = (delivered: RuleExtractionJobRow, read: RuleExtractionJobRow) =>
  read.attempts === delivered.attempts && read.status === delivered.status && read.progress < delivered.progress;

/**
 * One job as it is now, then after each change, ending with the change that finishes it. The
 * channel is listened to before the job is read, so no change falls between the two.
 */
export function jobUpdates(live: LiveUpdates, deps: Pick<RuleJobDeps, 'db'>, tenantId: string, jobId: string): AsyncGenerator<RuleExtractionJobRow> {
  const changes = liveReads(live.subscribe<JobNotice>(RULE_EXTRACTION, tenantId), {
    keep: (notice) => notice.jobId === jobId,
    keyOf: (notice) => notice.jobId,
    readMany: (ids) => findJobs(deps, tenantId, ids),
  });
  let delivered: RuleExtractionJobRow | undefined;
  let ended = false;
  const end = async () => {
    ended = true;
    await changes.return(undefined);
  };
  const deliver = async (job: RuleExtractionJobRow): Promise<IteratorResult<RuleExtractionJobRow>> => {
    delivered = job;
    if (isFinished(job)) await end();
    return { done: false, value: job };
  };
  return closableStream(async () => {
    if (ended) return { done: true, value: undefined };
    if (!delivered) {
      const [job] = await findJobs(deps, tenantId, [jobId]);
      if (!job) {
        await end();
        throw new AppError('NOT_FOUND', `There is no rule extraction job with id "${jobId}" in your tenant.`, { field: 'id' });
      }
      return deliver(job);
    }
    for (;;) {
      const next = await changes.next();
      if (next.done) return next;
      if (!sameState(delivered, next.value) && !isEarlierState(delivered, next.value)) return deliver(next.value);
    }
  }, end);
}
