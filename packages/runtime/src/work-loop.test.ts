import { describe, expect, it } from 'vitest';
import { WorkLoop } from './work-loop.ts';

describe('WorkLoop', () => {
  it('steps again at once while there is more, pauses when not, and a kick cuts the pause short', async () => {
    const pauses = [0, 0, 60_000, 60_000];
    let steps = 0;
    const loop = new WorkLoop(async () => pauses[steps++] ?? 60_000);
    loop.start();
    await expect.poll(() => steps).toBe(3);
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(steps).toBe(3);
    loop.kick();
    await expect.poll(() => steps).toBe(4);
    await loop.stop();
    expect(loop.running).toBe(false);
  });

  it('waits for the step under way when stopped, and runs no other', async () => {
    let release: () => void = () => {};
    let steps = 0;
    let finished = false;
    const loop = new WorkLoop(async () => {
      steps++;
      await new Promise<void>((resolve) => (release = resolve));
      finished = true;
      return 0;
    });
    loop.start();
    await expect.poll(() => steps).toBe(1);
    const stopped = loop.stop();
    expect(loop.running).toBe(false);
    release();
    await stopped;
    expect(finished).toBe(true);
    expect(steps).toBe(1);
  });
});
