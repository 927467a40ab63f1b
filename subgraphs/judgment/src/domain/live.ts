import { liveReads } from '@judgify/runtime/live-reads';
import type { LiveUpdates } from '@judgify/runtime/pubsub';
import type { ExecutionRow } from '../db/schema.ts';
import { findExecutions, type ExecutionDeps } from './execution.ts';

/** The live channel of stored executions; its topic is the tenant, so no stream crosses tenants. */
export const JUDGMENT_COMPLETED = 'judgment.completed';

export interface CompletedNotice {
  executionId: string;
  workflowId: string;
}

/**
 * Executions of the subscriber's tenant as they are stored, only of one workflow when asked
 * (filtered here, at the source), each read fresh. A notice whose execution this tenant cannot
 * read is skipped.
 */
export function judgmentsCompleted(live: LiveUpdates, deps: ExecutionDeps, tenantId: string, workflowId?: string | null): AsyncGenerator<ExecutionRow> {
  const notices = live.subscribe<CompletedNotice>(JUDGMENT_COMPLETED, tenantId);
  return liveReads(notices, {
    keep: workflowId ? (notice) => notice.workflowId === workflowId : undefined,
    keyOf: (notice) => notice.executionId,
    readMany: (ids) => findExecutions(deps, tenantId, ids),
  });
}
