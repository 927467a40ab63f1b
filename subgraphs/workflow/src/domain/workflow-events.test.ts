import { describe, expect, it } from 'vitest';
import type { WorkflowEventRow } from '../db/schema.ts';
import { applyEvent, replay } from './workflow-events.ts';

const at = (minute: number) => new Date(Date.UTC(2026, 10, 22, 9, minute));
const event = (version: number, type: WorkflowEventRow['type'], payload: object, userId = 'ada'): WorkflowEventRow => ({
  id: `e${version}`,
  tenantId: 'acme',
  aggregateId: 'w1',
  version,
  type,
  payload,
  userId,
  via: null,
  correlationId: null,
  occurredAt: at(version),
});

const created = event(1, 'WorkflowCreated', { name: 'Line 3', description: null, definition: { startNode: 'a' } });

describe('workflow event replay', () => {
  it('builds the projection from WorkflowCreated', () => {
    expect(replay([created])).toEqual({
      id: 'w1',
      tenantId: 'acme',
      name: 'Line 3',
      description: null,
      definition: { startNode: 'a' },
      version: 1,
      isActive: true,
      createdAt: at(1),
      createdBy: 'ada',
      updatedAt: at(1),
      updatedBy: 'ada',
      deletedAt: null,
      deletedBy: null,
    });
  });

  it('applies updates field by field, deactivation, reactivation and deletion', () => {
    const events = [
      created,
      event(2, 'WorkflowUpdated', { description: 'hot line' }, 'otto'),
      event(3, 'WorkflowDeactivated', {}),
      event(4, 'WorkflowReactivated', {}),
      event(5, 'WorkflowUpdated', { name: 'Line 3b', definition: { startNode: 'b' } }),
      event(6, 'WorkflowDeleted', {}, 'gina'),
    ];
    expect(replay(events.slice(0, 2))).toMatchObject({ name: 'Line 3', description: 'hot line', version: 2, updatedBy: 'otto' });
    expect(replay(events.slice(0, 3))).toMatchObject({ isActive: false, version: 3 });
    expect(replay(events.slice(0, 4))).toMatchObject({ isActive: true, version: 4 });
    expect(replay(events.slice(0, 5))).toMatchObject({ name: 'Line 3b', description: 'hot line', definition: { startNode: 'b' } });
    expect(replay(events)).toMatchObject({ deletedAt: at(6), deletedBy: 'gina', version: 6, createdBy: 'ada', createdAt: at(1) });
  });

  it('refuses a sequence that could not have been written', () => {
    expect(() => replay([event(2, 'WorkflowUpdated', {})])).toThrow('WorkflowUpdated before WorkflowCreated');
    expect(() => replay([created, event(3, 'WorkflowDeactivated', {})])).toThrow('version 3 follows version 1');
    expect(() => replay([created, { ...created, version: 2 }])).toThrow('created twice');
    expect(() => applyEvent(undefined, { ...created, version: 2 })).toThrow('created at version 2, not 1');
  });

  it('leaves an empty history empty', () => {
    expect(replay([])).toBeUndefined();
  });
});
