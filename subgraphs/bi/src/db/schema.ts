import { ownedRowColumns, softDeleteColumns } from '@judgify/runtime/columns';
import { index, jsonb, pgSchema, text, uuid } from 'drizzle-orm/pg-core';

export const biSchema = pgSchema('bi');

export const chartTypes = ['BAR', 'LINE', 'PIE', 'GAUGE', 'KPI'] as const;
export type ChartType = (typeof chartTypes)[number];

/** How a view is drawn: the chart kind and an optional Vega-Lite (or equivalent) spec. */
export interface StoredChart {
  type: ChartType;
  spec?: Record<string, unknown> | null;
}

/** One element of `dashboards.views`, as validated on write. */
export interface StoredDashboardView {
  title: string;
  query: string;
  chart: StoredChart;
}

export const dashboards = biSchema.table(
  'dashboards',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    name: text('name').notNull(),
    description: text('description'),
    views: jsonb('views').$type<StoredDashboardView[]>().notNull(),
    ...ownedRowColumns(),
    ...softDeleteColumns(),
  },
  (table) => [index('dashboards_tenant_created_idx').on(table.tenantId, table.createdAt, table.id)],
);

export type DashboardRow = typeof dashboards.$inferSelect;
