/** The live channel bi's read models announce changes on; its topic is the tenant. */
export const METRICS_CHANGED = 'bi.metrics';

/** The live channel a dashboard's own changes (views added, moved, removed) are announced on. */
export const DASHBOARD_CHANGED = 'bi.dashboard';

export interface DashboardChangedNotice {
  dashboardId: string;
}
