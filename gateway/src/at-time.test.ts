import { describe, expect, it } from 'vitest';
import { atTime } from './at-time.ts';

const delay = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('atTime', () => {
  it('runs the task at the time given', async () => {
    let ran = false;
    atTime(Date.now() + 20, () => (ran = true));
    await delay(5);
    expect(ran).toBe(false);
    await delay(40);
    expect(ran).toBe(true);
  });

  it('waits for a time further away than a Node timer can (a 30-day token), and can be cancelled', async () => {
    let ran = 0;
    const cancel = atTime(Date.now() + 30 * 24 * 3600 * 1000, () => ran++);
    const cancelled = atTime(Date.now() + 10, () => ran++);
    cancelled();
    await delay(40);
    expect(ran).toBe(0);
    cancel();
  });
});
