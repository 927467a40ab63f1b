import { isUuid } from '@judgify/runtime/validation';
import { and, eq, sql } from 'drizzle-orm';
import { judgmentExecutions } from '../db/schema.ts';
import type { ExecutionDeps } from './execution.ts';

export interface WorkflowStats {
  /** Share of executions that SUCCEEDED, 0..1; null before the first execution. */
  successRate: number | null;
  avgExecutionTimeMs: number | null;
}

export interface ExecutionTotals {
  total: number;
  succeeded: number;
  avgExecutionTimeMs: number | null;
}

export function statsFromTotals(totals: ExecutionTotals | undefined): WorkflowStats {
  if (!totals || totals.total === 0) return { successRate: null, avgExecutionTimeMs: null };
  return { successRate: totals.succeeded / totals.total, avgExecutionTimeMs: totals.avgExecutionTimeMs };
}

const preparedStats = new WeakMap<object, ReturnType<typeof prepareStats>>();

/** The grouped stats query as a named prepared statement: one text for any number of workflows. */
const prepareStats = (db: ExecutionDeps['db']) =>
  db
    .select({
      workflowId: judgmentExecutions.workflowId,
      total: sql<number>`count(*)`.mapWith(Number),
      succeeded: sql<number>`count(*) filter (where ${judgmentExecutions.status} = 'SUCCEEDED')`.mapWith(Number),
      avgExecutionTimeMs: sql<number>`avg(${judgmentExecutions.executionTimeMs})`.mapWith(Number),
    })
    .from(judgmentExecutions)
    .where(and(eq(judgmentExecutions.tenantId, sql.placeholder('tenantId')), sql`${judgmentExecutions.workflowId} = any(${sql.placeholder('workflowIds')}::uuid[])`))
    .groupBy(judgmentExecutions.workflowId)
    .prepare('judgment_workflow_stats');

/** Stats for a batch of workflows of one tenant in one grouped query, in the order asked. */
export async function workflowStats(deps: ExecutionDeps, tenantId: string, workflowIds: readonly string[]): Promise<WorkflowStats[]> {
  const wellFormed = [...new Set(workflowIds.filter(isUuid))];
  let stats = preparedStats.get(deps.db);
  if (!stats) preparedStats.set(deps.db, (stats = prepareStats(deps.db)));
  const rows = wellFormed.length ? await stats.execute({ tenantId, workflowIds: wellFormed }) : [];
  const byWorkflow = new Map(rows.map(({ workflowId, ...totals }) => [workflowId, totals]));
  return workflowIds.map((workflowId) => statsFromTotals(byWorkflow.get(workflowId)));
}
