/** One delivery attempt as the receiver answered it, or did not. */
export interface AttemptResult {
  statusCode?: number;
  /** The Retry-After header, when the answer had one. */
  retryAfter?: string | null;
  error?: string;
}

export type Verdict =
  | { outcome: 'succeeded' }
  /** Try again; `afterMs` when the receiver said when; `targetFailed` when it counts against the target's breaker. */
  | { outcome: 'retry'; afterMs?: number; targetFailed: boolean; reason: string }
  | { outcome: 'permanent'; reason: string };

const UNITS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 };

/**
 * `ACTION_RETRY_SCHEDULE`: when each attempt is made, after the run is created or after the
 * previous attempt: `0,5s,30s,2m,10m,1h` is six attempts, the first at once. Its length is the
 * most attempts a run gets.
 */
export function parseRetrySchedule(text: string): { delaysMs: number[]; problem?: string } {
  const delaysMs: number[] = [];
  for (const entry of text.split(',').map((part) => part.trim())) {
    const match = /^(\d+)(ms|s|m|h)?$/.exec(entry);
    if (!match) return { delaysMs, problem: `"${entry}" is not a delay such as 0, 500ms, 5s, 2m or 1h` };
    delaysMs.push(Number(match[1]) * UNITS[match[2] ?? 's']!);
  }
  return delaysMs.length ? { delaysMs } : { delaysMs, problem: 'the schedule needs at least one attempt' };
}

/** Spread of the delay before a retry, so the runs of one outage do not all return at the same instant. */
const JITTER = 0.2;

/** How long to wait before the attempt after `attemptsMade`; undefined when the schedule is spent. */
export function retryDelayMs(delaysMs: readonly number[], attemptsMade: number, random: () => number = Math.random): number | undefined {
  const delay = delaysMs[attemptsMade];
  if (delay === undefined) return undefined;
  return Math.round(delay * (1 + (random() * 2 - 1) * JITTER));
}

/** A Retry-After header (seconds or an HTTP date) in milliseconds from now. */
export function retryAfterMs(header: string | null | undefined, now = Date.now()): number | undefined {
  if (!header) return undefined;
  if (/^\d+$/.test(header.trim())) return Number(header.trim()) * 1000;
  const at = Date.parse(header);
  return Number.isNaN(at) ? undefined : Math.max(0, at - now);
}

/**
 * What an answer means: 2xx succeeded; 429 and 503 come back later, when Retry-After says; other
 * 5xx, timeouts and broken connections are retried and count against the target; a redirect (not
 * followed) and every other 4xx are permanent: the request itself is wrong, and sending it again
 * will not change that.
 */
export function judgeAttempt(result: AttemptResult, now = Date.now()): Verdict {
  const status = result.statusCode;
  if (result.error || status === undefined) return { outcome: 'retry', targetFailed: true, reason: result.error ?? 'no answer' };
  if (status >= 200 && status < 300) return { outcome: 'succeeded' };
  if (status === 429 || status === 503) {
    return { outcome: 'retry', afterMs: retryAfterMs(result.retryAfter, now), targetFailed: status === 503, reason: `HTTP ${status}` };
  }
  if (status >= 500) return { outcome: 'retry', targetFailed: true, reason: `HTTP ${status}` };
  if (status >= 300 && status < 400) return { outcome: 'permanent', reason: `HTTP ${status}: redirects are not followed; give the target its final URL` };
  return { outcome: 'permanent', reason: `HTTP ${status}: the receiver refused the request; it will not be sent again` };
}
