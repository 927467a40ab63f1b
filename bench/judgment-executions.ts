import { testRedisUrl } from '@judgify/runtime/testing';
import { createExampleWorkflow, graphql, signToken } from '../e2e/client.ts';
import { startEmbeddedPlatform, startPlatform, type RunningProcess } from '../e2e/platform.ts';
import { expectedDecision } from './hot-paths.ts';
import { report, runLoad, type LoadResult } from './load.ts';
import { cpuSecondsOf } from './process-usage.ts';

const EXECUTE = `mutation($input: ExecuteJudgmentInput!) { executeJudgment(input: $input) { decision cached } }`;

/**
 * A load phase with the CPU every platform process spent on it, per request: what the issue's
 * targets are stated in (it moves far less between machines than req/s).
 */
async function withCpu(processes: readonly RunningProcess[], phase: () => Promise<LoadResult>) {
  const before = processes.map((running) => cpuSecondsOf(running.child.pid!));
  const result = await phase();
  const perRequest = processes.map((running, index) => ((cpuSecondsOf(running.child.pid!) - before[index]!) * 1000) / Math.max(result.requests, 1));
  const total = perRequest.reduce((sum, ms) => sum + ms, 0);
  const split = processes.length > 1 ? ` (${processes.map((running, index) => `${running.name} ${perRequest[index]!.toFixed(2)}`).join(', ')})` : '';
  return { result, line: `  CPU ms/request, ${result.name}: ${total.toFixed(2)}${split}` };
}

/**
 * executeJudgment on the rule path through the gateway: each call walks the spec example, stores
 * the execution and its outbox event. `embedded` runs every service in one process (`npm start`);
 * `distributed` a process per service, which needs Redis to carry workflow events to judgment.
 * Each phase prints the CPU per request summed over the platform's processes (not PostgreSQL,
 * Redis or this client).
 */
export async function benchJudgmentExecutions(options: { concurrency: number; seconds: number; shape: 'embedded' | 'distributed' }): Promise<string> {
  const distributed = options.shape === 'distributed' ? await startPlatform({ logLevel: 'info' }) : undefined;
  const platform = distributed ?? (await startEmbeddedPlatform({ logLevel: 'info' }));
  const processes = [platform.gateway, ...Object.values(distributed?.subgraphs ?? {})];
  try {
    const token = await signToken({ userId: 'bench', tenantId: 'bench', roles: ['admin'] }, platform.jwtSecret);
    const url = platform.gateway.url;
    const workflowId = await createExampleWorkflow(url, token, 'bench line');
    const execute = async (inputData: Record<string, number>) => {
      const result = await graphql(url, EXECUTE, { token, variables: { input: { workflowId, inputData, method: 'RULE' } } });
      if (result.body.errors) throw new Error(result.body.errors[0]?.message);
    };
    const deadline = Date.now() + 10_000;
    while (await execute({ temperature: 1, vibration: 1 }).then(() => false, () => Date.now() < deadline));

    let sequence = 0;
    // Warm-up, unmeasured: JIT, pools and prepared statements ready before the clock starts.
    await runLoad('warm-up', { concurrency: options.concurrency, seconds: Math.min(3, options.seconds) }, () =>
      execute({ temperature: 60 + (sequence % 50), vibration: 40 + (sequence++ % 40), serial: sequence }),
    );
    const fresh = await withCpu(processes, () =>
      runLoad('executeJudgment, rule path, new input', options, () =>
        execute({ temperature: 60 + (sequence % 50), vibration: 40 + (sequence++ % 40), serial: sequence }),
      ),
    );
    const repeated = await withCpu(processes, () => runLoad('executeJudgment, same input', options, (worker) => execute({ temperature: 90, vibration: 60, worker })));
    return [report([fresh.result, repeated.result]), fresh.line, repeated.line].join('\n');
  } finally {
    await platform.stop();
  }
}

const EXECUTE_BATCH = `mutation($input: ExecuteJudgmentsInput!) { executeJudgments(input: $input) { succeeded failed results { execution { decision } } } }`;

/**
 * The same rule-path inputs (new ones each round) judged two ways through the gateway: `inputs`
 * at a time in one executeJudgments call, and as many executeJudgment calls at `concurrency`.
 * Each way runs whole rounds for `seconds` (one at least), after a warm-up; CPU is summed over
 * the platform's processes (gateway and subgraphs; not PostgreSQL, Redis or this client). A
 * process per service with Redis (TEST_REDIS_URL), else `npm start`'s one process.
 */
export async function benchBatchJudgments(options: { concurrency: number; seconds: number; inputs?: number }): Promise<string> {
  const size = options.inputs ?? 1000;
  const distributed = testRedisUrl() ? await startPlatform({ logLevel: 'info' }) : undefined;
  const platform = distributed ?? (await startEmbeddedPlatform({ logLevel: 'info' }));
  const processes = [platform.gateway, ...Object.values(distributed?.subgraphs ?? {})].map((running) => ({ name: running.name, pid: running.child.pid! }));
  const pids = processes.map((running) => running.pid);
  const cpuByProcess = () => processes.map((running) => cpuSecondsOf(running.pid));
  const cpuSeconds = () => cpuByProcess().reduce((sum, seconds) => sum + seconds, 0);
  try {
    const token = await signToken({ userId: 'bench', tenantId: 'bench', roles: ['admin'] }, platform.jwtSecret);
    const url = platform.gateway.url;
    const workflowId = await createExampleWorkflow(url, token, 'bench batch line');
    let sequence = 0;
    const freshInputs = (count: number) =>
      Array.from({ length: count }, () => ({ temperature: 60 + (sequence % 50), vibration: 40 + (sequence % 40), serial: sequence++ }));
    const single = async (inputData: Record<string, number>) => {
      const result = await graphql(url, EXECUTE, { token, variables: { input: { workflowId, inputData, method: 'RULE' } } });
      if (result.body.errors || !result.body.data?.executeJudgment?.decision) throw new Error(result.body.errors?.[0]?.message ?? 'no decision');
    };
    const batch = async (inputs: Array<Record<string, number>>) => {
      const result = await graphql(url, EXECUTE_BATCH, { token, variables: { input: { workflowId, inputs, method: 'RULE' } } });
      const answer = result.body.data?.executeJudgments as { succeeded: number; failed: number; results: Array<{ execution: { decision: string } | null }> } | undefined;
      if (result.body.errors || answer?.succeeded !== inputs.length || answer.results.some((item, index) => item.execution?.decision !== expectedDecision(inputs[index]!))) {
        throw new Error(`executeJudgments answered wrongly: ${JSON.stringify(result.body.errors ?? answer).slice(0, 500)}`);
      }
    };
    const singles = async (inputs: Array<Record<string, number>>) => {
      let next = 0;
      await Promise.all(
        Array.from({ length: Math.min(options.concurrency, inputs.length) }, async () => {
          while (next < inputs.length) await single(inputs[next++]!);
        }),
      );
    };
    const deadline = Date.now() + 10_000;
    while (await single({ temperature: 1, vibration: 1 }).then(() => false, () => Date.now() < deadline));
    // Warm-up: both paths compiled and connections open before anything is measured.
    await batch(freshInputs(size));
    await singles(freshInputs(Math.min(size, 4 * options.concurrency)));

    const measure = async (name: string, round: () => Promise<void>) => {
      let rounds = 0;
      const byProcessBefore = cpuByProcess();
      const cpuBefore = cpuSeconds();
      const started = performance.now();
      do {
        await round();
        rounds++;
      } while (performance.now() - started < options.seconds * 1000);
      const ms = performance.now() - started;
      const used = cpuByProcess().map((seconds, index) => ((seconds - byProcessBefore[index]!) * 1000) / (rounds * size));
      const byProcess = used.map((ms, index) => `${processes[index]!.name} ${ms.toFixed(2)}`);
      // The request's own path; the other subgraphs consume its judgment.completed events (and may still be at it when the clock stops).
      const requestPath = used.filter((_, index) => ['gateway', 'judgment'].includes(processes[index]!.name)).reduce((sum, ms) => sum + ms, 0);
      return { name, judgments: rounds * size, ms, cpuMs: (cpuSeconds() - cpuBefore) * 1000, byProcess, requestPath };
    };
    const batched = await measure(`executeJudgments, ${size} a call`, () => batch(freshInputs(size)));
    const oneByOne = await measure(`executeJudgment × ${size}, ${options.concurrency} clients`, () => singles(freshInputs(size)));
    const line = (result: typeof batched) =>
      [
        result.name.padEnd(38),
        String(result.judgments).padStart(9),
        ((result.ms / result.judgments) * size).toFixed(0).padStart(14),
        ((result.judgments / result.ms) * 1000).toFixed(0).padStart(12),
        (result.cpuMs / result.judgments).toFixed(2).padStart(16),
      ].join(' ');
    const rate = (result: typeof batched) => result.judgments / result.ms;
    const cpu = (result: typeof batched) => result.cpuMs / result.judgments;
    const split = processes.length > 1 ? [batched, oneByOne].map((result) => `  CPU ms/judgment by process, ${result.name}: ${result.byProcess.join(', ')} (gateway + judgment ${result.requestPath.toFixed(2)})`) : [];
    return [
      ['operation'.padEnd(38), 'judgments'.padStart(9), `ms per ${size}`.padStart(14), 'judgments/s'.padStart(12), 'CPU ms/judgment'.padStart(16)].join(' '),
      line(batched),
      line(oneByOne),
      `batch ÷ one by one: ${(rate(batched) / rate(oneByOne)).toFixed(1)}× the judgments/s, ${(cpu(batched) / cpu(oneByOne)).toFixed(3)}× the CPU per judgment (CPU over ${pids.length} process${pids.length === 1 ? '' : 'es'})`,
      ...split,
    ].join('\n');
  } finally {
    await platform.stop();
  }
}

