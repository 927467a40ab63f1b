import type { WorkflowEventRow, WorkflowEventType, WorkflowRow } from '../db/schema.ts';

/** The fields a workflow's author sets; what WorkflowCreated carries and WorkflowUpdated changes. */
export interface WorkflowContent {
  name: string;
  description: string | null;
  definition: unknown;
}

export type WorkflowEventDraft =
  | { type: 'WorkflowCreated'; payload: WorkflowContent }
  | { type: 'WorkflowUpdated'; payload: Partial<WorkflowContent> }
  | { type: 'WorkflowDeactivated' | 'WorkflowReactivated' | 'WorkflowDeleted'; payload: Record<string, never> };

/** The event names on the bus, by event-store type. */
export const busEventTypes: Record<WorkflowEventType, string> = {
  WorkflowCreated: 'workflow.created',
  WorkflowUpdated: 'workflow.updated',
  WorkflowDeactivated: 'workflow.deactivated',
  WorkflowReactivated: 'workflow.reactivated',
  WorkflowDeleted: 'workflow.deleted',
};

type StoredEvent = Pick<WorkflowEventRow, 'aggregateId' | 'tenantId' | 'version' | 'type' | 'payload' | 'userId' | 'occurredAt'>;

/**
 * The state after one more event. The projection row is always `applyEvent` of its events, so
 * replaying the store rebuilds it exactly (time travel) and a corrupt sequence fails loudly.
 */
export function applyEvent(state: WorkflowRow | undefined, event: StoredEvent): WorkflowRow {
  const touched = { version: event.version, updatedAt: event.occurredAt, updatedBy: event.userId };
  if (event.type === 'WorkflowCreated') {
    if (state) throw new Error(`workflow ${event.aggregateId} created twice (version ${event.version})`);
    if (event.version !== 1) throw new Error(`workflow ${event.aggregateId} created at version ${event.version}, not 1`);
    const content = event.payload as unknown as WorkflowContent;
    return {
      id: event.aggregateId,
      tenantId: event.tenantId,
      name: content.name,
      description: content.description ?? null,
      definition: content.definition,
      isActive: true,
      createdAt: event.occurredAt,
      createdBy: event.userId,
      deletedAt: null,
      deletedBy: null,
      ...touched,
    };
  }
  if (!state) throw new Error(`workflow ${event.aggregateId}: ${event.type} before WorkflowCreated`);
  if (event.version !== state.version + 1) {
    throw new Error(`workflow ${event.aggregateId}: version ${event.version} follows version ${state.version}`);
  }
  switch (event.type) {
    case 'WorkflowUpdated':
      return { ...state, ...(event.payload as Partial<WorkflowContent>), ...touched };
    case 'WorkflowDeactivated':
      return { ...state, isActive: false, ...touched };
    case 'WorkflowReactivated':
      return { ...state, isActive: true, ...touched };
    case 'WorkflowDeleted':
      return { ...state, deletedAt: event.occurredAt, deletedBy: event.userId, ...touched };
  }
}

/** The workflow as of its last event in `events` (oldest first). */
export function replay(events: readonly StoredEvent[]): WorkflowRow | undefined {
  return events.reduce<WorkflowRow | undefined>(applyEvent, undefined);
}
