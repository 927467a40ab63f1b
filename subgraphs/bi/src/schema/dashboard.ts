import { builder } from '../builder.ts';
import type { DashboardRow } from '../db/schema.ts';
import { addDashboardView, createDashboard, dashboardCursor, listDashboards, removeDashboardView, reorderDashboardViews } from '../domain/dashboard.ts';
import { DASHBOARD_CHANGED } from '../domain/live.ts';
import { dashboardUpdates, type DashboardUpdate as Update, type ViewSnapshot as Snapshot } from '../domain/live-dashboard.ts';
import type { Context } from '../context.ts';
import { DashboardView, DashboardViewInput, ViewDataError } from './dashboard-view.ts';

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

/** After a change commits: live subscribers of this dashboard, on any replica, reload it. */
function announced(context: Context, row: DashboardRow): DashboardRow {
  context.deps.live.publish(DASHBOARD_CHANGED, row.tenantId, { dashboardId: row.id });
  return row;
}

builder.mutationFields((t) => ({
  createDashboard: t.field({
    type: Dashboard,
    authScopes: { operator: true },
    args: { input: t.arg({ type: CreateDashboardInput, required: true }) },
    resolve: async (_root, { input }, context) => announced(context, await createDashboard(context.deps, context.identity, input)),
  }),
  addDashboardView: t.field({
    type: Dashboard,
    authScopes: { operator: true },
    description: 'Adds a view (a generated one, or hand-written) at `position` (0 first; last by default). A dashboard holds at most 12.',
    args: { dashboardId: t.arg.id({ required: true }), view: t.arg({ type: DashboardViewInput, required: true }), position: t.arg.int() },
    resolve: async (_root, args, context) => announced(context, await addDashboardView(context.deps, context.identity, String(args.dashboardId), args.view, args.position)),
  }),
  reorderDashboardViews: t.field({
    type: Dashboard,
    authScopes: { operator: true },
    description: "Puts the dashboard's views in this order; `viewIds` names each view exactly once.",
    args: { dashboardId: t.arg.id({ required: true }), viewIds: t.arg.idList({ required: true }) },
    resolve: async (_root, args, context) => announced(context, await reorderDashboardViews(context.deps, context.identity, String(args.dashboardId), args.viewIds.map(String))),
  }),
  removeDashboardView: t.field({
    type: Dashboard,
    authScopes: { operator: true },
    args: { dashboardId: t.arg.id({ required: true }), viewId: t.arg.id({ required: true }) },
    resolve: async (_root, args, context) => announced(context, await removeDashboardView(context.deps, context.identity, String(args.dashboardId), String(args.viewId))),
  }),
}));

const DashboardUpdateReason = builder.enumType('DashboardUpdateReason', {
  values: {
    SNAPSHOT: { description: 'The first update: every view as it is now.' },
    DATA_CHANGED: { description: 'Events changed the data of the views in changedViewIds.' },
    DASHBOARD_CHANGED: { description: 'Views were added, moved or removed: every view again.' },
  } as const,
});

const ViewSnapshot = builder.objectRef<Snapshot>('DashboardViewSnapshot').implement({
  description: "One view's fresh data.",
  fields: (t) => ({
    viewId: t.exposeID('viewId'),
    title: t.exposeString('title'),
    data: t.field({ type: 'JSON', nullable: true, resolve: (snapshot) => snapshot.data ?? null }),
    dataErrors: t.field({ type: [ViewDataError], resolve: (snapshot) => snapshot.errors }),
  }),
});

const DashboardUpdate = builder.objectRef<Update>('DashboardUpdate').implement({
  description: 'A push of a live dashboard.',
  fields: (t) => ({
    reason: t.expose('reason', { type: DashboardUpdateReason }),
    dashboard: t.field({ type: Dashboard, description: "The dashboard's definition now (its views' `data` would run their queries again: read `views` here instead).", resolve: (update) => update.dashboard }),
    views: t.field({ type: [ViewSnapshot], description: "Every view's latest data, in the dashboard's order: each update is the whole current state.", resolve: (update) => update.views }),
    changedViewIds: t.exposeIDList('changedViewIds', { description: 'The views rerun for this update (all of them on SNAPSHOT and DASHBOARD_CHANGED).' }),
  }),
});

builder.subscriptionField('dashboardUpdated', (t) =>
  t.field({
    type: DashboardUpdate,
    authScopes: { viewer: true },
    description:
      "A dashboard of your tenant, live: every view's data on subscribe, then an update whenever a judgment, feedback or delivery changes a view's data, within a second and at most once per view per 250 ms (only those views are rerun). Views run through the gateway with your tenant and roles.",
    args: { id: t.arg.id({ required: true }) },
    subscribe: (_root, { id }, context) => {
      // Views rerun for as long as the subscription lives: with the grant the gateway last renewed.
      const asSubscriber = { requestId: context.requestId, get delegation() { return context.renewedGrant?.current ?? context.delegation; } };
      return dashboardUpdates(context.deps, asSubscriber, context.identity.tenantId, String(id));
    },
    resolve: (update: Update) => update,
  }),
);
