import { describe, expect, it } from 'vitest';
import { groupByPage, workflowExecutionsKeyId } from './execution.ts';

describe('groupByPage', () => {
  it('puts requests for the same page together and keeps each position in the batch', () => {
    const groups = groupByPage([
      { workflowId: 'a', first: 5 },
      { workflowId: 'b', first: 5, after: null },
      { workflowId: 'c', first: 5, after: 'xyz' },
      { workflowId: 'd' },
    ]);
    expect(groups).toEqual([
      { page: { first: 5, after: null }, requests: [{ index: 0, workflowId: 'a' }, { index: 1, workflowId: 'b' }] },
      { page: { first: 5, after: 'xyz' }, requests: [{ index: 2, workflowId: 'c' }] },
      { page: { first: null, after: null }, requests: [{ index: 3, workflowId: 'd' }] },
    ]);
  });
});

describe('workflowExecutionsKeyId', () => {
  it('treats a missing page argument like an explicit null', () => {
    expect(workflowExecutionsKeyId({ workflowId: 'a' })).toBe(workflowExecutionsKeyId({ workflowId: 'a', first: null, after: null }));
    expect(workflowExecutionsKeyId({ workflowId: 'a', first: 2 })).not.toBe(workflowExecutionsKeyId({ workflowId: 'a', first: 3 }));
  });
});
