import { describe, expect, it } from 'vitest';
import { concurrencyLimit } from './concurrency-limit.ts';

describe('concurrencyLimit', () => {
  it('never runs more than its slots at once, runs every task in turn, and frees a slot when a task fails', async () => {
    const limit = concurrencyLimit(3);
    let running = 0;
    let peak = 0;
    const order: number[] = [];
    const results = await Promise.allSettled(
      Array.from({ length: 20 }, (_, index) =>
        limit(async () => {
          running++;
          peak = Math.max(peak, running);
          order.push(index);
          await new Promise((resolve) => setTimeout(resolve, 1 + (index % 4)));
          running--;
          if (index === 5) throw new Error('five fails');
          return index;
        }),
      ),
    );
    expect(peak).toBe(3);
    expect(order).toEqual(Array.from({ length: 20 }, (_, index) => index));
    expect(results[5]).toMatchObject({ status: 'rejected' });
    expect(results.filter((result) => result.status === 'fulfilled')).toHaveLength(19);
  });

  it('refuses a limit below 1', () => {
    expect(() => concurrencyLimit(0)).toThrow('a concurrency limit needs 1 slot or more, got 0');
  });
});
