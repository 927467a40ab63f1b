import { isUuid } from '@judgify/runtime/validation';
import { and, eq, inArray, sql } from 'drizzle-orm';
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

/** Stats for a batch of workflows of one tenant in one grouped query, in the order asked. */
export async function workflowStats(deps: ExecutionDeps, tenantId: string, workflowIds: readonly string[]): Promise<WorkflowStats[]> {
  const wellFormed = [...new Set(workflowIds.filter(isUuid))];
  const rows = wellFormed.length
    ? await deps.db
        .select({
          workflowId: judgmentExecutions.workflowId,
          total: sql<number>`count(*)`.mapWith(Number),
          succeeded: sql<number>`count(*) filter (where ${judgmentExecutions.status} = 'SUCCEEDED')`.mapWith(Number),
          avgExecutionTimeMs: sql<number>`avg(${judgmentExecutions.executionTimeMs})`.mapWith(Number),
        })
        .from(judgmentExecutions)
        .where(and(eq(judgmentExecutions.tenantId, tenantId), inArray(judgmentExecutions.workflowId, wellFormed)))
        .groupBy(judgmentExecutions.workflowId)
    : [];
  const byWorkflow = new Map(rows.map(({ workflowId, ...totals }) => [workflowId, totals]));
  return workflowIds.map((workflowId) => statsFromTotals(byWorkflow.get(workflowId)));
}
