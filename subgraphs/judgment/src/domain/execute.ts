import type { Cache } from '@judgify/runtime/cache';
import { createEvent } from '@judgify/runtime/events';
import type { Identity } from '@judgify/runtime/identity';
import type { LlmClient } from '@judgify/runtime/llm';
import { Counter, Histogram } from '@judgify/runtime/metrics';
import type { CompiledRule } from '@judgify/rule-language/compile';
import type { WorkflowDefinition } from '@judgify/workflow-definition/definition';
import { AppError } from '@judgify/runtime/errors';
import type { Logger } from '@judgify/runtime/logger';
import type { Registry } from 'prom-client';
import type { ExecutionRow, JudgmentMethod } from '../db/schema.ts';
import { concurrencyLimit, type Limit } from './concurrency-limit.ts';
import { runWorkflow, type RunResult } from './engine.ts';
import { recordExecutionsWithEvents, type ExecutionValues, type NewExecution } from './execution.ts';
import { checkInputData, inputHash } from './judgment-input.ts';
import { fewShotSource, type FewShotSettings } from './few-shot.ts';
import { createNodeJudge } from './judge.ts';
import { findRunnableWorkflow, type RunnableWorkflow, type WorkflowReadModelDeps } from './workflow-definitions.ts';

export const RESULT_TTL_SECONDS = 300;
/** Inputs one executeJudgments call takes. */
export const MAX_BATCH_INPUTS = 1000;
/** Inputs a batch stores per transaction: all of a chunk or none of it. */
export const BATCH_CHUNK_SIZE = 100;

export function judgmentMetrics(registry: Registry) {
  return {
    requests: new Counter({
      name: 'judgment_requests_total',
      help: 'Judgments executed, by method requested and result (succeeded, failed, error)',
      labelNames: ['method', 'result'],
      registers: [registry],
    }),
    duration: new Histogram({
      name: 'judgment_duration_seconds',
      help: 'Time to decide a judgment, by method requested',
      labelNames: ['method'],
      buckets: [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
      registers: [registry],
    }),
    confidence: new Histogram({
      name: 'judgment_confidence_score',
      help: 'Confidence of completed judgments',
      buckets: [0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 1],
      registers: [registry],
    }),
    cache: new Counter({ name: 'judgment_cache_total', help: 'Result cache lookups by result (hit, miss)', labelNames: ['result'], registers: [registry] }),
    methodUsed: new Counter({
      name: 'judgment_method_used_total',
      help: 'Judgments stored, by the method that decided them (RULE, LLM, HYBRID): the share the LLM decides',
      labelNames: ['method_used'],
      registers: [registry],
    }),
  };
}

export interface JudgmentDeps extends WorkflowReadModelDeps {
  /** Wakes this process's outbox relay: the events just committed are published without waiting for its idle poll. */
  eventsCommitted(): void;
  /** Tells live subscribers (every replica) that an execution was stored. */
  announce(execution: ExecutionRow): void;
  cache: Cache;
  llm?: LlmClient;
  compile(source: string): CompiledRule;
  metrics: ReturnType<typeof judgmentMetrics>;
  fewShot: FewShotSettings;
  /** LLM asks one executeJudgments call has in flight at most (LLM_BATCH_CONCURRENCY). */
  llmBatchConcurrency: number;
  logger: Logger;
}

export interface Actor {
  identity: Identity;
  correlationId: string;
  /** The request's delegation grant: few-shot samples are asked for as this user. */
  delegation?: string;
}

/** The node judge of one run: few-shot examples come from the workflow's labelled samples like this input; LLM asks wait for `limit` when given. */
export function judgeFor(
  deps: JudgmentDeps,
  actor: Actor,
  method: JudgmentMethod,
  workflow: { id: string; definition: WorkflowDefinition } | undefined,
  input: unknown,
  limit?: Limit,
) {
  const on = { delegation: actor.delegation, requestId: actor.correlationId };
  return createNodeJudge({
    method,
    compile: deps.compile,
    llm: deps.llm,
    fewShot: deps.llm && workflow ? fewShotSource(deps.fewShot, on, workflow, input) : undefined,
    limit,
  });
}

export interface ExecuteJudgmentInput {
  workflowId: string;
  inputData: unknown;
  method?: JudgmentMethod | null;
  /** Run exactly this version; by default the latest, including one written a moment ago. */
  workflowVersion?: number | null;
}

/**
 * The result cache is used where a lookup is cheaper than the work it saves, decided per method:
 * HYBRID and LLM runs may ask the LLM (hundreds of ms, and money), so their results are looked up
 * and kept, per workflow version, method and canonical input. A RULE run costs microseconds, less
 * than any lookup (a Redis round trip each way), so RULE judgments never read or write the cache,
 * and always say `cached: false`. executeJudgment and executeJudgments decide the same way.
 */
export const usesResultCache = (method: JudgmentMethod) => method !== 'RULE';

const cacheKeyOf = (tenantId: string, workflow: RunnableWorkflow, method: JudgmentMethod, inputData: unknown) =>
  `${tenantId}:${workflow.id}:${workflow.version}:${method}:${inputHash(inputData)}`;

/** One input decided, ready to store. */
interface Judged {
  result: RunResult;
  cached: boolean;
}

/**
 * Decides one input on a workflow already found: the cached result when there is one, else a
 * walk of the workflow. executeJudgment and executeJudgments both judge through here.
 */
async function judgeInput(
  deps: JudgmentDeps,
  actor: Actor,
  workflow: RunnableWorkflow,
  method: JudgmentMethod,
  inputData: Record<string, unknown>,
  options: { cached?: RunResult; limit?: Limit } = {},
): Promise<Judged> {
  if (options.cached) return { result: options.cached, cached: true };
  return { result: await runWorkflow(workflow.definition, inputData, judgeFor(deps, actor, method, workflow, inputData, options.limit)), cached: false };
}

const executionValuesOf = (
  workflow: RunnableWorkflow,
  method: JudgmentMethod,
  inputData: Record<string, unknown>,
  { result, cached }: Judged,
  executionTimeMs: number,
): ExecutionValues => ({
  workflowId: workflow.id,
  workflowVersion: workflow.version,
  status: result.status,
  decision: result.decision,
  confidence: result.confidence,
  explanation: result.explanation,
  method,
  methodUsed: result.methodUsed,
  cached,
  inputData: inputData as ExecutionValues['inputData'],
  executionTimeMs,
  path: result.path,
  nodeResults: result.nodeResults,
  actions: result.actions,
});

/** The event every stored execution is published with; the statement that stores both stamps its `data.createdAt`. */
const completedEvent = (stored: NewExecution, correlationId: string) =>
  createEvent({
    eventType: 'judgment.completed',
    source: 'judgment',
    tenantId: stored.tenantId,
    correlationId,
    data: {
      executionId: stored.id,
      workflowId: stored.workflowId,
      workflowVersion: stored.workflowVersion,
      status: stored.status,
      decision: stored.decision,
      confidence: stored.confidence,
      explanation: stored.explanation,
      method: stored.method,
      methodUsed: stored.methodUsed,
      cached: stored.cached,
      executionTimeMs: stored.executionTimeMs,
      actions: stored.actions,
      // Consumers act on it without calling back (they serve no user): actions render templates with it, learning keeps samples.
      inputData: stored.inputData,
    },
  });

/**
 * Stores executions and their judgment.completed events in one statement, one round trip, which
 * judgments stored at the same moment share (recordExecutionsWithEvents): all of them or none.
 * Then the relay is woken, live subscribers told and the metrics counted. executeJudgment stores
 * one this way, executeJudgments a chunk.
 */
async function storeExecutions(deps: JudgmentDeps, actor: Actor, values: readonly ExecutionValues[]): Promise<ExecutionRow[]> {
  const rows = await recordExecutionsWithEvents(deps.db, actor.identity, values, (row) => completedEvent(row, actor.correlationId));
  deps.eventsCommitted();
  for (const row of rows) {
    deps.announce(row);
    deps.metrics.requests.inc({ method: row.method, result: row.status === 'SUCCEEDED' ? 'succeeded' : 'failed' });
    deps.metrics.duration.observe({ method: row.method }, row.executionTimeMs / 1000);
    deps.metrics.methodUsed.inc({ method_used: row.methodUsed });
    if (row.status === 'SUCCEEDED') deps.metrics.confidence.observe(row.confidence);
  }
  return rows;
}

/**
 * Runs a workflow on one input and stores the execution with its judgment.completed event in
 * one statement. HYBRID and LLM results are cached per workflow version, method and input
 * (usesResultCache); a cache hit is still recorded (cached: true) so the stats stay true.
 */
export async function executeJudgment(deps: JudgmentDeps, actor: Actor, input: ExecuteJudgmentInput): Promise<ExecutionRow> {
  const method = input.method ?? 'HYBRID';
  const started = performance.now();
  try {
    const inputData = checkInputData(input.inputData);
    const workflow = await findRunnableWorkflow(deps, actor.identity.tenantId, input.workflowId, input.workflowVersion);
    const cacheKey = usesResultCache(method) ? cacheKeyOf(actor.identity.tenantId, workflow, method, inputData) : undefined;
    const cached = cacheKey ? await deps.cache.get<RunResult>(cacheKey) : undefined;
    if (cacheKey) deps.metrics.cache.inc({ result: cached ? 'hit' : 'miss' });
    const judged = await judgeInput(deps, actor, workflow, method, inputData, { cached });
    if (cacheKey && !judged.cached && judged.result.status === 'SUCCEEDED') await deps.cache.set(cacheKey, judged.result, RESULT_TTL_SECONDS);
    const [row] = await storeExecutions(deps, actor, [executionValuesOf(workflow, method, inputData, judged, performance.now() - started)]);
    return row!;
  } catch (error) {
    deps.metrics.requests.inc({ method, result: 'error' });
    throw error;
  }
}

export interface ExecuteJudgmentsInput {
  workflowId: string;
  inputs: readonly unknown[];
  method?: JudgmentMethod | null;
  workflowVersion?: number | null;
}

export interface JudgmentBatchError {
  code: string;
  message: string;
}

export interface JudgmentBatchItem {
  index: number;
  execution: ExecutionRow | null;
  error: JudgmentBatchError | null;
}

export interface JudgmentBatch {
  results: JudgmentBatchItem[];
  /** Items stored as an execution, whatever its status: an undecided run is one. */
  succeeded: number;
  /** Items with an error, nothing stored for them. */
  failed: number;
}

const batchErrorOf = (error: unknown): JudgmentBatchError | undefined =>
  error instanceof AppError ? { code: error.code, message: error.message } : undefined;

/**
 * Runs a workflow on up to 1000 inputs: the workflow is read once, rule nodes are evaluated in
 * one pass over the inputs, and LLM asks run at most `llmBatchConcurrency` at a time. Executions
 * are stored with their judgment.completed events in chunks of 100, each chunk in one
 * transaction: a chunk whose write fails leaves every item in it with that error, and the other
 * chunks stand. Results come back in input order, each with its execution or its error; an input
 * the workflow cannot decide is an execution (UNDECIDED), as with executeJudgment.
 */
export async function executeJudgments(deps: JudgmentDeps, actor: Actor, input: ExecuteJudgmentsInput): Promise<JudgmentBatch> {
  const method = input.method ?? 'HYBRID';
  const tenantId = actor.identity.tenantId;
  let inputs: Array<Record<string, unknown>>;
  let workflow: RunnableWorkflow;
  try {
    if (input.inputs.length === 0 || input.inputs.length > MAX_BATCH_INPUTS) {
      throw new AppError('BAD_USER_INPUT', `input.inputs must hold 1 to ${MAX_BATCH_INPUTS} records; got ${input.inputs.length}.`, { field: 'input.inputs' });
    }
    inputs = input.inputs.map((record, index) => checkInputData(record, `input.inputs[${index}]`));
    workflow = await findRunnableWorkflow(deps, tenantId, input.workflowId, input.workflowVersion);
  } catch (error) {
    // Nothing was judged: one refused call, as a refused executeJudgment is, however many records it held.
    deps.metrics.requests.inc({ method, result: 'error' });
    throw error;
  }

  const cacheKeys = usesResultCache(method) ? inputs.map((inputData) => cacheKeyOf(tenantId, workflow, method, inputData)) : undefined;
  const hits = cacheKeys ? await deps.cache.getMany<RunResult>(cacheKeys) : [];
  for (const hit of cacheKeys ? hits : []) deps.metrics.cache.inc({ result: hit ? 'hit' : 'miss' });

  const judged = await judgeAll(deps, actor, workflow, method, inputs, hits);
  if (cacheKeys) {
    const fresh = judged.flatMap((item, index) => ('judged' in item && !item.judged.cached && item.judged.result.status === 'SUCCEEDED' ? [[cacheKeys[index]!, item.judged.result] as const] : []));
    await deps.cache.setMany(fresh, RESULT_TTL_SECONDS);
  }

  const results: JudgmentBatchItem[] = judged.map((item, index) => ({ index, execution: null, error: 'error' in item ? item.error : null }));
  for (let first = 0; first < inputs.length; first += BATCH_CHUNK_SIZE) {
    const chunk: Array<{ index: number; values: ExecutionValues }> = [];
    for (let index = first; index < Math.min(first + BATCH_CHUNK_SIZE, inputs.length); index++) {
      const item = judged[index]!;
      if ('judged' in item) chunk.push({ index, values: executionValuesOf(workflow, method, inputs[index]!, item.judged, item.executionTimeMs) });
    }
    if (!chunk.length) continue;
    try {
      const rows = await storeExecutions(deps, actor, chunk.map((entry) => entry.values));
      chunk.forEach((entry, position) => (results[entry.index]!.execution = rows[position]!));
    } catch (error) {
      const [from, last] = [chunk[0]!.index, chunk.at(-1)!.index];
      deps.logger.error({ err: error, requestId: actor.correlationId, workflowId: workflow.id, items: `${from}-${last}` }, 'a chunk of a judgment batch could not be stored');
      const failure = {
        code: 'INTERNAL_SERVER_ERROR',
        message: `Items ${from}–${last} of this batch could not be stored, so none of them was (request ${actor.correlationId}); the other chunks stand. Retry these items.`,
      };
      for (const entry of chunk) results[entry.index]!.error = failure;
      deps.metrics.requests.inc({ method, result: 'error' }, chunk.length);
    }
  }
  const failed = results.filter((item) => item.error).length;
  return { results, succeeded: results.length - failed, failed };
}

type Outcome = { judged: Judged; executionTimeMs: number } | { error: JudgmentBatchError };

/**
 * Judges every input in one pass. A run the rules decide finishes before the next starts, so
 * its time is its own; a run that asks the LLM is parked at that point (its ask waits for a free
 * slot of the batch's limit) and the pass goes on, its time then counting its LLM ask but not
 * its wait for a slot. A run that throws (LLM_UNAVAILABLE for method LLM) is that item's error.
 */
async function judgeAll(
  deps: JudgmentDeps,
  actor: Actor,
  workflow: RunnableWorkflow,
  method: JudgmentMethod,
  inputs: ReadonlyArray<Record<string, unknown>>,
  hits: ReadonlyArray<RunResult | undefined>,
): Promise<Outcome[]> {
  const slots = concurrencyLimit(deps.llmBatchConcurrency);
  const outcomes: Array<Promise<Outcome>> = [];
  for (const [index, inputData] of inputs.entries()) {
    let park: (() => void) | undefined;
    const asksLlm = new Promise<void>((resolve) => (park = resolve));
    let waitedMs = 0;
    const limit: Limit = (task) => {
      park?.();
      const asked = performance.now();
      return slots(() => {
        waitedMs += performance.now() - asked;
        return task();
      });
    };
    const started = performance.now();
    const outcome = judgeInput(deps, actor, workflow, method, inputData, { cached: hits[index], limit }).then(
      (judged): Outcome => ({ judged, executionTimeMs: performance.now() - started - waitedMs }),
      (error: unknown): Outcome => {
        const known = batchErrorOf(error);
        if (!known) deps.logger.error({ err: error, requestId: actor.correlationId, workflowId: workflow.id, item: index }, 'an input of a judgment batch could not be judged');
        deps.metrics.requests.inc({ method, result: 'error' });
        return { error: known ?? { code: 'INTERNAL_SERVER_ERROR', message: `This input could not be judged (request ${actor.correlationId}).` } };
      },
    );
    outcomes.push(outcome);
    // On to the next input once this run is done, or waits for the LLM.
    await Promise.race([outcome, asksLlm]);
  }
  return Promise.all(outcomes);
}
