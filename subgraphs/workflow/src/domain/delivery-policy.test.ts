import { describe, expect, it } from 'vitest';
import { judgeAttempt, parseRetrySchedule, retryAfterMs, retryDelayMs } from './delivery-policy.ts';

describe('retry schedule', () => {
  it('reads the default and any other, and names what it cannot read', () => {
    expect(parseRetrySchedule('0,5s,30s,2m,10m,1h')).toEqual({ delaysMs: [0, 5_000, 30_000, 120_000, 600_000, 3_600_000] });
    expect(parseRetrySchedule('250ms, 1')).toEqual({ delaysMs: [250, 1_000] });
    expect(parseRetrySchedule('0,soon').problem).toBe('"soon" is not a delay such as 0, 500ms, 5s, 2m or 1h');
  });

  it('spreads each delay by up to 20 % and ends when the schedule is spent', () => {
    const delays = [0, 5_000, 30_000];
    expect(retryDelayMs(delays, 1, () => 0)).toBe(4_000);
    expect(retryDelayMs(delays, 1, () => 1)).toBe(6_000);
    expect(retryDelayMs(delays, 2, () => 0.5)).toBe(30_000);
    expect(retryDelayMs(delays, 3)).toBeUndefined();
  });
});

describe('attempt verdicts', () => {
  it('succeed on 2xx, retry 5xx and silence against the target, and give up on other 4xx and redirects', () => {
    expect(judgeAttempt({ statusCode: 204 })).toEqual({ outcome: 'succeeded' });
    expect(judgeAttempt({ statusCode: 500 })).toEqual({ outcome: 'retry', targetFailed: true, reason: 'HTTP 500' });
    expect(judgeAttempt({ error: 'no answer within 10000 ms' })).toEqual({ outcome: 'retry', targetFailed: true, reason: 'no answer within 10000 ms' });
    expect(judgeAttempt({ statusCode: 404 })).toMatchObject({ outcome: 'permanent' });
    expect(judgeAttempt({ statusCode: 301 })).toMatchObject({ outcome: 'permanent', reason: expect.stringContaining('redirects are not followed') });
  });

  it('come back when Retry-After says on 429 and 503, in seconds or as a date', () => {
    const now = Date.parse('2026-12-01T09:00:00Z');
    expect(judgeAttempt({ statusCode: 429, retryAfter: '30' }, now)).toEqual({ outcome: 'retry', afterMs: 30_000, targetFailed: false, reason: 'HTTP 429' });
    expect(judgeAttempt({ statusCode: 503, retryAfter: 'Tue, 01 Dec 2026 09:02:00 GMT' }, now)).toEqual({ outcome: 'retry', afterMs: 120_000, targetFailed: true, reason: 'HTTP 503' });
    expect(retryAfterMs('soon')).toBeUndefined();
  });
});
