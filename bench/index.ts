/**
 * `npm run bench`: prints figures; nothing here asserts. Knobs: BENCH_SECONDS (per phase,
 * default 10), BENCH_CONCURRENCY (default 16), BENCH_JUDGMENT_CONCURRENCY (default 64),
 * BENCH_ONLY (hot: the issue-16 hot paths with their CPU targets and the pgbench ceiling, needs TEST_DATABASE_URL and TEST_REDIS_URL | rules | workflow | judgment | batch | subscriptions | trust | outage | actions | learning | bi | chat | mcp | federation | cache | tracing: needs TEST_REDIS_URL), BENCH_ACTION_BACKLOG (default 5000), BENCH_SUBSCRIPTIONS (scenarios driven
 * by executeJudgment, `<subscribers>x<events per second>` comma-separated, default 1000x50),
 * BENCH_PUBLISHED_SUBSCRIPTIONS (driven by published live notices, needs Redis, default
 * 1000x100,100x1000,10000x10), BENCH_EVENT_BYTES (pads each judgment's input to about that size and
 * subscribes to it too).
 * Federation (The Guild's gateway benchmark shape, bench/federation/): BENCH_FEDERATION_GATEWAYS
 * (comma-separated, default ours,stock,hive), BENCH_FEDERATION_CONNECTIONS (closed-loop keep-alive
 * connections, default 50), BENCH_FEDERATION_WARMUP_SECONDS (under full load before each gateway's
 * BENCH_SECONDS, default 3), BENCH_FEDERATION_ROUNDS (turns each gateway's BENCH_SECONDS is split
 * into, the gateways alternating, default 5), BENCH_FEDERATION_SUBGRAPH_DELAY_MS (each
 * subgraph answer held that long, default 0); BENCH_NODE_OPTIONS goes to the gateway processes
 * (e.g. `--cpu-prof --cpu-prof-dir=/tmp/prof`).
 * TEST_DATABASE_URL / TEST_REDIS_URL put the services on PostgreSQL / Redis, as in the tests;
 * otherwise PGlite and in-process buses.
 */
import { cpus } from 'node:os';
import { benchActionDelivery } from './action-delivery.ts';
import { benchDashboardPushes, benchPlanner, benchReadModelIngest } from './bi.ts';
import { benchChat, benchChatClassifier } from './chat.ts';
import { benchFederation, parseGateways } from './federation/bench.ts';
import { benchGatewayTrust } from './gateway-trust.ts';
import { benchBatchJudgments, benchJudgmentExecutions } from './judgment-executions.ts';
import { benchHotPaths } from './hot-paths.ts';
import { benchMcp } from './mcp.ts';
import { benchResponseCache } from './response-cache.ts';
import { benchExtractionTime, benchFewShotLookup, benchRuleQuality } from './learning.ts';
import { benchRedisOutage } from './redis-outage.ts';
import { benchRuleEvaluation } from './rule-evaluation.ts';
import { benchSubscriptions, parseScenarios } from './subscriptions.ts';
import { benchTracing } from './tracing.ts';
import { benchWorkflowWrites } from './workflow-writes.ts';

const seconds = Number(process.env.BENCH_SECONDS ?? 10);
const concurrency = Number(process.env.BENCH_CONCURRENCY ?? 16);
const only = process.env.BENCH_ONLY;

process.stdout.write(`Judgify benchmarks — ${cpus().length} cores (${cpus()[0]?.model.trim()}), Node ${process.version}\n\n`);
if ((!only || only === 'hot') && process.env.TEST_REDIS_URL && process.env.TEST_DATABASE_URL) {
  const hotConcurrency = Number(process.env.BENCH_JUDGMENT_CONCURRENCY ?? 64);
  process.stdout.write(
    `Hot paths through the gateway, a process per service, PostgreSQL, Redis, ${hotConcurrency} concurrent clients, ${seconds} s per path\n${await benchHotPaths({ concurrency: hotConcurrency, seconds })}\n\n`,
  );
}
if (!only || only === 'rules') {
  process.stdout.write(`Rule evaluation, one process\n${await benchRuleEvaluation()}\n\n`);
}
if (!only || only === 'learning') {
  process.stdout.write(`Rule extraction on planted rules, 300 samples per case, held-out accuracy (npm run eval prints this alone)\n${await benchRuleQuality()}\n\n`);
  process.stdout.write(`Rule extraction time, one process, 10 fields\n${await benchExtractionTime()}\n\n`);
  process.stdout.write(`Few-shot sample lookup\n${await benchFewShotLookup()}\n\n`);
}
if (!only || only === 'bi') {
  process.stdout.write(`BI read-model ingest\n${await benchReadModelIngest({ events: Number(process.env.BENCH_BI_EVENTS ?? 5000), concurrency })}\n\n`);
  process.stdout.write(`BI planner latency\n${benchPlanner()}\n\n`);
  for (const rate of [30, 100]) process.stdout.write(`Live dashboard pushes through the gateway, ${seconds} s\n${await benchDashboardPushes({ subscribers: 100, rate, seconds })}\n\n`);
}
if (!only || only === 'chat') {
  process.stdout.write(`Chat classifier, no LLM\n${benchChatClassifier()}\n\n`);
  process.stdout.write(`Chat through the gateway, time to first chunk and to the final message\n${await benchChat({ conversations: 50, seconds })}\n\n`);
}
if (!only || only === 'mcp') {
  process.stdout.write(`MCP tool call against a direct GraphQL call of the same operation\n${await benchMcp({ concurrency, seconds })}\n\n`);
}
if (!only || only === 'federation') {
  const options = {
    seconds,
    connections: Number(process.env.BENCH_FEDERATION_CONNECTIONS ?? 50),
    warmupSeconds: Number(process.env.BENCH_FEDERATION_WARMUP_SECONDS ?? 3),
    gateways: parseGateways(process.env.BENCH_FEDERATION_GATEWAYS ?? 'ours,stock,hive'),
    rounds: Number(process.env.BENCH_FEDERATION_ROUNDS ?? 5),
    subgraphDelayMs: Number(process.env.BENCH_FEDERATION_SUBGRAPH_DELAY_MS ?? 0),
  };
  process.stdout.write(`The Guild's federation benchmark shape: its TestQuery through each gateway, four subgraphs answering from memory\n${await benchFederation(options)}\n\n`);
}
if (!only || only === 'cache') {
  process.stdout.write(`Gateway response cache, { workflows(first: 1) { id name } }, a process per service, ${concurrency} clients, ${seconds} s (alternating quarters)\n${await benchResponseCache({ concurrency, seconds })}\n\n`);
}
if ((!only || only === 'tracing') && process.env.TEST_REDIS_URL) {
  process.stdout.write(`Tracing overhead at the gateway, { workflows(first: 1) }, ${concurrency} clients, ${seconds} s\n${await benchTracing({ concurrency, seconds })}\n\n`);
}
if (!only || only === 'workflow') {
  process.stdout.write(
    `Workflow writes through the gateway — ${process.env.TEST_DATABASE_URL ? 'PostgreSQL' : 'PGlite'}, ` +
      `${process.env.TEST_REDIS_URL ? 'Redis' : 'in-process bus'}, ${concurrency} concurrent clients, ${seconds} s per phase\n` +
      `${await benchWorkflowWrites({ concurrency, seconds })}\n`,
  );
}
if (!only || only === 'trust') {
  process.stdout.write(
    `\nRate limits and the delegation check at the gateway — ${process.env.TEST_REDIS_URL ? 'budgets on Redis' : 'budgets in process'}, ` +
      `${concurrency} concurrent clients, ${seconds} s per query and mode (alternating halves)\n${await benchGatewayTrust({ concurrency, seconds })}\n`,
  );
}
if ((!only || only === 'outage') && process.env.TEST_REDIS_URL) {
  process.stdout.write(
    `\nA Redis outage under judgments, a process per service, ${process.env.TEST_DATABASE_URL ? 'PostgreSQL' : 'PGlite'}, a redis-server of its own, ` +
      `${concurrency} concurrent clients, ${seconds} s per phase\n${await benchRedisOutage({ concurrency, seconds })}\n`,
  );
}
if ((!only || only === 'actions') && process.env.TEST_REDIS_URL) {
  process.stdout.write(
    `\nAction delivery to a local sink, a process per service, ${process.env.TEST_DATABASE_URL ? 'PostgreSQL' : 'PGlite'}, Redis, default concurrency (10), ` +
      `${concurrency} judging clients for ${seconds} s\n${await benchActionDelivery({ concurrency, seconds, backlog: Number(process.env.BENCH_ACTION_BACKLOG ?? 5000) })}\n`,
  );
}
if (!only || only === 'judgment') {
  const judgmentConcurrency = Number(process.env.BENCH_JUDGMENT_CONCURRENCY ?? 64);
  const stores = `${process.env.TEST_DATABASE_URL ? 'PostgreSQL' : 'PGlite'}, ${process.env.TEST_REDIS_URL ? 'Redis' : 'in-process bus'}`;
  const shapes: Array<['embedded' | 'distributed', string]> = [['embedded', 'every service in one process (npm start)']];
  // Separate processes only learn of workflows through Redis.
  if (process.env.TEST_REDIS_URL) shapes.push(['distributed', 'a process per service']);
  for (const [shape, label] of shapes) {
    process.stdout.write(
      `\nJudgments through the gateway, ${label} — ${stores}, ${judgmentConcurrency} concurrent clients, ${seconds} s per phase\n` +
        `${await benchJudgmentExecutions({ concurrency: judgmentConcurrency, seconds, shape })}\n`,
    );
  }
}
if (!only || only === 'batch') {
  const judgmentConcurrency = Number(process.env.BENCH_JUDGMENT_CONCURRENCY ?? 64);
  process.stdout.write(
    `\nBatch judgments through the gateway, rule path, new inputs — ${process.env.TEST_DATABASE_URL ? 'PostgreSQL' : 'PGlite'}, ` +
      `${process.env.TEST_REDIS_URL ? 'Redis, a process per service' : 'in-process bus, every service in one process'}, ${seconds} s per way (whole rounds)\n` +
      `${await benchBatchJudgments({ concurrency: judgmentConcurrency, seconds })}\n`,
  );
}
if (!only || only === 'subscriptions') {
  const redis = Boolean(process.env.TEST_REDIS_URL);
  const pipeline = parseScenarios(process.env.BENCH_SUBSCRIPTIONS ?? '1000x50');
  // Events published at the judgment subgraph's live channel reach it only through Redis.
  const published = redis ? parseScenarios(process.env.BENCH_PUBLISHED_SUBSCRIPTIONS ?? '1000x100,100x1000,10000x10') : [];
  process.stdout.write(`\nSubscriptions through the gateway, ${redis ? 'a process per service, Redis' : 'every service in one process (npm start)'}, ${seconds} s per scenario\n`);
  const eventBytes = Number(process.env.BENCH_EVENT_BYTES ?? 0);
  for (const scenario of pipeline) process.stdout.write(`${await benchSubscriptions({ scenario, source: 'judgments', seconds, eventBytes })}\n`);
  for (const scenario of published) process.stdout.write(`${await benchSubscriptions({ scenario, source: 'published', seconds, eventBytes })}\n`);
}
