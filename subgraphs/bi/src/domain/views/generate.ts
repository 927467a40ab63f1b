import { AppError } from '@judgify/runtime/errors';
import { LlmUnavailableError, type LlmClient } from '@judgify/runtime/llm';
import type { Logger } from '@judgify/runtime/logger';
import type { Counter, Histogram } from '@judgify/runtime/metrics';
import { serviceOperation, type DelegatedRequest, type SupergraphClient } from '@judgify/runtime/supergraph-client';
import type { GraphQLSchema } from 'graphql';
import type { StoredChart } from '../../db/schema.ts';
import { checkTimeZone } from '../metrics/ranges.ts';
import { runViewQuery, type ViewDataError } from '../view-data.ts';
import { checkView } from './check-view.ts';
import { InvalidLlmView, llmView } from './llm-view.ts';
import { planView, type Language, type WorkflowName } from './planner/index.ts';
import { isKorean } from './planner/text.ts';

export const MAX_PROMPT_LENGTH = 1000;

export interface ViewGenerationDeps {
  supergraph: SupergraphClient;
  apiSchema: GraphQLSchema;
  llm?: LlmClient;
  logger: Logger;
  metrics: ViewGenerationMetrics;
}

export interface ViewGenerationMetrics {
  generated: Counter<'source' | 'result'>;
  duration: Histogram<'source'>;
}

export type ViewSource = 'PLANNER' | 'LLM';

/** What generateView answers: a view with its data, or (query and chart null) why there is none. */
export interface GeneratedView {
  title: string;
  interpretation: string;
  query: string | null;
  variables: Record<string, unknown> | null;
  dataPath: string | null;
  chart: StoredChart | null;
  data: unknown;
  dataErrors: ViewDataError[];
  source: ViewSource;
  warnings: string[];
  suggestions: string[];
}

const WORKFLOW_NAMES = serviceOperation(new URL('../../../operations/bi-workflow-names.graphql', import.meta.url));

/** The asker's workflows, read as the asker; without them a prompt can still name no workflow. */
async function workflowsOf(deps: ViewGenerationDeps, on: DelegatedRequest, warnings: string[]): Promise<WorkflowName[]> {
  try {
    const result = await deps.supergraph.execute<{ workflows: WorkflowName[] }>(on, WORKFLOW_NAMES, { operationName: 'BiWorkflowNames', timeoutMs: 5_000 });
    if (result.data?.workflows) return result.data.workflows;
    warnings.push(`Workflow names could not be read (${result.errors?.[0]?.message ?? 'no data'}), so none can be named.`);
  } catch (error) {
    if (!(error instanceof AppError)) throw error;
    warnings.push(`Workflow names could not be read (${error.message}), so none can be named.`);
  }
  return [];
}

export interface GenerateViewInput {
  prompt: string;
  language?: Language | null;
  timeZone?: string | null;
}

function checkPrompt(prompt: string): string {
  const trimmed = prompt.trim();
  if (!trimmed) throw new AppError('BAD_USER_INPUT', 'prompt must not be empty: describe the chart, e.g. "success rate by day last week".', { field: 'prompt' });
  if (trimmed.length > MAX_PROMPT_LENGTH) throw new AppError('BAD_USER_INPUT', `prompt must be at most ${MAX_PROMPT_LENGTH} characters; got ${trimmed.length}.`, { field: 'prompt' });
  return trimmed;
}

/**
 * A view from plain language: by the LLM when one is configured (its answer validated, with one
 * repair round), else — or when it fails — by the embedded planner. Whatever made it, the view is
 * checked against the supergraph before its query runs, through the gateway as the asker.
 */
export async function generateView(deps: ViewGenerationDeps, on: DelegatedRequest, input: GenerateViewInput, now = new Date()): Promise<GeneratedView> {
  const started = performance.now();
  const prompt = checkPrompt(input.prompt);
  const language: Language = input.language ?? (isKorean(prompt) ? 'KO' : 'EN');
  const timeZone = checkTimeZone(input.timeZone ?? (language === 'KO' ? 'Asia/Seoul' : 'UTC'), 'timeZone');
  const warnings: string[] = [];
  const workflows = await workflowsOf(deps, on, warnings);
  const planned = planView(prompt, { workflows, now, timeZone, language });
  let source: ViewSource = 'PLANNER';
  let view: Omit<GeneratedView, 'data' | 'dataErrors' | 'source'> | undefined;
  if (deps.llm) {
    try {
      const answered = await llmView(deps.llm, deps.apiSchema, { prompt, language, timeZone, now, planned });
      view = { ...answered, warnings: [...warnings], suggestions: [] };
      source = 'LLM';
      deps.metrics.generated.inc({ source: 'LLM', result: 'view' });
    } catch (error) {
      const invalid = error instanceof InvalidLlmView;
      if (!invalid && !(error instanceof LlmUnavailableError)) throw error;
      deps.metrics.generated.inc({ source: 'LLM', result: invalid ? 'invalid' : 'unavailable' });
      deps.logger.warn({ err: error }, invalid ? 'LLM view failed validation twice; the planner answers' : 'LLM unavailable; the planner answers');
      warnings.push(invalid ? `The LLM's view did not pass validation (${error.problems.join('; ')}); the built-in planner answered instead.` : `The LLM could not answer (${error.message}); the built-in planner answered instead.`);
    }
  }
  if (!view) {
    if (planned.kind === 'unread') {
      deps.metrics.generated.inc({ source: 'PLANNER', result: 'unread' });
      deps.metrics.duration.observe({ source }, (performance.now() - started) / 1000);
      const title = language === 'KO' ? '차트를 만들 수 없습니다' : 'No chart for this prompt';
      return { title, interpretation: planned.interpretation, query: null, variables: null, dataPath: null, chart: null, data: null, dataErrors: [], source, warnings: [...warnings, ...planned.warnings], suggestions: planned.suggestions };
    }
    // The planner's views pass the same gate as anyone's: a failure here is a planner bug, never run.
    const problems = checkView(deps.apiSchema, planned, 'view');
    if (problems.length) {
      deps.logger.error({ prompt, problems }, 'planner made an invalid view');
      throw new Error(`planner made an invalid view: ${problems.map((problem) => problem.message).join('; ')}`);
    }
    deps.metrics.generated.inc({ source: 'PLANNER', result: 'view' });
    view = { title: planned.title, interpretation: planned.interpretation, query: planned.query, variables: planned.variables, dataPath: planned.dataPath, chart: planned.chart, warnings: [...warnings, ...planned.warnings], suggestions: [] };
  }
  const data = await runViewQuery(deps.supergraph, on, view.query!, view.variables);
  deps.metrics.duration.observe({ source }, (performance.now() - started) / 1000);
  return { ...view, data: data.data, dataErrors: data.errors, source };
}
