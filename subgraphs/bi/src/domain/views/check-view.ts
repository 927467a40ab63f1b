import type { InputProblem } from '@judgify/runtime/validation';
import type { GraphQLSchema } from 'graphql';
import { getVariableValues } from 'graphql/execution/values.js';
import type { ChartType } from '../../db/schema.ts';
import { checkChartSpec } from './chart-check.ts';
import { checkViewQuery, fieldsAt } from './query-check.ts';

/** A view as it is saved and run: a read-only supergraph query, its variables, and how to draw the rows at `dataPath`. */
export interface ViewDefinition {
  query: string;
  variables?: Record<string, unknown> | null;
  dataPath?: string | null;
  chart: { type: string; spec?: Record<string, unknown> | null };
}

/** A view as the planner or the LLM makes it: a definition in full, with the words that describe it. */
export interface ViewDraft extends ViewDefinition {
  title: string;
  interpretation: string;
  variables: Record<string, unknown>;
  dataPath: string;
  chart: { type: ChartType; spec: Record<string, unknown> };
}

/**
 * Everything a view must pass before it is saved or run, whoever wrote it (a person, the planner
 * or an LLM): the query is one read-only operation valid against the supergraph's API schema and
 * within the gateway's limits, its variables fit it, and its chart is valid Vega-Lite reading only
 * fields the query returns at the view's dataPath.
 */
export function checkView(schema: GraphQLSchema, view: ViewDefinition, root: string): InputProblem[] {
  const checked = checkViewQuery(schema, view.query);
  if (!checked.ok) return [{ path: `${root}.query`, message: checked.problem }];
  const problems: InputProblem[] = [];
  const coerced = getVariableValues(schema, checked.operation.variableDefinitions ?? [], view.variables ?? {}, { maxErrors: 3 });
  if (coerced.errors) problems.push(...coerced.errors.map((error) => ({ path: `${root}.variables`, message: error.message })));
  if (view.chart.spec) {
    const dataPath = view.dataPath ?? '';
    const fields = fieldsAt(checked.document, checked.operation, dataPath);
    if (!fields) problems.push({ path: `${root}.dataPath`, message: `dataPath "${dataPath}" is not a field the query selects (with fields below it): name the list or object the chart draws, e.g. "judgmentMetrics.points"` });
    else problems.push(...checkChartSpec(view.chart.spec, fields).map((message) => ({ path: `${root}.chart.spec`, message })));
  }
  return problems;
}
