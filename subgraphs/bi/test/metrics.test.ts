import { randomUUID } from 'node:crypto';
import { createEvent, type EventEnvelope, type InProcessBus } from '@judgify/runtime/events';
import { identities, silentLogger } from '@judgify/runtime/testing';
import { createTestSubgraph, type TestSubgraph } from '@judgify/runtime/testing/subgraph';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createBiApp } from './support.ts';
import * as tables from '../src/db/schema.ts';
import { ingestFeedbackRecorded, ingestJudgmentCompleted, type IngestDeps } from '../src/domain/metrics/ingest.ts';
import { pruneMetrics } from '../src/domain/metrics/retention.ts';
import { migrationsFolder } from '../src/service.ts';

const SERIES = /* GraphQL */ `
  query Series($filter: JudgmentMetricsFilter!) {
    judgmentMetrics(filter: $filter) {
      bucket source warnings timeZone
      points { start end count succeeded failed successRate averageConfidence averageDurationMs p95DurationMs decisions { key count share } feedbackCount feedbackAccuracy }
    }
  }
`;

const STATS = /* GraphQL */ `
  query Stats($from: DateTime, $to: DateTime, $filter: JudgmentStatsFilter) {
    judgmentStats(from: $from, to: $to, filter: $filter) {
      totals { count succeeded failed successRate failureRate averageConfidence p95DurationMs decisions { key count } methodsUsed { key count } feedbackCount feedbackCorrect feedbackAccuracy deliveries { succeeded failed attempts kinds { key count } } }
      byMethod { method count successRate }
      byWorkflow { workflow { id } count }
    }
  }
`;

let subgraph: TestSubgraph<typeof tables>;
let ingest: IngestDeps;
beforeAll(async () => {
  subgraph = await createTestSubgraph({ service: 'bi', tables, migrationsFolder, outbox: tables.outbox, createApp: createBiApp() });
  ingest = { db: subgraph.infrastructure.database.db, logger: silentLogger, changed: () => {} };
});
afterAll(() => subgraph.close());

const bus = () => subgraph.infrastructure.bus as InProcessBus;
const HOUR = 3600_000;
/** A fixed past hour, so buckets never straddle the test's own clock. */
const base = new Date(Math.floor(Date.now() / HOUR) * HOUR - 5 * HOUR);
const at = (minutes: number) => new Date(base.getTime() + minutes * 60_000);

function judgment(options: { tenantId?: string; workflowId: string; minutes: number; status?: 'SUCCEEDED' | 'FAILED'; decision?: string; confidence?: number; method?: string; ms?: number }): EventEnvelope {
  const succeeded = (options.status ?? 'SUCCEEDED') === 'SUCCEEDED';
  return createEvent({
    eventType: 'judgment.completed',
    source: 'judgment',
    tenantId: options.tenantId ?? 'acme',
    data: {
      executionId: randomUUID(),
      workflowId: options.workflowId,
      workflowVersion: 1,
      status: options.status ?? 'SUCCEEDED',
      decision: succeeded ? (options.decision ?? 'PASS') : null,
      confidence: succeeded ? (options.confidence ?? 0.9) : null,
      method: options.method ?? 'HYBRID',
      methodUsed: 'RULE',
      executionTimeMs: options.ms ?? 10,
      createdAt: at(options.minutes).toISOString(),
    },
  });
}

function feedback(options: { workflowId: string; executionId: string; verdict: 'CORRECT' | 'INCORRECT'; minutes: number }): EventEnvelope {
  return createEvent({
    eventType: 'feedback.recorded',
    source: 'learning',
    tenantId: 'acme',
    data: { feedbackId: randomUUID(), executionId: options.executionId, workflowId: options.workflowId, verdict: options.verdict, recordedAt: at(options.minutes).toISOString() },
  });
}

async function publish(...events: EventEnvelope[]) {
  for (const event of events) await bus().publish(event);
  await bus().drain();
}

const window = { from: at(0).toISOString(), to: at(120).toISOString() };

describe('judgment read models', () => {
  it('rolls 5-minute buckets up into hours and days: counts, rates, confidence, decision mix and p95 agree at every size', async () => {
    const workflowId = randomUUID();
    await publish(
      judgment({ workflowId, minutes: 1, decision: 'PASS', confidence: 0.8, ms: 5 }),
      judgment({ workflowId, minutes: 7, decision: 'STOP_LINE', confidence: 1, ms: 20 }),
      judgment({ workflowId, minutes: 62, decision: 'PASS', confidence: 0.6, ms: 40 }),
      judgment({ workflowId, minutes: 63, status: 'FAILED', ms: 100 }),
      judgment({ workflowId, minutes: 64, method: 'RULE', decision: 'PASS', confidence: 1, ms: 2 }),
    );
    const series = (bucket: string) => subgraph.execute(identities.acmeViewer, SERIES, { filter: { workflowId, ...window, bucket } });
    const fine = await series('FIVE_MINUTES');
    expect(fine.errors).toBeUndefined();
    const points = fine.data!.judgmentMetrics.points as Array<{ count: number }>;
    expect(points).toHaveLength(24);
    expect(points.map((point) => point.count).filter(Boolean)).toEqual([1, 1, 3]);
    const hours = (await series('HOUR')).data!.judgmentMetrics;
    expect(hours.source).toBe('HOUR');
    expect(hours.points).toHaveLength(2);
    expect(hours.points[0]).toMatchObject({ count: 2, succeeded: 2, successRate: 1, averageConfidence: 0.9, decisions: [{ key: 'PASS', count: 1, share: 0.5 }, { key: 'STOP_LINE', count: 1, share: 0.5 }] });
    expect(hours.points[1]).toMatchObject({ count: 3, succeeded: 2, failed: 1 });
    expect(hours.points[1].successRate).toBeCloseTo(2 / 3);

    const stats = await subgraph.execute(identities.acmeViewer, STATS, { ...window, filter: { workflowId } });
    expect(stats.errors).toBeUndefined();
    const totals = stats.data!.judgmentStats.totals;
    expect(totals).toMatchObject({ count: 5, succeeded: 4, failed: 1, successRate: 0.8, failureRate: 0.2, decisions: [{ key: 'PASS', count: 3 }, { key: 'STOP_LINE', count: 1 }] });
    expect(totals.averageConfidence).toBeCloseTo((0.8 + 1 + 0.6 + 1) / 4);
    // The 95th percentile of [2, 5, 20, 40, 100] ms is 100 ms: read from log cells, within 10 % and never below.
    expect(totals.p95DurationMs).toBeGreaterThanOrEqual(100);
    expect(totals.p95DurationMs).toBeLessThanOrEqual(110);
    const fromHours = hours.points.reduce((sum: number, point: { count: number }) => sum + point.count, 0);
    expect(fromHours).toBe(5);
    expect(stats.data!.judgmentStats.byMethod).toEqual([
      { method: 'HYBRID', count: 4, successRate: 0.75 },
      { method: 'RULE', count: 1, successRate: 1 },
    ]);
    expect(stats.data!.judgmentStats.byWorkflow).toEqual([{ workflow: { id: workflowId }, count: 5 }]);
  });

  it('counts an event delivered twice, or handled twice at once, exactly once', async () => {
    const workflowId = randomUUID();
    const event = judgment({ workflowId, minutes: 30 });
    await ingestJudgmentCompleted(ingest, event);
    await ingestJudgmentCompleted(ingest, event);
    const again = judgment({ workflowId, minutes: 31 });
    await Promise.allSettled([ingestJudgmentCompleted(ingest, again), ingestJudgmentCompleted(ingest, again), ingestJudgmentCompleted(ingest, again)]);
    // A concurrent duplicate that lost the inbox race is redelivered: handling it then is a no-op.
    await ingestJudgmentCompleted(ingest, again);
    const stats = await subgraph.execute(identities.acmeViewer, STATS, { ...window, filter: { workflowId } });
    expect(stats.data!.judgmentStats.totals.count).toBe(2);
  });

  it('keeps the latest verdict per execution, whatever order feedback arrives in, without counting an execution twice', async () => {
    const workflowId = randomUUID();
    const executionId = randomUUID();
    const other = randomUUID();
    const early = feedback({ workflowId, executionId, verdict: 'INCORRECT', minutes: 10 });
    const late = feedback({ workflowId, executionId, verdict: 'CORRECT', minutes: 70 });
    await ingestFeedbackRecorded(ingest, late);
    await ingestFeedbackRecorded(ingest, early);
    await ingestFeedbackRecorded(ingest, late);
    await ingestFeedbackRecorded(ingest, feedback({ workflowId, executionId: other, verdict: 'INCORRECT', minutes: 15 }));
    const stats = await subgraph.execute(identities.acmeViewer, STATS, { ...window, filter: { workflowId } });
    expect(stats.data!.judgmentStats.totals).toMatchObject({ feedbackCount: 2, feedbackCorrect: 1, feedbackAccuracy: 0.5 });
    const hours = await subgraph.execute(identities.acmeViewer, SERIES, { filter: { workflowId, ...window, bucket: 'HOUR' } });
    // The execution counts in the hour its current verdict was recorded, and only there.
    expect(hours.data!.judgmentMetrics.points.map((point: { feedbackCount: number; feedbackAccuracy: number | null }) => [point.feedbackCount, point.feedbackAccuracy])).toEqual([
      [1, 0],
      [1, 1],
    ]);
    // In the other order, the same result.
    const flipped = randomUUID();
    await ingestFeedbackRecorded(ingest, feedback({ workflowId: flipped, executionId: randomUUID(), verdict: 'INCORRECT', minutes: 10 }));
    const id = randomUUID();
    await ingestFeedbackRecorded(ingest, feedback({ workflowId: flipped, executionId: id, verdict: 'INCORRECT', minutes: 10 }));
    await ingestFeedbackRecorded(ingest, feedback({ workflowId: flipped, executionId: id, verdict: 'CORRECT', minutes: 70 }));
    const flippedStats = await subgraph.execute(identities.acmeViewer, STATS, { ...window, filter: { workflowId: flipped } });
    expect(flippedStats.data!.judgmentStats.totals).toMatchObject({ feedbackCount: 2, feedbackCorrect: 1 });
  });

  it('counts an execution once when its first two verdicts are handled at the same time', async () => {
    const workflowId = randomUUID();
    const executionId = randomUUID();
    const earlier = feedback({ workflowId, executionId, verdict: 'CORRECT', minutes: 20 });
    const later = feedback({ workflowId, executionId, verdict: 'INCORRECT', minutes: 21 });
    await Promise.all([ingestFeedbackRecorded(ingest, earlier), ingestFeedbackRecorded(ingest, later)]);
    const stats = await subgraph.execute(identities.acmeViewer, STATS, { ...window, filter: { workflowId } });
    expect(stats.data!.judgmentStats.totals).toMatchObject({ feedbackCount: 1, feedbackCorrect: 0 });
  });

  it('counts delivery outcomes from action.executed', async () => {
    const workflowId = randomUUID();
    const delivered = (status: string, attempts: number) =>
      createEvent({
        eventType: 'action.executed',
        source: 'workflow',
        tenantId: 'acme',
        data: { runId: randomUUID(), executionId: randomUUID(), workflowId, kind: 'WEBHOOK', status, attempts, finishedAt: at(20).toISOString() },
      });
    await publish(delivered('SUCCEEDED', 1), delivered('SUCCEEDED', 3), delivered('FAILED', 5));
    const stats = await subgraph.execute(identities.acmeViewer, STATS, { ...window, filter: { workflowId } });
    expect(stats.data!.judgmentStats.totals.deliveries).toEqual({ succeeded: 2, failed: 1, attempts: 9, kinds: [{ key: 'WEBHOOK', count: 3 }] });
  });

  it("shows a tenant only its own metrics", async () => {
    const workflowId = randomUUID();
    await publish(judgment({ tenantId: 'initech', workflowId, minutes: 5 }));
    const acme = await subgraph.execute(identities.acmeViewer, STATS, { ...window, filter: { workflowId } });
    expect(acme.data!.judgmentStats.totals.count).toBe(0);
    const initech = await subgraph.execute({ userId: 'ivan', tenantId: 'initech', roles: ['viewer'] }, STATS, { ...window, filter: { workflowId } });
    expect(initech.data!.judgmentStats.totals.count).toBe(1);
  });

  it('resolves relative ranges in the asked time zone and zero-fills the series', async () => {
    const result = await subgraph.execute(identities.acmeViewer, SERIES, { filter: { period: 'LAST_WEEK', timeZone: 'Asia/Seoul', bucket: 'DAY' } });
    expect(result.errors).toBeUndefined();
    const series = result.data!.judgmentMetrics;
    expect(series.points).toHaveLength(7);
    // Seoul's midnight is 15:00 UTC; its days are read from hour buckets, which align with them.
    expect(series.points.every((point: { start: string }) => point.start.endsWith('T15:00:00.000Z'))).toBe(true);
    expect(series.source).toBe('HOUR');
    expect(new Date(series.points[0].start).getUTCDay()).toBe(0); // Sunday 15:00 UTC = Monday 00:00 in Seoul
  });

  it('refuses ranges named twice, unknown time zones, empty ranges and points finer than what is kept', async () => {
    const refused = async (filter: Record<string, unknown>) => (await subgraph.execute(identities.acmeViewer, SERIES, { filter })).errors?.[0];
    expect(await refused({ period: 'TODAY', lastHours: 3 })).toMatchObject({ message: 'Name the range one way: give from/to, period, lastHours or lastDays, not period and lastHours.', extensions: { code: 'BAD_USER_INPUT' } });
    expect(await refused({ timeZone: 'Mars/Olympus' })).toMatchObject({ message: expect.stringContaining('"Mars/Olympus" is not a time zone'), extensions: { code: 'BAD_USER_INPUT', field: 'filter.timeZone' } });
    expect(await refused({ from: at(10).toISOString(), to: at(0).toISOString() })).toMatchObject({ extensions: { code: 'BAD_USER_INPUT', field: 'filter.to' } });
    expect(await refused({ lastDays: 30, bucket: 'FIVE_MINUTES' })).toMatchObject({ message: expect.stringContaining('FIVE_MINUTES buckets are kept for 7 days'), extensions: { code: 'BAD_USER_INPUT' } });
    expect(await refused({ lastHours: 0 })).toMatchObject({ extensions: { code: 'BAD_USER_INPUT', field: 'filter.lastHours' } });
    expect(await refused({ workflowId: 'nope' })).toMatchObject({ extensions: { code: 'BAD_USER_INPUT', field: 'filter.workflowId' } });
  });

  it('leaves a malformed event out rather than retrying it forever', async () => {
    const workflowId = randomUUID();
    await publish({ ...judgment({ workflowId, minutes: 3 }), data: { workflowId, status: 'MAYBE' } });
    const stats = await subgraph.execute(identities.acmeViewer, STATS, { ...window, filter: { workflowId } });
    expect(stats.data!.judgmentStats.totals.count).toBe(0);
  });

  it('prunes each bucket size past its retention and keeps the rest', async () => {
    const workflowId = randomUUID();
    const old = new Date(Date.now() - 10 * 24 * HOUR);
    await ingestJudgmentCompleted(ingest, { ...judgment({ workflowId, minutes: 0 }), data: { ...(judgment({ workflowId, minutes: 0 }).data as object), createdAt: old.toISOString() } });
    await pruneMetrics(subgraph.infrastructure.database.db, new Date());
    const filter = { workflowId, from: new Date(old.getTime() - HOUR).toISOString(), to: new Date(old.getTime() + HOUR).toISOString() };
    const hourly = await subgraph.execute(identities.acmeViewer, SERIES, { filter: { ...filter, bucket: 'HOUR' } });
    expect(hourly.data!.judgmentMetrics.points.reduce((sum: number, point: { count: number }) => sum + point.count, 0)).toBe(1);
    const rows = await subgraph.infrastructure.database.db.select().from(tables.judgmentBuckets);
    expect(rows.filter((row) => row.workflowId === workflowId).map((row) => row.size).sort()).toEqual(['DAY', 'HOUR']);
  });
});
