import { randomUUID } from 'node:crypto';
import { createLlmClient } from '@judgify/runtime/llm';
import { forwardedHeaders, identities, silentLogger } from '@judgify/runtime/testing';
import { startOpenAiTestServer, type OpenAiTestServer } from '@judgify/runtime/testing/openai-server';
import { createTestSubgraph, type TestSubgraph } from '@judgify/runtime/testing/subgraph';
import { eq } from 'drizzle-orm';
import { Registry } from 'prom-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApp } from '../src/app.ts';
import * as tables from '../src/db/schema.ts';
import { plantedCase } from '../src/domain/rules/planted.ts';
import { migrationsFolder } from '../src/service.ts';
import { extractionMetrics, RuleExtractionWorker } from '../src/workers/rule-extraction.ts';

const JOB = /* GraphQL */ `
  query Job($id: ID!) {
    ruleExtractionJob(id: $id) {
      id status progress attempts error nodeId workflowVersion
      split { seed trainCount testCount positiveLabels negativeLabels excluded }
      notes { algorithm message }
      candidates { id algorithm expression precision recall f1 accuracy support trainCount testCount workflowVersion nodeId job { id } }
    }
  }
`;

let llmServer: OpenAiTestServer;
let subgraph: TestSubgraph<typeof tables>;
beforeAll(async () => {
  llmServer = await startOpenAiTestServer();
  const llm = createLlmClient({ baseUrl: llmServer.baseUrl, model: 'rules-test', logger: silentLogger, maxRetries: 0, timeoutMs: 2_000 });
  subgraph = await createTestSubgraph({ service: 'learning', tables, migrationsFolder, createApp: (infrastructure) => createApp(infrastructure, { llm }) });
});
afterAll(async () => {
  await subgraph.close();
  await llmServer.close();
});

const db = () => subgraph.infrastructure.database.db;

/** Labelled samples of a workflow whose truth is `f0 > 60` style rules, and a job queued for them as `extractRules` queues it. */
async function queueJob(
  options: { samples?: number; tenantId?: string; status?: 'QUEUED' | 'RUNNING'; attempts?: number; leaseUntil?: Date; on?: TestSubgraph<typeof tables> } = {},
) {
  const db = () => (options.on ?? subgraph).infrastructure.database.db;
  const workflowId = randomUUID();
  const tenantId = options.tenantId ?? 'acme';
  const planted = plantedCase({ seed: 11, samples: options.samples ?? 200, relevant: 3, distractors: options.samples && options.samples > 1000 ? 7 : 2, conditions: 2, noise: 0 });
  for (let start = 0; start < planted.samples.length; start += 1_000) {
    await db().insert(tables.executions).values(
      planted.samples.slice(start, start + 1_000).map((sample) => ({
        id: randomUUID(),
        tenantId,
        workflowId,
        workflowVersion: 4,
        inputData: sample.input,
        decision: sample.label,
        methodUsed: 'RULE',
        confidence: 1,
        judgedAt: new Date(),
        label: sample.label,
        verdict: 'CORRECT' as const,
        labelledAt: new Date(),
      })),
    );
  }
  const [job] = await db()
    .insert(tables.ruleExtractionJobs)
    .values({
      tenantId,
      workflowId,
      workflowVersion: 4,
      nodeId: 'check',
      seed: 20261201,
      outcomes: { POSITIVE: 'true', NEGATIVE: 'false' },
      createdBy: 'ada',
      status: options.status ?? 'QUEUED',
      attempts: options.attempts ?? 0,
      leaseUntil: options.leaseUntil,
    })
    .returning();
  return { job: job!, truth: planted.truth };
}

async function finished(id: string, identity = identities.acmeViewer) {
  let job: Record<string, any> | undefined;
  await expect
    .poll(
      async () => {
        job = (await subgraph.execute(identity, JOB, { id })).data?.ruleExtractionJob;
        return job?.status;
      },
      { timeout: 20_000, interval: 100 },
    )
    .toMatch(/SUCCEEDED|FAILED/);
  return job!;
}

describe('rule extraction jobs', () => {
  it('run to SUCCEEDED with candidates scored on held-out samples, the split recorded', async () => {
    llmServer.respondWith(() => ({
      content: JSON.stringify({
        rules: [
          { expression: 'f0 > 10 AND f0 < 10', rationale: 'never' },
          { expression: 'f1 >>> 3', rationale: 'typo' },
        ],
      }),
    }));
    const { job } = await queueJob();
    const done = await finished(job.id);
    expect(done).toMatchObject({ status: 'SUCCEEDED', progress: 1, attempts: 1, error: null, nodeId: 'check', workflowVersion: 4 });
    expect(done.split).toEqual({ seed: job.seed, trainCount: 140, testCount: 60, positiveLabels: ['POSITIVE'], negativeLabels: ['NEGATIVE'], excluded: 0 });
    expect(done.candidates.length).toBeGreaterThan(0);
    const [best] = done.candidates;
    expect(best.accuracy).toBeGreaterThanOrEqual(0.95);
    expect(best).toMatchObject({ trainCount: 140, testCount: 60, workflowVersion: 4, nodeId: 'check', job: { id: job.id } });
    const expressions = done.candidates.map((candidate: { expression: string }) => candidate.expression);
    expect(new Set(expressions).size).toBe(expressions.length);
    expect(new Set(done.candidates.map((candidate: { algorithm: string }) => candidate.algorithm))).toContain('LLM_PATTERN');
    // The proposal that parses is scored like the rest; the one that does not is dropped with a note, never stored.
    expect(done.candidates.map((candidate: { expression: string }) => candidate.expression)).toContain('f0 > 10 AND f0 < 10');
    expect(done.notes).toEqual([{ algorithm: 'LLM_PATTERN', message: expect.stringMatching(/^dropped a proposal: "f1 >>> 3" does not parse: /) }]);
    const stored = await db().select().from(tables.ruleCandidates).where(eq(tables.ruleCandidates.jobId, job.id));
    expect(stored.map((row) => row.expression)).not.toContain('f1 >>> 3');

    const metrics = () => subgraph.infrastructure.metrics.registry.metrics();
    await expect.poll(metrics).toMatch(/rule_extraction_requests_total\{[^}]*result="succeeded"[^}]*\} [1-9]/);
    expect(await metrics()).toMatch(/rule_extraction_duration_seconds_count\{[^}]*algorithm="DECISION_TREE"[^}]*\} [1-9]/);
  });

  it('note an LLM that cannot answer, and still learn with the other algorithms', async () => {
    llmServer.respondWith(() => ({ status: 500, content: 'upstream exploded' }));
    const { job } = await queueJob();
    const done = await finished(job.id);
    expect(done.status).toBe('SUCCEEDED');
    expect(done.notes).toEqual([{ algorithm: 'LLM_PATTERN', message: expect.stringMatching(/^skipped: /) }]);
    expect(done.candidates.some((candidate: { algorithm: string }) => candidate.algorithm === 'LLM_PATTERN')).toBe(false);
  });

  it('are taken again when their worker died, and marked FAILED, saying why, after three tries', async () => {
    llmServer.respondWith(() => ({ content: JSON.stringify({ rules: [] }) }));
    const orphan = await queueJob({ status: 'RUNNING', attempts: 1, leaseUntil: new Date(Date.now() - 1_000) });
    expect(await finished(orphan.job.id)).toMatchObject({ status: 'SUCCEEDED', attempts: 2 });
    const doomed = await queueJob({ status: 'RUNNING', attempts: 3, leaseUntil: new Date(Date.now() - 1_000) });
    const failed = await finished(doomed.job.id);
    expect(failed).toMatchObject({ status: 'FAILED', candidates: [] });
    expect(failed.error).toContain('Gave up after 3 tries');
    // A job still leased to a live worker is left alone.
    const leased = await queueJob({ status: 'RUNNING', attempts: 1, leaseUntil: new Date(Date.now() + 60_000) });
    await new Promise((resolve) => setTimeout(resolve, 1_500));
    expect((await subgraph.execute(identities.acmeViewer, JOB, { id: leased.job.id })).data?.ruleExtractionJob.status).toBe('RUNNING');
  });

  it('fail, naming the counts, when the samples are too few by the time they run', async () => {
    const { job } = await queueJob({ samples: 12 });
    const failed = await finished(job.id);
    expect(failed.status).toBe('FAILED');
    expect(failed.error).toMatch(/^Rule extraction needs at least 20 labelled samples with at least 5 of each outcome; this node has 12 \(\d+ "true", \d+ "false"\)\.$/);
  });

  it('are visible only in their tenant', async () => {
    const { job } = await queueJob({ tenantId: 'globex' });
    await finished(job.id, identities.globexAdmin);
    expect(await subgraph.execute(identities.acmeViewer, JOB, { id: job.id })).toEqual({ data: { ruleExtractionJob: null } });
    const listed = await subgraph.execute(identities.acmeViewer, '{ ruleExtractionJobs(first: 100) { id } }');
    expect(listed.data?.ruleExtractionJobs.map((row: { id: string }) => row.id)).not.toContain(job.id);
    const entities = await subgraph.execute(identities.acmeViewer, 'query($r: [_Any!]!) { _entities(representations: $r) { ... on RuleExtractionJob { id } ... on RuleCandidate { id } } }', {
      r: [{ __typename: 'RuleExtractionJob', id: job.id }],
    });
    expect(entities).toEqual({ data: { _entities: [null] } });
  });

  it('can be followed by subscription: the job as it is, its progress as it moves, and the end once it has finished', async () => {
    llmServer.respondWith(() => ({ content: JSON.stringify({ rules: [{ expression: 'f0 > 50', rationale: 'guess' }] }) }));
    const { job } = await queueJob({ status: 'RUNNING', attempts: 1, leaseUntil: new Date(Date.now() + 60_000) });
    const response = await subgraph.yoga.fetch('http://subgraph/graphql', {
      method: 'POST',
      headers: { ...(await forwardedHeaders(identities.acmeViewer, 'learning')), accept: 'text/event-stream' },
      body: JSON.stringify({ query: 'subscription($id: ID!) { ruleExtractionJobUpdated(id: $id) { id status progress candidates { id } } }', variables: { id: job.id } }),
    });
    // Let the lease run out now, as a dead worker's would: the worker takes the job and runs it.
    await new Promise((resolve) => setTimeout(resolve, 200));
    await db().update(tables.ruleExtractionJobs).set({ leaseUntil: new Date(Date.now() - 1) }).where(eq(tables.ruleExtractionJobs.id, job.id));
    const text = await response.text();
    const updates = [...text.matchAll(/^data: (.+)$/gm)].map((match) => JSON.parse(match[1]!)).filter((payload) => payload.data).map((payload) => payload.data.ruleExtractionJobUpdated);
    expect(updates[0]).toMatchObject({ id: job.id, status: 'RUNNING', progress: 0 });
    expect(updates.at(-1)).toMatchObject({ status: 'SUCCEEDED', progress: 1 });
    expect(updates.at(-1).candidates.length).toBeGreaterThan(0);
    const progress = updates.map((update) => update.progress);
    expect(progress).toEqual([...progress].sort((a, b) => a - b));
    // Each notice reads the job as it is then: on a loaded machine steps close together are read as one.
    expect(new Set(progress).size).toBeGreaterThanOrEqual(2);
  });

  it('answers a subscription to a job that does not exist with NOT_FOUND', async () => {
    const response = await subgraph.yoga.fetch('http://subgraph/graphql', {
      method: 'POST',
      headers: { ...(await forwardedHeaders(identities.acmeViewer, 'learning')), accept: 'text/event-stream' },
      body: JSON.stringify({ query: 'subscription($id: ID!) { ruleExtractionJobUpdated(id: $id) { id } }', variables: { id: randomUUID() } }),
    });
    expect(await response.text()).toContain('"code":"NOT_FOUND"');
  });
});

describe('a worker that stops', () => {
  it('hands its job back to the queue, not counted as a try, and the next worker runs it', async () => {
    const held = await createTestSubgraph({ service: 'learning', tables, migrationsFolder, createApp: (infrastructure) => createApp(infrastructure, { holdExtraction: true }) });
    try {
      const { db } = held.infrastructure.database;
      const { job } = await queueJob({ samples: 5_000, on: held });
      const workerOf = () =>
        new RuleExtractionWorker({ db, live: held.infrastructure.live, logger: silentLogger, metrics: extractionMetrics(new Registry()), pollMs: 20 });
      const stateOf = async () => (await db.select().from(tables.ruleExtractionJobs).where(eq(tables.ruleExtractionJobs.id, job.id)))[0]!;
      const first = workerOf();
      first.start();
      await expect.poll(async () => (await stateOf()).status, { interval: 5 }).toBe('RUNNING');
      await first.stop();
      expect(await stateOf()).toMatchObject({ status: 'QUEUED', attempts: 0, progress: 0, leaseUntil: null });
      const second = workerOf();
      second.start();
      await expect.poll(async () => (await stateOf()).status, { timeout: 60_000, interval: 50 }).toBe('SUCCEEDED');
      await second.stop();
      expect(await stateOf()).toMatchObject({ attempts: 1, progress: 1 });
    } finally {
      await held.close();
    }
  }, 90_000);
});
