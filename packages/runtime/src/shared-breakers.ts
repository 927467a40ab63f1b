import type { Logger } from './logger.ts';
import { connectRedis, outageLog, type RedisTarget } from './redis.ts';

export type SharedBreakerState = 'closed' | 'open' | 'half-open';

export interface SharedBreakerStatus {
  state: SharedBreakerState;
  /** Consecutive failures counted so far. */
  failures: number;
  /** When it last opened, while it is open or half-open. */
  openedAt: Date | null;
}

/** Whether a call may go out now: a half-open breaker lets exactly one trial through at a time. */
export type Admission = { allowed: true; trial: boolean } | { allowed: false; retryAt: Date };

/**
 * Circuit breakers by key (an action target, a partner subscription), shared by every replica
 * through Redis, in-process when there is none. Consecutive failures open one; once the reset
 * time has passed it lets one trial call through, whose outcome closes or reopens it. While Redis
 * cannot answer, each process keeps its own breakers, so calls are still guarded.
 */
export interface SharedBreakers {
  admit(key: string): Promise<Admission>;
  succeeded(key: string): Promise<void>;
  failed(key: string): Promise<void>;
  status(key: string): Promise<SharedBreakerStatus>;
  close(): Promise<void>;
}

export interface SharedBreakerOptions {
  redis?: RedisTarget;
  logger: Logger;
  service: string;
  /** Names the breakers' keys: `<prefix>breaker:<name>:<key>`. */
  name: string;
  failureThreshold?: number;
  resetTimeoutMs?: number;
  /** How long one trial call may take before another may be let through. */
  trialTimeoutMs?: number;
  now?: () => number;
}

interface Held {
  failures: number;
  openedAt: number;
  openUntil: number;
  trialUntil: number;
}

const ADMIT = `
local openUntil = tonumber(redis.call('HGET', KEYS[1], 'openUntil') or '0')
local now = tonumber(ARGV[1])
if openUntil == 0 then return {1, 0} end
if now < openUntil then return {0, openUntil} end
local trialUntil = tonumber(redis.call('HGET', KEYS[1], 'trialUntil') or '0')
if now < trialUntil then return {0, trialUntil} end
redis.call('HSET', KEYS[1], 'trialUntil', now + tonumber(ARGV[2]))
return {1, 1}`;

const FAILED = `
local now = tonumber(ARGV[1])
local failures = redis.call('HINCRBY', KEYS[1], 'failures', 1)
local openUntil = tonumber(redis.call('HGET', KEYS[1], 'openUntil') or '0')
if (openUntil > 0 and now >= openUntil) or (openUntil == 0 and failures >= tonumber(ARGV[2])) then
  redis.call('HSET', KEYS[1], 'openUntil', now + tonumber(ARGV[3]), 'openedAt', now, 'trialUntil', 0)
end
redis.call('PEXPIRE', KEYS[1], tonumber(ARGV[4]))`;

/** A success closes the breaker, unless it is open: a call admitted before it opened proves nothing. */
const SUCCEEDED = `
local openUntil = tonumber(redis.call('HGET', KEYS[1], 'openUntil') or '0')
if openUntil > 0 and tonumber(ARGV[1]) < openUntil then return 0 end
redis.call('DEL', KEYS[1])
return 1`;

function statusOf(held: Held | undefined, now: number): SharedBreakerStatus {
  if (!held?.openUntil) return { state: 'closed', failures: held?.failures ?? 0, openedAt: null };
  return { state: now < held.openUntil ? 'open' : 'half-open', failures: held.failures, openedAt: new Date(held.openedAt) };
}

export function createSharedBreakers(options: SharedBreakerOptions): SharedBreakers {
  const now = options.now ?? Date.now;
  const threshold = options.failureThreshold ?? 5;
  const resetMs = options.resetTimeoutMs ?? 60_000;
  const trialMs = options.trialTimeoutMs ?? 30_000;
  const local = new Map<string, Held>();
  const inProcess: SharedBreakers = {
    async admit(key) {
      const held = local.get(key);
      const at = now();
      if (!held?.openUntil) return { allowed: true, trial: false };
      if (at < held.openUntil) return { allowed: false, retryAt: new Date(held.openUntil) };
      if (at < held.trialUntil) return { allowed: false, retryAt: new Date(held.trialUntil) };
      held.trialUntil = at + trialMs;
      return { allowed: true, trial: true };
    },
    async failed(key) {
      const at = now();
      const held = local.get(key) ?? { failures: 0, openedAt: 0, openUntil: 0, trialUntil: 0 };
      held.failures += 1;
      if ((held.openUntil && at >= held.openUntil) || (!held.openUntil && held.failures >= threshold)) {
        Object.assign(held, { openUntil: at + resetMs, openedAt: at, trialUntil: 0 });
      }
      local.set(key, held);
    },
    async succeeded(key) {
      const held = local.get(key);
      if (held?.openUntil && now() < held.openUntil) return;
      local.delete(key);
    },
    status: async (key) => statusOf(local.get(key), now()),
    close: async () => local.clear(),
  };
  if (!options.redis) return inProcess;

  const redis = connectRedis(options.redis.url, options.logger, `${options.service}-breakers`);
  const keyOf = (key: string) => `${options.redis!.prefix}breaker:${options.name}:${key}`;
  const outage = outageLog(options.logger, `shared ${options.name} breakers`, 'each process keeps its own until Redis returns');
  // Kept well beyond any reset time, so an idle breaker's state does not outlive its relevance forever.
  const ttlMs = Math.max(resetMs * 10, 3_600_000);
  const guarded = async <T>(shared: () => Promise<T>, fallback: () => Promise<T>): Promise<T> => {
    try {
      const result = await shared();
      outage.succeeded();
      return result;
    } catch (error) {
      outage.failed(error);
      return fallback();
    }
  };
  return {
    admit: (key) =>
      guarded(async () => {
        const [allowed, value] = (await redis.eval(ADMIT, 1, keyOf(key), String(now()), String(trialMs))) as [number, number];
        return allowed ? { allowed: true as const, trial: value === 1 } : { allowed: false as const, retryAt: new Date(Number(value)) };
      }, () => inProcess.admit(key)),
    failed: (key) =>
      guarded(async () => {
        await redis.eval(FAILED, 1, keyOf(key), String(now()), String(threshold), String(resetMs), String(ttlMs));
      }, () => inProcess.failed(key)),
    succeeded: (key) =>
      guarded(async () => {
        await redis.eval(SUCCEEDED, 1, keyOf(key), String(now()));
      }, () => inProcess.succeeded(key)),
    status: (key) =>
      guarded(async () => {
        const held = (await redis.hgetall(keyOf(key))) as Record<string, string>;
        const numbers = { failures: Number(held.failures ?? 0), openedAt: Number(held.openedAt ?? 0), openUntil: Number(held.openUntil ?? 0), trialUntil: Number(held.trialUntil ?? 0) };
        return statusOf(numbers, now());
      }, () => inProcess.status(key)),
    close: async () => {
      await redis.quit().catch(() => undefined);
    },
  };
}
