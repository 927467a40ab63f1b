import { randomUUID } from 'node:crypto';
import { openDatabase } from '@judgify/runtime/database';
import { createEvent, type EventEnvelope } from '@judgify/runtime/events';
import { handleOnce } from '@judgify/runtime/inbox';
import { createTestDatabase, identities, silentLogger } from '@judgify/runtime/testing';
import { createClient, type Client } from 'graphql-ws';
import WebSocket from 'ws';
import { createExampleWorkflow, graphql, signToken } from '../e2e/client.ts';
import * as tables from '../subgraphs/bi/src/db/schema.ts';
import { ingestJudgmentCompleted, ingestJudgmentsCompleted } from '../subgraphs/bi/src/domain/metrics/ingest.ts';
import { evaluatePrompts } from '../subgraphs/bi/src/domain/views/planner/evaluate.ts';
import { PROMPT_CASES } from '../subgraphs/bi/src/domain/views/planner/prompts.ts';
import { migrationsFolder } from '../subgraphs/bi/src/service.ts';
import { LatencyHistogram } from './latency-histogram.ts';
import { startBenchPlatform } from './platform.ts';
import { percentile, scoreSet } from './load.ts';

const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

function judgmentEvent(workflowId: string, at: Date): EventEnvelope {
  return createEvent({
    eventType: 'judgment.completed',
    source: 'judgment',
    tenantId: 'acme',
    data: { executionId: randomUUID(), workflowId, workflowVersion: 1, status: 'SUCCEEDED', decision: Math.random() < 0.5 ? 'OK' : 'STOP_LINE', confidence: 0.9, method: 'RULE', methodUsed: 'RULE', executionTimeMs: 2 + Math.random() * 10, createdAt: at.toISOString() },
  });
}

/**
 * Events/s into the judgment read model (inbox row + three bucket upserts, one transaction each),
 * against the same consumer keeping only its inbox row (what the read model adds to consuming),
 * and in batches, as the service consumes a stream read.
 */
export async function benchReadModelIngest(options: { events: number; concurrency: number }): Promise<string> {
  const server = await createTestDatabase();
  const database = await openDatabase({ owner: 'bi', schema: tables, migrationsFolder, databaseUrl: server.url, logger: silentLogger });
  try {
    const deps = { db: database.db, logger: silentLogger, changed: () => {} };
    const workflows = Array.from({ length: 20 }, () => randomUUID());
    const now = Date.now();
    const rows: string[] = [];
    const fresh = () => Array.from({ length: options.events }, (_, index) => judgmentEvent(workflows[index % workflows.length]!, new Date(now - Math.random() * 3 * 24 * 3600_000)));
    const run = async (name: string, events: EventEnvelope[], handle: (event: EventEnvelope) => Promise<unknown>) => {
      let next = 0;
      const started = performance.now();
      await Promise.all(Array.from({ length: options.concurrency }, async () => {
        while (next < events.length) await handle(events[next++]!);
      }));
      const rate = events.length / ((performance.now() - started) / 1000);
      rows.push(`${name.padEnd(44)} ${rate.toFixed(0).padStart(8)} events/s`);
      return rate;
    };
    const inboxOnly = await run('inbox row only (reference)', fresh(), (event) => handleOnce(database.db, tables.inbox, event, async () => {}));
    const counted = fresh();
    const readModel = await run('judgment read model (5 min, hour, day buckets)', counted, (event) => ingestJudgmentCompleted(deps, event));
    const redelivered = await run('the same events again (all duplicates, skipped)', counted, (event) => ingestJudgmentCompleted(deps, event));
    // As the service consumes them: a stream read's worth (up to 100) in one transaction.
    const batches = fresh();
    const started = performance.now();
    for (let index = 0; index < batches.length; index += 100) await ingestJudgmentsCompleted(deps, batches.slice(index, index + 100));
    const batched = batches.length / ((performance.now() - started) / 1000);
    rows.push(`${'read model, batches of 100, one at a time'.padEnd(44)} ${batched.toFixed(0).padStart(8)} events/s`);
    return [
      `${server.url ? 'PostgreSQL' : 'PGlite'}, ${options.events} events over 20 workflows and 3 days, ${options.concurrency} at once`,
      ...rows,
      `read model ÷ reference: ${(readModel / inboxOnly).toFixed(2)} one by one, ${(batched / inboxOnly).toFixed(2)} batched; duplicates ÷ reference: ${(redelivered / inboxOnly).toFixed(2)}`,
    ].join('\n');
  } finally {
    await database.close();
    await server.drop();
  }
}

/** The embedded planner on its prompt set, repeated: per-prompt latency, and how many it reads right. */
export const benchPlanner = (rounds = 50): string => scoreSet('prompts', rounds, () => evaluatePrompts(PROMPT_CASES));

const UPDATES = `subscription($id: ID!) { dashboardUpdated(id: $id) { reason views { data } } }`;
const COMPLETED = `subscription($w: ID) { judgmentCompleted(workflowId: $w) { inputData } }`;

/**
 * `subscribers` dashboard subscribers (viewers of one tenant, so one shared upstream) of a
 * dashboard counting a workflow's judgments, while judgments come at `rate`/s through the gateway.
 * A push's latency runs from when the earliest judgment it is the first to show was sent to its
 * arrival. Beside it, in the same run, one judgmentCompleted subscriber: how long the raw event
 * takes to reach a client, from the same send.
 */
export async function benchDashboardPushes(options: { subscribers: number; rate: number; seconds: number }): Promise<string> {
  const { platform, shape } = await startBenchPlatform();
  const clients: Client[] = [];
  try {
    const url = platform.gateway.url;
    const admin = await signToken(identities.acmeAdmin, platform.jwtSecret, '1h');
    const operator = await signToken(identities.acmeOperator, platform.jwtSecret, '1h');
    const workflowId = await createExampleWorkflow(url, admin, `Bench line ${randomUUID().slice(0, 6)}`);
    const view = { title: 'Judgments today', query: 'query($filter: JudgmentStatsFilter) { judgmentStats(filter: $filter) { totals { count } } }', variables: { filter: { period: 'TODAY', workflowId } }, dataPath: 'judgmentStats.totals', chart: { type: 'KPI' } };
    const created = await graphql(url, `mutation($input: CreateDashboardInput!) { createDashboard(input: $input) { id } }`, { token: operator, variables: { input: { name: 'Bench', views: [view] } } });
    const dashboardId = created.body.data!.createDashboard.id as string;

    const judged: number[] = [];
    const answered: number[] = [];
    const pushes = new LatencyHistogram();
    const events = new LatencyHistogram();
    const shown = new Map<number, number>();
    let pushCount = 0;
    let baseline: number | undefined;
    let ready = 0;
    const failures: unknown[] = [];
    let firstPush: number | undefined;
    let lastPush = 0;

    for (let index = 0; index < options.subscribers; index++) {
      const token = await signToken({ userId: `viewer-${index}`, tenantId: 'acme', roles: ['viewer'] }, platform.jwtSecret, '1h');
      const socket = () => {
        const client = createClient({ url: `${url.replace(/^http/, 'ws')}/graphql`, webSocketImpl: WebSocket, connectionParams: { authorization: `Bearer ${token}` }, retryAttempts: 0, lazy: false });
        clients.push(client);
        return client;
      };
      let seen: number | undefined;
      socket().subscribe<{ dashboardUpdated: { reason: string; views: Array<{ data: any }> } }>(
        { query: UPDATES, variables: { id: dashboardId } },
        {
          next: (message) => {
            const at = performance.now();
            const count = message.data!.dashboardUpdated.views[0]?.data?.judgmentStats.totals.count as number;
            if (seen === undefined) {
              seen = count;
              baseline ??= count;
              ready++;
              return;
            }
            // The first judgment this push shows that the subscriber had not seen yet.
            const first = judged[seen - baseline!];
            if (first !== undefined && count > seen) {
              pushes.record(at - first);
              pushCount++;
              firstPush ??= at;
              lastPush = at;
            }
            seen = count;
            shown.set(index, count);
          },
          error: (error) => {
            failures.push(error);
            ready++;
          },
          complete: () => {},
        },
      );
      // One raw-event subscriber is the reference: a hundred would add 100 × rate messages/s to what is measured.
      if (index === 0) socket().subscribe<{ judgmentCompleted: { inputData: { seq: number } } }>(
        { query: COMPLETED, variables: { w: workflowId } },
        {
          next: (message) => {
            const at = judged[message.data!.judgmentCompleted.inputData.seq];
            if (at !== undefined) events.record(performance.now() - at);
          },
          error: () => {},
          complete: () => {},
        },
      );
    }
    for (const deadline = Date.now() + 60_000; ready < options.subscribers; await pause(20)) {
      if (Date.now() > deadline) throw new Error(`only ${ready} of ${options.subscribers} dashboard subscriptions started within a minute`);
    }
    if (failures.length) throw new Error(`${failures.length} dashboard subscriptions failed, e.g. ${JSON.stringify(failures[0])}`);
    await pause(1000);

    const interval = 1000 / options.rate;
    const started = performance.now();
    const inFlight: Array<Promise<void>> = [];
    for (let sentCount = 0; performance.now() - started < options.seconds * 1000; sentCount++) {
      const due = started + sentCount * interval;
      if (due > performance.now()) await pause(due - performance.now());
      // Latencies run from when a judgment is sent: the dashboard and the event alike wait for it to be stored.
      judged.push(performance.now());
      inFlight.push(
        graphql(url, `mutation($input: ExecuteJudgmentInput!) { executeJudgment(input: $input) { id } }`, {
          token: operator,
          variables: { input: { workflowId, inputData: { temperature: 50 + (sentCount % 50), vibration: 40 + (sentCount % 30), seq: sentCount }, method: 'RULE' } },
        }).then(() => void answered.push(performance.now() - judged[sentCount]!)),
      );
    }
    await Promise.all(inFlight);
    await pause(2000);
    const fullyShown = [...shown.values()].filter((count) => count - baseline! === judged.length).length;
    const push50 = pushes.percentile(50);
    const pushSeconds = firstPush === undefined ? 1 : Math.max(1, (lastPush - firstPush) / 1000);
    const event50 = events.percentile(50);
    return [
      `${shape}; ${options.subscribers} dashboard subscribers (and one judgmentCompleted subscriber), ${judged.length} judgments at ${options.rate}/s`,
      `dashboard push      p50 ${push50.toFixed(0)} ms   p99 ${pushes.percentile(99).toFixed(0)} ms   max ${pushes.max.toFixed(0)} ms   (${pushCount} pushes over ${pushSeconds.toFixed(1)} s; ${(pushCount / options.subscribers / pushSeconds).toFixed(1)} per subscriber per second, at most 4 by design)`,
      `judgmentCompleted   p50 ${event50.toFixed(0)} ms   p99 ${events.percentile(99).toFixed(0)} ms   (${events.count} events delivered; the reference)`,
      `both from when each judgment was sent; its own round trip took p50 ${percentile(answered.sort((a, b) => a - b), 50).toFixed(0)} ms, p99 ${percentile(answered, 99).toFixed(0)} ms`,
      `push ÷ event p50: ${(push50 / event50).toFixed(1)}  (the coalescing window is 250 ms); subscribers showing every judgment at the end: ${fullyShown}/${options.subscribers}`,
    ].join('\n');
  } finally {
    await Promise.all(clients.map((client) => client.dispose()));
    await platform.stop();
  }
}
