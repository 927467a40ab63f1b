// The exact texts of console/operations, which the gateway registers as trusted documents: they
// run also where the gateway accepts only those (TRUSTED_DOCUMENTS=require).
import addDashboardView from '../operations/console-add-dashboard-view.graphql?raw';
import createDashboard from '../operations/console-create-dashboard.graphql?raw';
import dashboardUpdated from '../operations/console-dashboard-updated.graphql?raw';
import dashboards from '../operations/console-dashboards.graphql?raw';
import executeJudgment from '../operations/console-execute-judgment.graphql?raw';
import generateView from '../operations/console-generate-view.graphql?raw';
import judgmentCompleted from '../operations/console-judgment-completed.graphql?raw';
import removeDashboardView from '../operations/console-remove-dashboard-view.graphql?raw';
import signIn from '../operations/console-sign-in.graphql?raw';
import workflows from '../operations/console-workflows.graphql?raw';

export const operations = { addDashboardView, createDashboard, dashboardUpdated, dashboards, executeJudgment, generateView, judgmentCompleted, removeDashboardView, signIn, workflows };

export interface ViewDataError {
  message: string;
  code: string;
}

export interface Chart {
  type: 'BAR' | 'LINE' | 'PIE' | 'GAUGE' | 'KPI';
  spec: Record<string, unknown> | null;
}

export interface WorkflowSummary {
  id: string;
  name: string;
  isActive: boolean;
  inputFields: string[];
  decisions: string[];
}

export interface Judgment {
  id: string;
  workflow: { id: string; name: string };
  decision: string;
  confidence: number;
  method: string;
  methodUsed: string;
  explanation: string;
  executionTimeMs: number;
  inputData: Record<string, unknown>;
  createdAt: string;
}

export interface DashboardSummary {
  id: string;
  name: string;
  description: string | null;
  updatedAt: string;
  views: Array<{ id: string }>;
}

export interface DashboardUpdate {
  reason: 'SNAPSHOT' | 'DATA_CHANGED' | 'DASHBOARD_CHANGED';
  changedViewIds: string[];
  dashboard: { id: string; name: string; description: string | null; views: Array<{ id: string; title: string; dataPath: string | null; chart: Chart }> };
  views: Array<{ viewId: string; title: string; data: unknown; dataErrors: ViewDataError[] }>;
}

export interface GeneratedView {
  title: string;
  interpretation: string;
  query: string | null;
  variables: Record<string, unknown> | null;
  dataPath: string | null;
  chart: Chart | null;
  data: unknown;
  dataErrors: ViewDataError[];
  source: 'PLANNER' | 'LLM';
  warnings: string[];
  suggestions: string[];
}
