import type { LiveChannels } from '@judgify/runtime/subgraph-service';
import { filter, pipe, type PubSub } from 'graphql-yoga';
import type { WorkflowRow } from '../db/schema.ts';
import { findWorkflows, type WorkflowDeps } from './workflow.ts';

/** The live channel of workflow changes; its topic is the tenant, so no stream crosses tenants. */
export const WORKFLOW_CHANGED = 'workflow.changed';

export interface ChangeNotice {
  workflowId: string;
  version: number;
}

export function workflowChanges(pubsub: PubSub<LiveChannels>, tenantId: string, workflowId: string): AsyncIterable<ChangeNotice> {
  const notices = pubsub.subscribe(WORKFLOW_CHANGED, tenantId) as AsyncIterable<ChangeNotice>;
  return pipe(notices, filter((notice: ChangeNotice) => notice.workflowId === workflowId));
}

/** The workflow as it is now (null once deleted), read fresh for each change. */
export async function changedWorkflow(deps: WorkflowDeps, tenantId: string, notice: ChangeNotice): Promise<WorkflowRow | null> {
  const [workflow] = await findWorkflows(deps, tenantId, [notice.workflowId]);
  return workflow ?? null;
}
