import { describe, expect, it } from 'vitest';
import type { WorkflowDefinitionRow } from '../db/schema.ts';
import { FENCELESS_TRUST_MS, WorkflowDefinitionCache } from './workflow-definitions.ts';

const row = (version: number): WorkflowDefinitionRow => ({
  id: 'w1',
  tenantId: 'acme',
  version,
  name: 'line',
  definition: { version },
  isActive: true,
  deleted: false,
  receivedAt: new Date(0),
});

/** A read of the table that answers when told to. */
function pendingRead() {
  let answer: (found: WorkflowDefinitionRow | undefined) => void = () => {};
  const read = new Promise<WorkflowDefinitionRow | undefined>((resolve) => (answer = resolve));
  return { read: () => read, answer };
}

describe('WorkflowDefinitionCache', () => {
  it('vouches for a row at or above the announced version, never below it', async () => {
    const cache = new WorkflowDefinitionCache();
    await cache.read('acme', 'w1', async () => row(3));
    expect(cache.fresh('acme', 'w1', 2)?.version).toBe(3);
    expect(cache.fresh('acme', 'w1', 3)?.version).toBe(3);
    expect(cache.fresh('acme', 'w1', 4)).toBeUndefined();
    expect(cache.fresh('globex', 'w1', 3)).toBeUndefined();
  });

  it('trusts a row for a moment only when the fence says nothing', async () => {
    let now = 1_000_000;
    const cache = new WorkflowDefinitionCache(() => now);
    await cache.read('acme', 'w1', async () => row(1));
    expect(cache.fresh('acme', 'w1', undefined)?.version).toBe(1);
    now += FENCELESS_TRUST_MS;
    expect(cache.fresh('acme', 'w1', undefined)).toBeUndefined();
    // The fence, when it answers, still vouches for it: the row is what the table held, and no newer version was announced.
    expect(cache.fresh('acme', 'w1', 1)?.version).toBe(1);
  });

  it('forgets a row on its event, and drops a read that began before the event', async () => {
    const cache = new WorkflowDefinitionCache();
    await cache.read('acme', 'w1', async () => row(1));
    const slow = pendingRead();
    const reading = cache.read('acme', 'w1', slow.read);
    cache.evict('acme', 'w1');
    expect(cache.holds('acme', 'w1')).toBe(false);
    // The read saw the table before the event's commit: it answers its own caller, but is not kept.
    slow.answer(row(1));
    expect((await reading)?.version).toBe(1);
    expect(cache.holds('acme', 'w1')).toBe(false);
    await cache.read('acme', 'w1', async () => row(2));
    expect(cache.fresh('acme', 'w1', 2)?.version).toBe(2);
  });

  it('never replaces a row by an older one read later', async () => {
    const cache = new WorkflowDefinitionCache();
    await cache.read('acme', 'w1', async () => row(5));
    await cache.read('acme', 'w1', async () => row(4));
    expect(cache.fresh('acme', 'w1', undefined)?.version).toBe(5);
  });

  it('keeps pinned versions, which never change once received', () => {
    const cache = new WorkflowDefinitionCache();
    expect(cache.pinnedDefinition('acme', 'w1', 2)).toBeUndefined();
    cache.keepPinned('acme', 'w1', 2, { pinned: true });
    expect(cache.pinnedDefinition('acme', 'w1', 2)).toEqual({ pinned: true });
    expect(cache.pinnedDefinition('globex', 'w1', 2)).toBeUndefined();
  });
});
