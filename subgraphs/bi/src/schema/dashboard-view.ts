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
    title: t.exposeString('title'),
    query: t.exposeString('query', { description: 'A GraphQL document with exactly one query operation, run against the supergraph.' }),
    chart: t.expose('chart', { type: ChartSpec }),
    data: t.field({
      type: 'JSON',
      nullable: true,
      description: "The query's result data, run through the gateway as you: your tenant and roles apply exactly as if you had sent it.",
      resolve: async (view, _args, context) => (await context.loaders.viewData.load(view.query)).data,
    }),
    dataErrors: t.field({
      type: [ViewDataError],
      description: "Errors the query met (empty when it succeeded); a view's failure never fails the dashboard.",
      resolve: async (view, _args, context) => (await context.loaders.viewData.load(view.query)).errors,
    }),
  }),
});

export const DashboardViewInput = builder.inputType('DashboardViewInput', {
  fields: (t) => ({
    title: t.string({ required: true, description: '1–120 characters.' }),
    query: t.string({ required: true, description: 'A GraphQL document with exactly one query operation (no mutation or subscription).' }),
    chart: t.field({ type: ChartSpecInput, required: true }),
  }),
});
