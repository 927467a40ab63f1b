import { describe, expect, it } from 'vitest';
import { liveReads } from './live-reads.ts';
import { createLiveUpdates } from './pubsub.ts';
import { silentLogger } from './testing/index.ts';

type Notice = { id: string; workflow: string };
const delay = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

let channels = 0;
function channel() {
  const live = createLiveUpdates({ logger: silentLogger, service: 'test' });
  const name = `test.live.${channels++}`;
  const notices = live.subscribe<Notice>(name, 'acme');
  return { notices, publish: (...items: Notice[]) => items.forEach((item) => live.publish(name, 'acme', item)) };
}

describe('liveReads', () => {
  it('reads the notices of one tick in one query and delivers rows in notice order, however the reads finish', async () => {
    const { notices, publish } = channel();
    const queries: string[][] = [];
    const rows = liveReads(notices, {
      keyOf: (notice: Notice) => notice.id,
      readMany: async (ids) => {
        queries.push([...ids]);
        await delay(ids.includes('a') ? 30 : 1); // the first batch finishes last
        return ids.map((id) => ({ id }));
      },
    });
    const first = rows.next();
    await delay(5);
    publish({ id: 'a', workflow: 'w' }, { id: 'b', workflow: 'w' });
    await delay(5);
    publish({ id: 'c', workflow: 'w' });
    const received = [await first, await rows.next(), await rows.next()].map((result) => result.value);
    expect(received).toEqual([{ id: 'a' }, { id: 'b' }, { id: 'c' }]);
    expect(queries).toEqual([['a', 'b'], ['c']]);
    await rows.return(undefined);
  });

  it('drops notices its filter refuses before reading anything', async () => {
    const { notices, publish } = channel();
    const read: string[] = [];
    const rows = liveReads(notices, {
      keep: (notice: Notice) => notice.workflow === 'mine',
      keyOf: (notice) => notice.id,
      readMany: async (ids) => (read.push(...ids), ids.map((id) => ({ id }))),
    });
    const next = rows.next();
    await delay(5);
    publish({ id: 'x', workflow: 'other' }, { id: 'y', workflow: 'mine' });
    expect((await next).value).toEqual({ id: 'y' });
    expect(read).toEqual(['y']);
    await rows.return(undefined);
  });

  it('skips notices whose row is gone, or delivers what the caller says stands for it', async () => {
    for (const [whenMissing, expected] of [[undefined, [{ id: 'b' }]], [() => null, [null, { id: 'b' }]]] as const) {
      const { notices, publish } = channel();
      const rows = liveReads(notices, {
        keyOf: (notice: Notice) => notice.id,
        readMany: async (ids) => ids.map((id) => (id === 'gone' ? null : { id })),
        whenMissing,
      });
      const collected: unknown[] = [];
      const collecting = (async () => {
        for await (const row of rows) if (collected.push(row) === expected.length) return;
      })();
      await delay(5);
      publish({ id: 'gone', workflow: 'w' }, { id: 'b', workflow: 'w' });
      await collecting;
      expect(collected).toEqual(expected);
    }
  });

  it('delivers a row read twice for notices of one tick once, when the caller says it is a repeat', async () => {
    const { notices, publish } = channel();
    const rows = liveReads(notices, {
      keyOf: (notice: Notice) => notice.workflow,
      readMany: async (keys) => keys.map((key) => ({ key, version: 7 })),
      isRepeat: (previous, row) => previous.version === row.version,
    });
    const first = rows.next();
    await delay(5);
    publish({ id: 'a', workflow: 'w' }, { id: 'b', workflow: 'w' });
    expect((await first).value).toEqual({ key: 'w', version: 7 });
    const second = rows.next();
    const outcome = await Promise.race([second.then(() => 'delivered'), delay(50).then(() => 'nothing more')]);
    expect(outcome).toBe('nothing more');
    await rows.return(undefined);
  });

  it('stops listening to the channel once a read fails, after passing the failure on', async () => {
    const { notices, publish } = channel();
    const rows = liveReads(notices, {
      keyOf: (notice: Notice) => notice.id,
      readMany: async () => {
        throw new Error('database unavailable');
      },
    });
    const next = rows.next();
    await delay(5);
    publish({ id: 'a', workflow: 'w' });
    await expect(next).rejects.toThrow('database unavailable');
    expect(await notices.next()).toEqual({ value: undefined, done: true });
  });

  it('ends at once when the subscriber leaves, though no notice comes, and stops listening to the channel', async () => {
    const { notices } = channel();
    const rows = liveReads(notices, { keyOf: (notice: Notice) => notice.id, readMany: async (ids) => ids.map((id) => ({ id })) });
    const pending = rows.next();
    await delay(5);
    await rows.return(undefined);
    expect(await pending).toEqual({ value: undefined, done: true });
    expect(await notices.next()).toEqual({ value: undefined, done: true });
  });
});
