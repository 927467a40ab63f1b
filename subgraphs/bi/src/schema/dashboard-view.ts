import { builder } from '../builder.ts';
import type { StoredDashboardView } from '../db/schema.ts';
import type { ViewDataError as ViewDataErrorShape } from '../domain/view-data.ts';
import { ChartSpec, ChartSpecInput } from './chart-spec.ts';

export const ViewDataError = builder.objectRef<ViewDataErrorShape>('ViewDataError').implement({
  description: "An error the view's query met, as the supergraph reported it.",
  fields: (t) => ({
    message: t.exposeString('message'),
    code: t.exposeString('code', { description: 'The error code, e.g. FORBIDDEN when the view reads what your roles do not allow.' }),
    path: t.exposeStringList('path', { nullable: true, description: 'Where in the result it happened.' }),
  }),
});

export const DashboardView = builder.objectRef<StoredDashboardView>('DashboardView').implement({
  description: 'One chart on a dashboard: a read-only supergraph query and how to draw its result.',
  fields: (t) => ({
    id: t.exposeID('id'),
    title: t.exposeString('title'),
    query: t.exposeString('query', { description: 'A GraphQL document with exactly one query operation, run against the supergraph.' }),
    variables: t.field({ type: 'JSON', nullable: true, description: "The query's variables.", resolve: (view) => view.variables ?? null }),
    dataPath: t.exposeString('dataPath', { nullable: true, description: 'Where in `data` the rows the chart draws are (bound as its "rows" dataset).' }),
    chart: t.expose('chart', { type: ChartSpec }),
    data: t.field({
      type: 'JSON',
      nullable: true,
      description: "The query's result data, run through the gateway as you: your tenant and roles apply exactly as if you had sent it.",
      resolve: async (view, _args, context) => (await context.loaders.viewData(view)).data,
    }),
    dataErrors: t.field({
      type: [ViewDataError],
      description: "Errors the query met (empty when it succeeded); a view's failure never fails the dashboard.",
      resolve: async (view, _args, context) => (await context.loaders.viewData(view)).errors,
    }),
  }),
});

export const DashboardViewInput = builder.inputType('DashboardViewInput', {
  description: 'A view to save, hand-written or from generateView: checked against the supergraph before it is saved.',
  fields: (t) => ({
    title: t.string({ required: true, description: '1–120 characters.' }),
    query: t.string({ required: true, description: "A GraphQL document with exactly one query operation (no mutation or subscription), valid against the supergraph and within the gateway's depth and cost limits." }),
    variables: t.field({ type: 'JSON', description: "A JSON object of the query's variables." }),
    dataPath: t.string({ description: 'Dotted path in the result to the rows the chart draws, e.g. "judgmentMetrics.points"; required with a chart spec.' }),
    chart: t.field({ type: ChartSpecInput, required: true }),
  }),
});
