import { AppError } from '@judgify/runtime/errors';
import type { EventEnvelope } from '@judgify/runtime/events';
import { isUuid } from '@judgify/runtime/validation';
import type { WorkflowDefinition } from '@judgify/workflow-definition/definition';
import { and, eq, lt, sql } from 'drizzle-orm';
import { z } from 'zod';
import { workflowDefinitions, type WorkflowDefinitionRow } from '../db/schema.ts';
import type { ExecutionDeps } from './execution.ts';

/** The workflow.* event data this subgraph relies on (the workflow subgraph sends the whole state). */
const workflowState = z.object({
  workflowId: z.string().refine(isUuid),
  version: z.number().int().min(1),
  name: z.string(),
  definition: z.unknown(),
  isActive: z.boolean(),
  deleted: z.boolean(),
});

/**
 * Keeps the read model current from a workflow.* event. Idempotent and order-proof: a row only
 * ever moves to a higher version, so redelivered or late events change nothing.
 */
export async function applyWorkflowEvent(deps: ExecutionDeps, event: EventEnvelope): Promise<void> {
  const state = workflowState.safeParse(event.data);
  if (!state.success) throw new Error(`${event.eventType} ${event.eventId} carries no workflow state: ${state.error.message}`);
  const row = {
    id: state.data.workflowId,
    tenantId: event.tenantId,
    version: state.data.version,
    name: state.data.name,
    definition: state.data.definition,
    isActive: state.data.isActive,
    deleted: state.data.deleted,
    receivedAt: new Date(),
  };
  await deps.db
    .insert(workflowDefinitions)
    .values(row)
    .onConflictDoUpdate({
      target: workflowDefinitions.id,
      set: {
        version: row.version,
        name: row.name,
        definition: sql`excluded.definition`,
        isActive: row.isActive,
        deleted: row.deleted,
        receivedAt: row.receivedAt,
      },
      where: and(eq(workflowDefinitions.tenantId, row.tenantId), lt(workflowDefinitions.version, row.version)),
    });
}

export interface RunnableWorkflow {
  id: string;
  version: number;
  definition: WorkflowDefinition;
}

/** The workflow to run: NOT_FOUND if unknown or deleted in the caller's tenant, refused if inactive. */
export async function findRunnableWorkflow(deps: ExecutionDeps, tenantId: string, id: string): Promise<RunnableWorkflow> {
  const [row]: Array<WorkflowDefinitionRow | undefined> = isUuid(id)
    ? await deps.db.select().from(workflowDefinitions).where(and(eq(workflowDefinitions.id, id), eq(workflowDefinitions.tenantId, tenantId)))
    : [];
  if (!row || row.deleted) {
    throw new AppError('NOT_FOUND', `There is no workflow with id "${id}" in your tenant (it may have been deleted, or been created a moment ago and not reached the judgment service yet).`, { id });
  }
  if (!row.isActive) {
    throw new AppError('CONFLICT', `Workflow "${row.name}" (${id}) is inactive; reactivate it to run judgments.`, { id, currentVersion: row.version });
  }
  return { id: row.id, version: row.version, definition: row.definition as WorkflowDefinition };
}
