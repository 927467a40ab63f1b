import type { Cache } from '@judgify/runtime/cache';
import { createEvent } from '@judgify/runtime/events';
import type { Identity } from '@judgify/runtime/identity';
import type { LlmClient } from '@judgify/runtime/llm';
import { Counter, Histogram } from '@judgify/runtime/metrics';
import { enqueueEvents, type OutboxTable } from '@judgify/runtime/outbox';
import type { CompiledRule } from '@judgify/rule-language/compile';
import type { WorkflowDefinition } from '@judgify/workflow-definition/definition';
import type { Registry } from 'prom-client';
import type { ExecutionRow, JudgmentMethod } from '../db/schema.ts';
import { runWorkflow, type RunResult } from './engine.ts';
import { recordExecution, type ExecutionValues } from './execution.ts';
import { checkInputData, inputHash } from './judgment-input.ts';
import { fewShotSource, type FewShotSettings } from './few-shot.ts';
import { createNodeJudge } from './judge.ts';
import { findRunnableWorkflow, type WorkflowReadModelDeps } from './workflow-definitions.ts';

export const RESULT_TTL_SECONDS = 300;

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
  outbox: OutboxTable;
  eventsCommitted(): void;
  /** Tells live subscribers (every replica) that an execution was stored. */
  announce(execution: ExecutionRow): void;
  cache: Cache;
  llm?: LlmClient;
  compile(source: string): CompiledRule;
  metrics: ReturnType<typeof judgmentMetrics>;
  fewShot: FewShotSettings;
}

export interface Actor {
  identity: Identity;
  correlationId: string;
  /** The request's delegation grant: few-shot samples are asked for as this user. */
  delegation?: string;
}

/** The node judge of one run: few-shot examples come from the workflow's labelled samples like this input. */
export function judgeFor(deps: JudgmentDeps, actor: Actor, method: JudgmentMethod, workflow: { id: string; definition: WorkflowDefinition } | undefined, input: unknown) {
  const on = { delegation: actor.delegation, requestId: actor.correlationId };
  return createNodeJudge({ method, compile: deps.compile, llm: deps.llm, fewShot: deps.llm && workflow ? fewShotSource(deps.fewShot, on, workflow, input) : undefined });
}

export interface ExecuteJudgmentInput {
  workflowId: string;
  inputData: unknown;
  method?: JudgmentMethod | null;
  /** Run exactly this version; by default the latest, including one written a moment ago. */
  workflowVersion?: number | null;
}

/**
 * Runs a workflow on one input and stores the execution with its judgment.completed event in
 * one transaction. Results are cached per workflow version, method and input; a cache hit is
 * still recorded (cached: true) so the stats stay true.
 */
export async function executeJudgment(deps: JudgmentDeps, actor: Actor, input: ExecuteJudgmentInput): Promise<ExecutionRow> {
  const method = input.method ?? 'HYBRID';
  const started = performance.now();
  try {
    const inputData = checkInputData(input.inputData);
    const workflow = await findRunnableWorkflow(deps, actor.identity.tenantId, input.workflowId, input.workflowVersion);
    const cacheKey = `${actor.identity.tenantId}:${workflow.id}:${workflow.version}:${method}:${inputHash(inputData)}`;
    const cached = await deps.cache.get<RunResult>(cacheKey);
    deps.metrics.cache.inc({ result: cached ? 'hit' : 'miss' });
    const result = cached ?? (await runWorkflow(workflow.definition, inputData, judgeFor(deps, actor, method, workflow, inputData)));
    if (!cached && result.status === 'SUCCEEDED') await deps.cache.set(cacheKey, result, RESULT_TTL_SECONDS);
    const executionTimeMs = performance.now() - started;

    const row = await deps.db.transaction(async (tx) => {
      const stored = await recordExecution(tx, actor.identity, {
        workflowId: workflow.id,
        workflowVersion: workflow.version,
        status: result.status,
        decision: result.decision,
        confidence: result.confidence,
        explanation: result.explanation,
        method,
        methodUsed: result.methodUsed,
        cached: Boolean(cached),
        inputData: inputData as ExecutionValues['inputData'],
        executionTimeMs,
        path: result.path,
        nodeResults: result.nodeResults,
        actions: result.actions,
      });
      await enqueueEvents(tx, deps.outbox, [
        createEvent({
          eventType: 'judgment.completed',
          source: 'judgment',
          tenantId: stored.tenantId,
          correlationId: actor.correlationId,
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
            createdAt: stored.createdAt.toISOString(),
          },
        }),
      ]);
      return stored;
    });
    deps.eventsCommitted();
    deps.announce(row);
    deps.metrics.requests.inc({ method, result: result.status === 'SUCCEEDED' ? 'succeeded' : 'failed' });
    deps.metrics.duration.observe({ method }, executionTimeMs / 1000);
    deps.metrics.methodUsed.inc({ method_used: result.methodUsed });
    if (result.status === 'SUCCEEDED') deps.metrics.confidence.observe(result.confidence);
    return row;
  } catch (error) {
    deps.metrics.requests.inc({ method, result: 'error' });
    throw error;
  }
}
