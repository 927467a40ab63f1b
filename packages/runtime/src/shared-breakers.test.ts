import { afterAll, describe, expect, it } from 'vitest';
import { createSharedBreakers, type SharedBreakers } from './shared-breakers.ts';
import { dropRedisPrefix, silentLogger, testRedisPrefix, testRedisUrl } from './testing/index.ts';

const redisUrl = testRedisUrl();
const prefix = testRedisPrefix();
afterAll(async () => {
  if (redisUrl) await dropRedisPrefix(redisUrl, prefix);
});

const stores: Array<'in-process' | 'redis'> = redisUrl ? ['in-process', 'redis'] : ['in-process'];

describe.each(stores)('shared circuit breakers (%s)', (store) => {
  const opened: SharedBreakers[] = [];
  afterAll(() => Promise.all(opened.map((breakers) => breakers.close())));
  const open = (clock: { now: number }) => {
    const breakers = createSharedBreakers({
      redis: store === 'redis' ? { url: redisUrl!, prefix } : undefined,
      logger: silentLogger,
      service: 'test',
      name: 'test',
      failureThreshold: 3,
      resetTimeoutMs: 60_000,
      trialTimeoutMs: 10_000,
      now: () => clock.now,
    });
    opened.push(breakers);
    return breakers;
  };
  const key = () => `target-${Math.random().toString(36).slice(2)}`;

  it('opens after failures in a row, refuses until the reset time, then lets one trial decide', async () => {
    const clock = { now: 1_000_000 };
    const breakers = open(clock);
    const target = key();
    await breakers.failed(target);
    await breakers.succeeded(target);
    for (let failure = 0; failure < 3; failure++) {
      expect(await breakers.admit(target)).toEqual({ allowed: true, trial: false });
      await breakers.failed(target);
    }
    expect(await breakers.status(target)).toEqual({ state: 'open', failures: 3, openedAt: new Date(1_000_000) });
    expect(await breakers.admit(target)).toEqual({ allowed: false, retryAt: new Date(1_060_000) });
    // A call admitted before it opened proves nothing when it comes back well.
    await breakers.succeeded(target);
    expect((await breakers.status(target)).state).toBe('open');

    clock.now = 1_060_000;
    expect((await breakers.status(target)).state).toBe('half-open');
    expect(await breakers.admit(target)).toEqual({ allowed: true, trial: true });
    expect(await breakers.admit(target)).toEqual({ allowed: false, retryAt: new Date(1_070_000) });
    await breakers.failed(target);
    expect(await breakers.status(target)).toEqual({ state: 'open', failures: 4, openedAt: new Date(1_060_000) });

    clock.now = 1_120_000;
    expect(await breakers.admit(target)).toEqual({ allowed: true, trial: true });
    await breakers.succeeded(target);
    expect(await breakers.status(target)).toEqual({ state: 'closed', failures: 0, openedAt: null });
  });
});

describe.runIf(redisUrl)('shared circuit breakers on Redis', () => {
  it('is one breaker for every replica', async () => {
    const clock = { now: 2_000_000 };
    const open = () =>
      createSharedBreakers({ redis: { url: redisUrl!, prefix }, logger: silentLogger, service: 'test', name: 'test', failureThreshold: 3, resetTimeoutMs: 60_000, now: () => clock.now });
    const [first, second] = [open(), open()];
    const target = `replicated-${Math.random().toString(36).slice(2)}`;
    await first.failed(target);
    await second.failed(target);
    await first.failed(target);
    expect((await second.status(target)).state).toBe('open');
    clock.now += 60_000;
    const trials = await Promise.all([first.admit(target), second.admit(target)]);
    expect(trials.filter((admission) => admission.allowed)).toHaveLength(1);
    await Promise.all([first.close(), second.close()]);
  });
});

describe('shared circuit breakers without their Redis', () => {
  it('keep guarding calls per process, never throwing', async () => {
    const breakers = createSharedBreakers({ redis: { url: 'redis://127.0.0.1:1', prefix: 'down:' }, logger: silentLogger, service: 'test', name: 'test', failureThreshold: 2 });
    await breakers.failed('t');
    await breakers.failed('t');
    expect(await breakers.admit('t')).toMatchObject({ allowed: false });
    expect((await breakers.status('t')).state).toBe('open');
    await breakers.close();
  });
});
