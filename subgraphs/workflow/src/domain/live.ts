import { liveReads } from '@judgify/runtime/live-reads';
import type { LiveUpdates } from '@judgify/runtime/pubsub';
import type { WorkflowRow } from '../db/schema.ts';
import { findWorkflows, type WorkflowDeps } from './workflow.ts';

/** The live channel of workflow changes; its topic is the tenant, so no stream crosses tenants. */
export const WORKFLOW_CHANGED = 'workflow.changed';

export interface ChangeNotice {
  workflowId: string;
  version: number;
}

/** One workflow as it is after each change, read fresh; null once it is deleted. */
export function workflowChanges(live: LiveUpdates, deps: WorkflowDeps, tenantId: string, workflowId: string): AsyncGenerator<WorkflowRow | null> {
  const notices = live.subscribe<ChangeNotice>(WORKFLOW_CHANGED, tenantId);
  return liveReads(notices, {
    keep: (notice) => notice.workflowId === workflowId,
    keyOf: (notice) => notice.workflowId,
    readMany: (ids) => findWorkflows(deps, tenantId, ids),
    whenMissing: () => null,
    isRepeat: (previous, workflow) => previous?.version === workflow?.version,
  });
}
