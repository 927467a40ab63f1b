import { index, jsonb, pgSchema, text, timestamp, uuid } from 'drizzle-orm/pg-core';

export const biSchema = pgSchema('bi');

const millis = { withTimezone: true, precision: 3 } as const;

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
    tenantId: text('tenant_id').notNull(),
    name: text('name').notNull(),
    description: text('description'),
    views: jsonb('views').$type<StoredDashboardView[]>().notNull(),
    createdAt: timestamp('created_at', millis).notNull().defaultNow(),
    createdBy: text('created_by').notNull(),
    updatedAt: timestamp('updated_at', millis).notNull().defaultNow(),
    updatedBy: text('updated_by').notNull(),
    deletedAt: timestamp('deleted_at', millis),
    deletedBy: text('deleted_by'),
  },
  (table) => [index('dashboards_tenant_created_idx').on(table.tenantId, table.createdAt, table.id)],
);

export type DashboardRow = typeof dashboards.$inferSelect;
