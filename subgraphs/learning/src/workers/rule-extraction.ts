import type { Database } from '@judgify/runtime/database';
import type { LlmClient } from '@judgify/runtime/llm';
import type { Logger } from '@judgify/runtime/logger';
import { Counter, Histogram } from '@judgify/runtime/metrics';
import type { LiveUpdates } from '@judgify/runtime/pubsub';
import { WorkLoop } from '@judgify/runtime/work-loop';
import { and, asc, eq, isNotNull, sql } from 'drizzle-orm';
import type { Registry } from 'prom-client';
import * as tables from '../db/schema.ts';
import { executions, ruleCandidates, ruleExtractionJobs, type RuleExtractionJobRow } from '../db/schema.ts';
import { RULE_EXTRACTION, type JobNotice } from '../domain/live.ts';
import { extractRules, ExtractionRefused } from '../domain/rules/extract.ts';

export function extractionMetrics(registry: Registry) {
  return {
    duration: new Histogram({
      name: 'rule_extraction_duration_seconds',
      help: 'Time one algorithm took on one extraction job',
      labelNames: ['algorithm'],
      buckets: [0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120],
      registers: [registry],
    }),
    requests: new Counter({ name: 'rule_extraction_requests_total', help: 'Extraction jobs by how they ended: succeeded, refused, failed', labelNames: ['result'], registers: [registry] }),
  };
}

/** A job is its worker's for this long (by the database's clock), renewed as it makes progress; a worker that died gives it back. */
const leaseFromNow = sql`now() + interval '60 seconds'`;
/** Tries a job gets when its worker keeps dying under it (out of memory, say) before it is marked failed. */
const MAX_ATTEMPTS = 3;
class WorkerStopping extends Error {}
/** The job's lease ran out and another worker took it: this one's work on it is void. */
class LeaseLost extends Error {}

const rowsOf = (result: unknown) => (result as { rows: Array<Record<string, unknown>> }).rows;

export interface RuleExtractionOptions {
  db: Database<typeof tables>;
  llm?: LlmClient;
  live: LiveUpdates;
  logger: Logger;
  metrics: ReturnType<typeof extractionMetrics>;
  pollMs?: number;
}

/**
 * Runs queued extraction jobs, one at a time per process, from any replica: a job is claimed with
 * `FOR UPDATE SKIP LOCKED` and leased; if its worker dies, the lease runs out and another takes it
 * (the seed makes the result the same). After three such tries it is marked failed, saying why.
 */
export class RuleExtractionWorker {
  private readonly loop = new WorkLoop(() => this.step());

  constructor(private readonly options: RuleExtractionOptions) {}

  start(): void {
    this.loop.start();
  }

  kick(): void {
    this.loop.kick();
  }

  /** Hands a job under way back to the queue at its next step (an algorithm done), for the next worker to run from the start. */
  stop(): Promise<void> {
    return this.loop.stop();
  }

  /** One job, if one is due; then at once again, or after the poll interval when there was none. */
  private async step(): Promise<number> {
    try {
      const job = await this.claim();
      if (job) {
        await this.work(job);
        return 0;
      }
    } catch (error) {
      this.options.logger.warn({ err: error }, 'rule extraction queue could not be read; retrying');
    }
    return this.options.pollMs ?? 1_000;
  }

  private async claim(): Promise<RuleExtractionJobRow | undefined> {
    const { db } = this.options;
    const due = sql`select ${ruleExtractionJobs.id} from ${ruleExtractionJobs}
      where ${ruleExtractionJobs.status} = 'QUEUED' or (${ruleExtractionJobs.status} = 'RUNNING' and ${ruleExtractionJobs.leaseUntil} < now())
      order by ${ruleExtractionJobs.createdAt} limit 1 for update skip locked`;
    const [claimed] = rowsOf(
      await db.execute(
        sql`update ${ruleExtractionJobs} set status = 'RUNNING', lease_until = ${leaseFromNow}, attempts = attempts + 1, started_at = coalesce(started_at, now()) where ${ruleExtractionJobs.id} in (${due}) returning id`,
      ),
    );
    if (!claimed) return undefined;
    const [job] = await db.select().from(ruleExtractionJobs).where(eq(ruleExtractionJobs.id, String(claimed.id)));
    return job;
  }

  private announce(job: RuleExtractionJobRow): void {
    this.options.live.publish(RULE_EXTRACTION, job.tenantId, { jobId: job.id } satisfies JobNotice);
  }

  /**
   * Changes the job while this worker still holds it (its try, `attempts`, is the job's), in `tx`
   * if given; a worker whose lease ran out and was taken over finds nothing to change and stops.
   */
  private async update(job: RuleExtractionJobRow, changes: Record<string, unknown>, tx: Pick<RuleExtractionOptions['db'], 'update'> = this.options.db): Promise<void> {
    const changed = await tx
      .update(ruleExtractionJobs)
      .set(changes)
      .where(and(eq(ruleExtractionJobs.id, job.id), eq(ruleExtractionJobs.status, 'RUNNING'), eq(ruleExtractionJobs.attempts, job.attempts)))
      .returning({ id: ruleExtractionJobs.id });
    if (!changed.length) throw new LeaseLost();
  }

  private async finish(job: RuleExtractionJobRow, changes: Partial<RuleExtractionJobRow>): Promise<void> {
    await this.update(job, { ...changes, leaseUntil: null, finishedAt: new Date() });
    this.announce(job);
  }

  private async work(job: RuleExtractionJobRow): Promise<void> {
    const { db, metrics } = this.options;
    this.announce(job);
    if (job.attempts > MAX_ATTEMPTS) {
      metrics.requests.inc({ result: 'failed' });
      return this.finish(job, { status: 'FAILED', error: `Gave up after ${MAX_ATTEMPTS} tries: the worker running it stopped each time (see the learning service logs).` }).catch(() => undefined);
    }
    const samples = await db
      .select({ input: executions.inputData, label: executions.label })
      .from(executions)
      .where(and(eq(executions.tenantId, job.tenantId), eq(executions.workflowId, job.workflowId), isNotNull(executions.label)))
      // In one order every time, so the seed splits the same samples the same way on every try.
      .orderBy(asc(executions.id));
    try {
      const result = await extractRules({
        samples: samples.map((sample) => ({ input: sample.input, label: sample.label! })),
        outcomes: job.outcomes,
        seed: job.seed,
        llm: this.options.llm,
        onAlgorithm: (algorithm, seconds) => metrics.duration.observe({ algorithm }, seconds),
        onProgress: async (progress) => {
          if (!this.loop.running) throw new WorkerStopping();
          await this.update(job, { progress, leaseUntil: leaseFromNow });
          this.announce(job);
        },
      });
      await db.transaction(async (tx) => {
        // The job first: only the worker holding it stores candidates.
        await this.update(job, { status: 'SUCCEEDED', progress: 1, split: result.split, notes: result.notes, leaseUntil: null, finishedAt: new Date() }, tx);
        if (result.candidates.length) {
          await tx.insert(ruleCandidates).values(
            result.candidates.map((candidate) => ({
              tenantId: job.tenantId,
              jobId: job.id,
              workflowId: job.workflowId,
              workflowVersion: job.workflowVersion,
              nodeId: job.nodeId,
              algorithm: candidate.algorithm,
              expression: candidate.expression,
              ...candidate.score,
              trainCount: result.split.trainCount,
              testCount: result.split.testCount,
            })),
          );
        }
      });
      metrics.requests.inc({ result: 'succeeded' });
      this.announce(job);
    } catch (error) {
      if (error instanceof LeaseLost) {
        this.options.logger.warn({ jobId: job.id }, 'rule extraction job was taken over by another worker after its lease ran out; leaving it to that worker');
        return;
      }
      if (error instanceof WorkerStopping) {
        // Not a try that failed: the job goes back as it was queued, and the next worker starts it afresh.
        await this.update(job, { status: 'QUEUED', progress: 0, leaseUntil: null, attempts: sql`${ruleExtractionJobs.attempts} - 1` }).catch(() => undefined);
        this.announce(job);
        return;
      }
      if (error instanceof ExtractionRefused) {
        metrics.requests.inc({ result: 'refused' });
        return this.finish(job, { status: 'FAILED', error: error.message }).catch(() => undefined);
      }
      metrics.requests.inc({ result: 'failed' });
      this.options.logger.error({ err: error, jobId: job.id }, 'rule extraction failed');
      await this.finish(job, { status: 'FAILED', error: 'Rule extraction failed unexpectedly; the learning service log has the details. Start it again.' }).catch(() => undefined);
    }
  }
}
