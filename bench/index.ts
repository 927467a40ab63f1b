/**
 * `npm run bench`: prints figures; nothing here asserts. Knobs: BENCH_SECONDS (per phase,
 * default 10), BENCH_CONCURRENCY (default 16). TEST_DATABASE_URL / TEST_REDIS_URL put the
 * services on PostgreSQL / Redis, as in the tests; otherwise PGlite and in-process buses.
 */
import { cpus } from 'node:os';
import { benchWorkflowWrites } from './workflow-writes.ts';

const seconds = Number(process.env.BENCH_SECONDS ?? 10);
const concurrency = Number(process.env.BENCH_CONCURRENCY ?? 16);

process.stdout.write(
  `Judgify benchmarks — ${cpus().length} cores, Node ${process.version}, ` +
    `${process.env.TEST_DATABASE_URL ? 'PostgreSQL' : 'PGlite'}, ${process.env.TEST_REDIS_URL ? 'Redis' : 'in-process bus'}, ` +
    `${concurrency} concurrent clients, ${seconds} s per phase\n\n`,
);
process.stdout.write(`Workflow writes through the gateway\n${await benchWorkflowWrites({ concurrency, seconds })}\n`);
