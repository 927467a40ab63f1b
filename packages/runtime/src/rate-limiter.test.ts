import { afterAll, describe, expect, it } from 'vitest';
import { createRateLimiter, retryAfterMs, type RateLimiter } from './rate-limiter.ts';
import { dropRedisPrefix, silentLogger, testRedisPrefix, testRedisUrl } from './testing/index.ts';

const minute = { points: 3, windowMs: 60_000 };
const check = (key: string, cost = 1, limit = minute) => ({ key, cost, limit });

const redisUrl = testRedisUrl();
const prefixes: string[] = [];
afterAll(async () => {
  if (redisUrl) await Promise.all(prefixes.map((prefix) => dropRedisPrefix(redisUrl, prefix)));
});

/** A limiter on a clock the test moves: in memory, or on Redis with a prefix of its own. */
function limiterAt(store: 'memory' | 'redis', start = Date.UTC(2026, 11, 1, 9, 0, 0)) {
  const clock = { now: start };
  const prefix = testRedisPrefix();
  prefixes.push(prefix);
  const limiter = createRateLimiter({
    redis: store === 'redis' ? { url: redisUrl!, prefix } : undefined,
    logger: silentLogger,
    service: 'test',
    now: () => clock.now,
  });
  return { limiter, clock, prefix };
}

const stores: Array<'memory' | 'redis'> = redisUrl ? ['memory', 'redis'] : ['memory'];

describe.each(stores)('rate limiter (%s)', (store) => {
  const opened: RateLimiter[] = [];
  afterAll(() => Promise.all(opened.map((limiter) => limiter.close())));
  const open = (start?: number) => {
    const made = limiterAt(store, start);
    opened.push(made.limiter);
    return made;
  };

  it('allows a budget, then refuses with how long until it fits again', async () => {
    const { limiter } = open();
    for (let call = 0; call < 3; call++) expect(await limiter.consume('acme:ada', [check('executeJudgment')])).toEqual({ allowed: true });
    const refused = await limiter.consume('acme:ada', [check('executeJudgment')]);
    expect(refused).toMatchObject({ allowed: false, refused: { key: 'executeJudgment' } });
    // In the next window the three still weigh (1 - elapsed): one more fits a third of the way in.
    expect(refused.allowed === false && refused.retryAfterMs).toBe(80_000);
  });

  it('counts each user and each field on its own', async () => {
    const { limiter } = open();
    await limiter.consume('acme:ada', [check('executeJudgment', 3)]);
    expect((await limiter.consume('acme:otto', [check('executeJudgment')])).allowed).toBe(true);
    expect((await limiter.consume('acme:ada', [check('workflows')])).allowed).toBe(true);
    expect((await limiter.consume('acme:ada', [check('executeJudgment')])).allowed).toBe(false);
  });

  it('draws all or nothing: a refused operation spends none of its other budgets', async () => {
    const { limiter } = open();
    await limiter.consume('acme:ada', [check('generateView', 3)]);
    const refused = await limiter.consume('acme:ada', [check('workflows', 2), check('generateView')]);
    expect(refused).toMatchObject({ allowed: false, refused: { key: 'generateView' } });
    expect((await limiter.consume('acme:ada', [check('workflows', 3)])).allowed).toBe(true);
  });

  it('slides: the previous window counts for the part of it still within the last minute', async () => {
    const { limiter, clock } = open();
    await limiter.consume('acme:ada', [check('executeJudgment', 3)]);
    // Half-way into the next window, half of the previous three still count: 1.5 + 1 fits, 1.5 + 2 does not.
    clock.now += 90_000;
    expect((await limiter.consume('acme:ada', [check('executeJudgment')])).allowed).toBe(true);
    const refused = await limiter.consume('acme:ada', [check('executeJudgment', 1)]);
    expect(refused.allowed).toBe(false);
    // 1.5 + 1 + 1 = 3.5 > 3: it fits once the old window's share drops to 1, a sixth of a minute on.
    expect(refused.allowed === false && refused.retryAfterMs).toBe(10_000);
    clock.now += 10_000;
    expect((await limiter.consume('acme:ada', [check('executeJudgment')])).allowed).toBe(true);
  });

  it('refuses an operation that alone asks for more than the whole budget', async () => {
    const { limiter } = open();
    const refused = await limiter.consume('acme:ada', [check('generateView', 4)]);
    expect(refused).toMatchObject({ allowed: false, retryAfterMs: 60_000 });
  });
});

describe.runIf(redisUrl)('rate limiter on Redis', () => {
  it('is shared by replicas: two limiters on one Redis and prefix draw from one budget', async () => {
    const { limiter: first, prefix, clock } = limiterAt('redis');
    const second = createRateLimiter({ redis: { url: redisUrl!, prefix }, logger: silentLogger, service: 'test', now: () => clock.now });
    await first.consume('acme:ada', [check('executeJudgment', 2)]);
    expect((await second.consume('acme:ada', [check('executeJudgment')])).allowed).toBe(true);
    expect((await first.consume('acme:ada', [check('executeJudgment')])).allowed).toBe(false);
    // Another deployment on the same Redis has budgets of its own.
    const { limiter: elsewhere } = limiterAt('redis', clock.now);
    expect((await elsewhere.consume('acme:ada', [check('executeJudgment', 3)])).allowed).toBe(true);
    await Promise.all([first.close(), second.close(), elsewhere.close()]);
  });
});

describe('rate limiter without its Redis', () => {
  it('counts in the process, at once, and never throws', async () => {
    const limiter = createRateLimiter({ redis: { url: 'redis://127.0.0.1:1', prefix: 'down:' }, logger: silentLogger, service: 'test' });
    const started = performance.now();
    for (let call = 0; call < 3; call++) expect((await limiter.consume('acme:ada', [check('executeJudgment')])).allowed).toBe(true);
    expect((await limiter.consume('acme:ada', [check('executeJudgment')])).allowed).toBe(false);
    expect(performance.now() - started).toBeLessThan(2_000);
    await expect(limiter.ping()).rejects.toThrow();
    await limiter.close();
  });
});

describe('retry-after', () => {
  it('is the time until the previous window has faded enough, or until the next window', () => {
    expect(retryAfterMs({ current: 1, previous: 4 }, 1, { points: 4, windowMs: 1000 }, 0)).toBe(500);
    expect(retryAfterMs({ current: 4, previous: 0 }, 1, { points: 4, windowMs: 1000 }, 0.25)).toBe(1000);
    expect(retryAfterMs({ current: 0, previous: 0 }, 5, { points: 4, windowMs: 1000 }, 0)).toBe(1000);
  });
});
