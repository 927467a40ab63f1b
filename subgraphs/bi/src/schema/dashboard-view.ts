import { builder } from '../builder.ts';
import type { StoredDashboardView } from '../db/schema.ts';
import { ChartSpec, ChartSpecInput } from './chart-spec.ts';

export const DashboardView = builder.objectRef<StoredDashboardView>('DashboardView').implement({
  description: 'One chart on a dashboard: a read-only supergraph query and how to draw its result.',
  fields: (t) => ({
    title: t.exposeString('title'),
    query: t.exposeString('query', { description: 'A GraphQL document with exactly one query operation, run against the supergraph.' }),
    chart: t.expose('chart', { type: ChartSpec }),
  }),
});

export const DashboardViewInput = builder.inputType('DashboardViewInput', {
  fields: (t) => ({
    title: t.string({ required: true, description: '1–120 characters.' }),
    query: t.string({ required: true, description: 'A GraphQL document with exactly one query operation (no mutation or subscription).' }),
    chart: t.field({ type: ChartSpecInput, required: true }),
  }),
});
