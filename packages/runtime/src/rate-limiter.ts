import { LRUCache } from 'lru-cache';
import type { Logger } from './logger.ts';
import { connectRedis, outageLog, type RedisTarget } from './redis.ts';

export interface RateLimit {
  points: number;
  windowMs: number;
}

/** One budget to draw from: `cost` points of `limit`, counted under `key`. */
export interface LimitCheck {
  key: string;
  cost: number;
  limit: RateLimit;
}

export type LimitDecision = { allowed: true } | { allowed: false; refused: LimitCheck; retryAfterMs: number };

export interface RateLimiter {
  /**
   * Draws every check's cost from its budget of `scope` (a user), all or nothing: if any budget
   * is short, nothing is drawn and the first short one is named. Never throws.
   */
  consume(scope: string, checks: readonly LimitCheck[]): Promise<LimitDecision>;
  /** Whether the shared counters answer (health reports); the limiter works either way. */
  ping(): Promise<void>;
  close(): Promise<void>;
}

/** Counts of one budget: the current fixed window and the one before it. */
interface Counts {
  current: number;
  previous: number;
}

/**
 * A sliding-window estimate: the previous window's count weighted by how much of it still
 * overlaps the last `windowMs`, plus the current window's. It smooths the double burst a fixed
 * window allows at its edge, with two counters per budget.
 */
function estimate(counts: Counts, elapsedFraction: number): number {
  return counts.previous * (1 - elapsedFraction) + counts.current;
}

/** Whole milliseconds, rounded up, but not for the float noise of the fractions. */
const upToMs = (ms: number) => Math.max(1, Math.ceil(ms - 1e-6));

/** How long until `cost` more fits: within this window as the previous one fades, or in the next. */
export function retryAfterMs(counts: Counts, cost: number, limit: RateLimit, elapsedFraction: number): number {
  const { points, windowMs } = limit;
  if (cost > points) return windowMs;
  if (counts.current + cost <= points) {
    const neededFraction = 1 - (points - cost - counts.current) / counts.previous;
    return upToMs((neededFraction - elapsedFraction) * windowMs);
  }
  const intoNext = counts.current > 0 ? Math.max(0, 1 - (points - cost) / counts.current) : 0;
  return upToMs((1 - elapsedFraction + intoNext) * windowMs);
}

function windowOf(now: number, windowMs: number) {
  const index = Math.floor(now / windowMs);
  return { index, elapsedFraction: (now - index * windowMs) / windowMs };
}

/** Checks every budget, then draws from all of them, in one step: no partial draws between replicas. */
const CONSUME = `
local n = tonumber(ARGV[1])
for i = 1, n do
  local base = 1 + (i - 1) * 4
  local current = tonumber(redis.call('GET', KEYS[2 * i - 1]) or '0')
  local previous = tonumber(redis.call('GET', KEYS[2 * i]) or '0')
  if previous * tonumber(ARGV[base + 3]) + current + tonumber(ARGV[base + 1]) > tonumber(ARGV[base + 2]) then
    return {i, current, previous}
  end
end
for i = 1, n do
  local base = 1 + (i - 1) * 4
  redis.call('INCRBY', KEYS[2 * i - 1], ARGV[base + 1])
  redis.call('PEXPIRE', KEYS[2 * i - 1], ARGV[base + 4])
end
return {0}`;

function memoryStore(now: () => number) {
  const windows = new LRUCache<string, { index: number; current: number; previous: number }>({ max: 200_000 });
  const countsOf = (key: string, index: number): Counts => {
    const held = windows.get(key);
    if (!held || held.index < index - 1) return { current: 0, previous: 0 };
    return held.index === index ? { current: held.current, previous: held.previous } : { current: 0, previous: held.current };
  };
  return (scope: string, checks: readonly LimitCheck[]): LimitDecision => {
    const at = now();
    const plans = checks.map((check) => {
      const key = `${scope}:${check.key}:${check.limit.windowMs}`;
      const { index, elapsedFraction } = windowOf(at, check.limit.windowMs);
      return { check, key, index, elapsedFraction, counts: countsOf(key, index) };
    });
    for (const plan of plans) {
      if (estimate(plan.counts, plan.elapsedFraction) + plan.check.cost > plan.check.limit.points) {
        return { allowed: false, refused: plan.check, retryAfterMs: retryAfterMs(plan.counts, plan.check.cost, plan.check.limit, plan.elapsedFraction) };
      }
    }
    for (const plan of plans) {
      windows.set(plan.key, { index: plan.index, current: plan.counts.current + plan.check.cost, previous: plan.counts.previous });
    }
    return { allowed: true };
  };
}

/**
 * Per-user budgets, shared by every replica through Redis. While Redis cannot answer (within the
 * connection's 100 ms command timeout, or at once when it is known to be down) each process
 * counts on its own — a looser limit, never a failed request — and says so in the log once.
 */
export function createRateLimiter(options: { redis?: RedisTarget; logger: Logger; service: string; now?: () => number }): RateLimiter {
  const now = options.now ?? Date.now;
  const local = memoryStore(now);
  if (!options.redis) return { consume: async (scope, checks) => local(scope, checks), ping: async () => {}, close: async () => {} };
  const { prefix } = options.redis;
  const redis = connectRedis(options.redis.url, options.logger, `${options.service}-rate-limits`);
  const outage = outageLog(options.logger, 'rate limits on Redis', 'counting per process until Redis returns');
  return {
    async consume(scope, checks) {
      if (!checks.length) return { allowed: true };
      const at = now();
      const windows = checks.map((check) => windowOf(at, check.limit.windowMs));
      // One hash tag per user: a Redis Cluster keeps all of a user's counters in one slot.
      const keys = checks.flatMap((check, index) => {
        const base = `${prefix}ratelimit:{${scope}}:${check.key}:${check.limit.windowMs}`;
        return [`${base}:${windows[index]!.index}`, `${base}:${windows[index]!.index - 1}`];
      });
      const args = checks.flatMap((check, index) => [
        String(check.cost),
        String(check.limit.points),
        String(1 - windows[index]!.elapsedFraction),
        String(check.limit.windowMs * 2),
      ]);
      try {
        const [refusedAt, current, previous] = (await redis.eval(CONSUME, keys.length, ...keys, String(checks.length), ...args)) as number[];
        outage.succeeded();
        if (!refusedAt) return { allowed: true };
        const refused = checks[refusedAt - 1]!;
        const counts = { current: Number(current), previous: Number(previous) };
        return { allowed: false, refused, retryAfterMs: retryAfterMs(counts, refused.cost, refused.limit, windows[refusedAt - 1]!.elapsedFraction) };
      } catch (error) {
        outage.failed(error);
        return local(scope, checks);
      }
    },
    ping: async () => {
      await redis.ping();
    },
    close: async () => {
      await redis.quit().catch(() => undefined);
    },
  };
}
