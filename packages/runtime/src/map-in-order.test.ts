import { describe, expect, it } from 'vitest';
import { mapInOrder } from './map-in-order.ts';

const delay = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function* numbers(count: number, failAfter?: number) {
  for (let n = 0; n < count; n++) {
    if (n === failAfter) throw new Error(`stream broke after ${n}`);
    yield n;
  }
}

async function collect<T>(iterable: AsyncIterable<T>): Promise<T[]> {
  const values: T[] = [];
  for await (const value of iterable) values.push(value);
  return values;
}

describe('mapInOrder', () => {
  it('works on several items at once and delivers them in the order they came', async () => {
    let running = 0;
    let mostAtOnce = 0;
    const results = await collect(
      mapInOrder(
        numbers(12),
        async (n) => {
          mostAtOnce = Math.max(mostAtOnce, ++running);
          await delay(n % 3 === 0 ? 30 : 1); // early items are the slow ones
          running--;
          return n * 10;
        },
        4,
      ),
    );
    expect(results).toEqual([0, 10, 20, 30, 40, 50, 60, 70, 80, 90, 100, 110]);
    expect(mostAtOnce).toBe(4);
  });

  it('delivers what was already started, then the stream’s failure', async () => {
    const seen: number[] = [];
    const failure = await (async () => {
      for await (const value of mapInOrder(numbers(10, 3), async (n) => n, 8)) seen.push(value);
    })().catch((error: Error) => error);
    expect(seen).toEqual([0, 1, 2]);
    expect(failure).toBeInstanceOf(Error);
    expect((failure as Error).message).toBe('stream broke after 3');
  });

  it('passes a failed item on in its turn', async () => {
    const seen: number[] = [];
    const failure = await (async () => {
      for await (const value of mapInOrder(numbers(5), async (n) => (n === 2 ? Promise.reject(new Error('item 2 failed')) : n), 4)) seen.push(value);
    })().catch((error: Error) => error);
    expect(seen).toEqual([0, 1]);
    expect((failure as Error).message).toBe('item 2 failed');
  });

  it('stops reading the stream once the consumer leaves', async () => {
    let read = 0;
    async function* endless() {
      while (true) {
        read++;
        yield read;
        await delay(1);
      }
    }
    for await (const value of mapInOrder(endless(), async (n) => n, 2)) if (value === 3) break;
    await delay(20);
    const afterLeaving = read;
    await delay(20);
    expect(read).toBe(afterLeaving);
    expect(afterLeaving).toBeLessThanOrEqual(6);
  });
});
