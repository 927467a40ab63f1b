import { builder } from '../builder.ts';
import type { DashboardRow } from '../db/schema.ts';
import { createDashboard, dashboardCursor, listDashboards } from '../domain/dashboard.ts';
import { DashboardView, DashboardViewInput } from './dashboard-view.ts';

export const Dashboard = builder.objectRef<DashboardRow>('Dashboard').implement({
  description: 'A saved set of up to 12 views, shared within your tenant.',
  // Entities are also reached through `_entities`, which no root field guards.
  authScopes: { viewer: true },
  fields: (t) => ({
    id: t.exposeID('id'),
    name: t.exposeString('name'),
    description: t.exposeString('description', { nullable: true }),
    views: t.expose('views', { type: [DashboardView] }),
    createdAt: t.expose('createdAt', { type: 'DateTime' }),
    updatedAt: t.expose('updatedAt', { type: 'DateTime' }),
    createdBy: t.exposeString('createdBy'),
    cursor: t.string({
      description: 'Pass as `after` to `dashboards` to continue after this dashboard.',
      resolve: dashboardCursor,
    }),
  }),
});

builder.asEntity(Dashboard, {
  key: builder.selection<{ id: string }>('id'),
  // Representations are input too: one without an id resolves to nothing rather than failing.
  resolveReference: (reference, context) => context.loaders.dashboard.load(String(reference.id ?? '')),
});

const CreateDashboardInput = builder.inputType('CreateDashboardInput', {
  fields: (t) => ({
    name: t.string({ required: true, description: '1–100 characters.' }),
    description: t.string({ description: 'At most 500 characters.' }),
    views: t.field({ type: [DashboardViewInput], defaultValue: [], description: 'At most 12 views.' }),
  }),
});

builder.queryFields((t) => ({
  dashboard: t.field({
    type: Dashboard,
    nullable: true,
    authScopes: { viewer: true },
    description: 'A dashboard of your tenant, or null if there is none with this id.',
    args: { id: t.arg.id({ required: true }) },
    resolve: (_root, { id }, context) => context.loaders.dashboard.load(String(id)),
  }),
  dashboards: t.field({
    type: [Dashboard],
    authScopes: { viewer: true },
    description: 'Dashboards of your tenant, newest first.',
    args: {
      first: t.arg.int({ defaultValue: 20, description: 'Page size, 1–100.' }),
      after: t.arg.string({ description: 'The `cursor` of the last dashboard of the previous page.' }),
    },
    resolve: (_root, args, context) => listDashboards(context.deps, context.identity.tenantId, args),
  }),
}));

builder.mutationFields((t) => ({
  createDashboard: t.field({
    type: Dashboard,
    authScopes: { operator: true },
    args: { input: t.arg({ type: CreateDashboardInput, required: true }) },
    resolve: (_root, { input }, context) => createDashboard(context.deps, context.identity, input),
  }),
}));
