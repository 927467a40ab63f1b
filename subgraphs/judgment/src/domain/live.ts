import { filter, pipe, type PubSub } from 'graphql-yoga';
import type { LiveChannels } from '@judgify/runtime/subgraph-service';
import type { ExecutionRow } from '../db/schema.ts';
import { findExecutions, type ExecutionDeps } from './execution.ts';

/** The live channel of stored executions; its topic is the tenant, so no stream crosses tenants. */
export const JUDGMENT_COMPLETED = 'judgment.completed';

export interface CompletedNotice {
  executionId: string;
  workflowId: string;
}

/** Executions of the subscriber's tenant as they are stored, only of one workflow when asked, filtered here at the source. */
export function judgmentsCompleted(pubsub: PubSub<LiveChannels>, tenantId: string, workflowId?: string | null): AsyncIterable<CompletedNotice> {
  const notices = pubsub.subscribe(JUDGMENT_COMPLETED, tenantId) as AsyncIterable<CompletedNotice>;
  return workflowId ? pipe(notices, filter((notice: CompletedNotice) => notice.workflowId === workflowId)) : notices;
}

/** Each event is read fresh (not through a per-subscription cache that would grow forever). */
export async function completedExecution(deps: ExecutionDeps, tenantId: string, notice: CompletedNotice): Promise<ExecutionRow> {
  const [execution] = await findExecutions(deps, tenantId, [notice.executionId]);
  if (!execution) throw new Error(`execution ${notice.executionId} was announced but cannot be read`);
  return execution;
}
