import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import pg from 'pg';
import { createExampleWorkflow, signToken } from '../e2e/client.ts';
import { startPlatform } from '../e2e/platform.ts';
import { createSubgraphHttp } from '../gateway/src/subgraph-http.ts';
import { percentile, runLoad, type LoadResult } from './load.ts';
import { cpuSecondsOf } from './process-usage.ts';

const run = promisify(execFile);

/** The issue's targets: CPU ms per request summed over the gateway and every subgraph process. */
const TARGETS = { read: 1.5, judgment: 3, batch: 0.5, p99: 200 };

interface Phase {
  name: string;
  load: LoadResult;
  /** Requests, or judgments for a batch phase. */
  units: number;
  cpuMsByProcess: number[];
  target?: number;
  /** Whether the p99 target applies: to the request paths, not to a 1,000-judgment call. */
  p99Target: boolean;
}

/**
 * The platform's hot paths as a new user runs them: a process per service on PostgreSQL and
 * Redis, `concurrency` closed-loop clients over keep-alive sockets, every answer checked. CPU is
 * read from /proc for the gateway and every subgraph (not PostgreSQL, Redis or this client), and
 * pgbench runs the same-shaped transaction (an execution row and its outbox row) on the same
 * server as the ceiling.
 */
export async function benchHotPaths(options: { concurrency: number; seconds: number }): Promise<string> {
  const platform = await startPlatform({ logLevel: 'info' });
  const processes = [platform.gateway, ...Object.values(platform.subgraphs)];
  const cpu = () => processes.map((running) => cpuSecondsOf(running.child.pid!));
  const http = createSubgraphHttp();
  try {
    const token = await signToken({ userId: 'bench', tenantId: 'bench', roles: ['admin'] }, platform.jwtSecret);
    // A user per client as well: identical reads of one user are joined at the gateway, those of different users never are.
    const userTokens = await Promise.all(
      Array.from({ length: options.concurrency }, (_, worker) => signToken({ userId: `bench-${worker}`, tenantId: 'bench', roles: ['viewer'] }, platform.jwtSecret)),
    );
    const endpoint = new URL(`${platform.gateway.url}/graphql`);
    const headersOf = (bearer: string) => ({ 'content-type': 'application/json', authorization: `Bearer ${bearer}` });
    const headers = headersOf(token);
    const post = async (query: string, variables?: unknown, as = headers) => {
      const response = await http.post(endpoint, as, JSON.stringify({ query, variables }), 30_000);
      const body = JSON.parse(response.body) as { data?: Record<string, unknown>; errors?: Array<{ message: string }> };
      if (response.status !== 200 || body.errors) throw new Error(body.errors?.[0]?.message ?? `HTTP ${response.status}`);
      return body.data!;
    };
    const workflowId = await createExampleWorkflow(platform.gateway.url, token, 'bench hot line');
    let sequence = 0;
    const freshInput = () => ({ temperature: 60 + (sequence % 50), vibration: 40 + (sequence % 40), serial: sequence++ });
    const judge = async (inputData: Record<string, number>) => {
      const data = await post(EXECUTE, { input: { workflowId, inputData, method: 'RULE' } });
      if ((data.executeJudgment as { decision?: string }).decision !== expectedDecision(inputData)) throw new Error('wrong decision');
    };
    const read = async (worker?: number) => {
      const data = await post(READ, undefined, worker === undefined ? headers : headersOf(userTokens[worker]!));
      if ((data.workflows as Array<{ id: string }>)[0]?.id !== workflowId) throw new Error('wrong workflow');
    };
    const batchSize = 1000;
    const batch = async () => {
      const inputs = Array.from({ length: batchSize }, freshInput);
      const data = await post(EXECUTE_BATCH, { input: { workflowId, inputs, method: 'RULE' } });
      const answer = data.executeJudgments as { succeeded: number; results: Array<{ execution: { decision: string } | null }> };
      if (answer.succeeded !== batchSize || answer.results.some((item, index) => item.execution?.decision !== expectedDecision(inputs[index]!))) throw new Error('wrong batch');
    };

    const measure = async (name: string, concurrency: number, operation: (worker: number) => Promise<void>, unitsPerCall = 1, target?: number, p99Target = true): Promise<Phase> => {
      const before = cpu();
      const load = await runLoad(name, { concurrency, seconds: options.seconds }, operation);
      const units = load.requests * unitsPerCall;
      const cpuMsByProcess = cpu().map((seconds, index) => ((seconds - before[index]!) * 1000) / Math.max(1, units));
      if (load.errors) process.stderr.write(`${name}: ${load.errors} wrong or failed answers\n`);
      return { name, load, units, cpuMsByProcess, target, p99Target };
    };
    // Reads first, before any judgment leaves its events for other subgraphs to consume.
    await runLoad('warm-up', { concurrency: options.concurrency, seconds: 2 }, (worker) => read(worker));
    const phases = [
      await measure('{ __typename } (gateway alone)', options.concurrency, async () => void (await post('{ __typename }'))),
      await measure('{ workflows(first: 1) { id name } }, a user each', options.concurrency, (worker) => read(worker), 1, TARGETS.read),
      await measure('the same, one user (joined in flight)', options.concurrency, () => read()),
    ];
    // The judgment subgraph learns of the workflow through its event.
    const deadline = Date.now() + 10_000;
    while (await judge(freshInput()).then(() => false, () => Date.now() < deadline));
    await runLoad('warm-up', { concurrency: options.concurrency, seconds: 2 }, () => judge(freshInput()));
    phases.push(await measure('executeJudgment, rule path, new input', options.concurrency, () => judge(freshInput()), 1, TARGETS.judgment));
    await batch();
    phases.push(await measure(`executeJudgments, ${batchSize} a call, 1 client`, 1, batch, batchSize, TARGETS.batch, false));
    const ceiling = platform.databaseUrl ? await pgbenchCeiling(platform.databaseUrl, options.seconds) : undefined;
    return [
      table(phases, processes.map((running) => running.name)),
      ceiling === undefined
        ? 'pgbench ceiling: needs TEST_DATABASE_URL (PostgreSQL)'
        : `pgbench, the same-shaped transaction (an execution row and its outbox row, 16 clients): ${ceiling.toFixed(0)} tx/s; ` +
          `executeJudgment reaches ${((100 * rate(phases[3]!)) / ceiling).toFixed(1)} % of it, executeJudgments ${((100 * rate(phases[4]!)) / ceiling).toFixed(1)} %`,
    ].join('\n');
  } finally {
    http.close();
    await platform.stop();
  }
}

const READ = `{ workflows(first: 1) { id name } }`;
const EXECUTE = `mutation($input: ExecuteJudgmentInput!) { executeJudgment(input: $input) { decision cached } }`;
const EXECUTE_BATCH = `mutation($input: ExecuteJudgmentsInput!) { executeJudgments(input: $input) { succeeded results { execution { decision } } } }`;

/** What the spec example decides for the bench's inputs. */
export const expectedDecision = (input: Record<string, number>) => (input.temperature! > 80 && input.vibration! > 50 ? 'STOP_LINE' : 'OK');

const rate = (phase: Phase) => phase.units / phase.load.seconds;

function table(phases: Phase[], names: string[]): string {
  const rows = phases.map((phase) => {
    const sorted = [...phase.load.latenciesMs].sort((a, b) => a - b);
    const cpuMs = phase.cpuMsByProcess.reduce((sum, ms) => sum + ms, 0);
    const p99 = percentile(sorted, 99);
    const verdicts = [
      ...(phase.target === undefined ? [] : [`≤ ${phase.target} ms: ${cpuMs <= phase.target ? 'met' : 'NOT met'}`]),
      ...(phase.target !== undefined && phase.p99Target ? [`p99 ≤ ${TARGETS.p99} ms: ${p99 <= TARGETS.p99 ? 'met' : 'NOT met'}`] : []),
    ];
    const verdict = verdicts.join('; ');
    return [
      phase.name.padEnd(40),
      rate(phase).toFixed(0).padStart(9),
      String(phase.load.errors).padStart(6),
      percentile(sorted, 50).toFixed(1).padStart(8),
      p99.toFixed(1).padStart(8),
      cpuMs.toFixed(2).padStart(8),
      `  ${verdict}`,
      `\n${''.padEnd(42)}by process: ${phase.cpuMsByProcess.map((ms, index) => `${names[index]} ${ms.toFixed(2)}`).join(', ')}`,
    ].join(' ');
  });
  const header = ['path'.padEnd(40), 'per s'.padStart(9), 'errors'.padStart(6), 'p50 ms'.padStart(8), 'p99 ms'.padStart(8), 'CPU ms'.padStart(8), '  target'].join(' ');
  return [header, ...rows, '(per s and CPU ms are per judgment for the batch row; CPU ms is summed over the gateway and the five subgraphs)'].join('\n');
}

/**
 * pgbench on copies of the judgment subgraph's execution and outbox tables (same columns,
 * indexes and defaults), each transaction one execution row and one outbox row as a judgment writes.
 */
async function pgbenchCeiling(databaseUrl: string, seconds: number): Promise<number> {
  const client = new pg.Client({ connectionString: databaseUrl });
  await client.connect();
  const dir = mkdtempSync(join(tmpdir(), 'judgify-pgbench-'));
  try {
    await client.query(`CREATE SCHEMA IF NOT EXISTS bench_ceiling;
      CREATE TABLE bench_ceiling.executions (LIKE judgment.judgment_executions INCLUDING ALL);
      CREATE TABLE bench_ceiling.outbox (LIKE judgment.outbox INCLUDING ALL);
      ALTER TABLE bench_ceiling.outbox ALTER COLUMN position SET DEFAULT nextval(pg_get_serial_sequence('judgment.outbox', 'position'));`);
    const script = join(dir, 'judgment.sql');
    writeFileSync(
      script,
      `\\set t random(60, 110)
BEGIN;
INSERT INTO bench_ceiling.executions (workflow_id, workflow_version, status, decision, confidence, explanation, method, method_used, cached, input_data, execution_time_ms, path, node_results, tenant_id, created_by, updated_by)
  VALUES ('00000000-0000-4000-8000-000000000001', 1, 'SUCCEEDED', 'OK', 1, 'temperature > 80: false', 'RULE', 'RULE', false, jsonb_build_object('temperature', :t, 'vibration', 50), 0.1, '["start","check","ok"]', '[{"nodeId":"check","outcome":"false","confidence":1,"methodUsed":"RULE","explanation":"temperature > 80: false"}]', 'bench', 'bench', 'bench');
INSERT INTO bench_ceiling.outbox (event_id, event_type, tenant_id, envelope) VALUES (gen_random_uuid(), 'judgment.completed', 'bench', jsonb_build_object('type', 'judgment.completed', 'temperature', :t));
COMMIT;
`,
    );
    const { stdout } = await run('pgbench', ['-n', '-c', '16', '-j', '2', '-T', String(seconds), '-f', script, databaseUrl]);
    const tps = /tps = ([\d.]+)/.exec(stdout)?.[1];
    if (!tps) throw new Error(`pgbench printed no rate:\n${stdout}`);
    return Number(tps);
  } finally {
    await client.query('DROP SCHEMA IF EXISTS bench_ceiling CASCADE').catch(() => undefined);
    await client.end();
    rmSync(dir, { recursive: true, force: true });
  }
}
