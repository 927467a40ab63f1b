import { describe, expect, it } from 'vitest';
import { statsFromTotals } from './workflow-stats.ts';

describe('statsFromTotals', () => {
  it('has no stats for a workflow that never ran', () => {
    expect(statsFromTotals(undefined)).toEqual({ successRate: null, avgExecutionTimeMs: null });
    expect(statsFromTotals({ total: 0, succeeded: 0, avgExecutionTimeMs: null })).toEqual({ successRate: null, avgExecutionTimeMs: null });
  });

  it('divides successes by all executions, failures included', () => {
    expect(statsFromTotals({ total: 4, succeeded: 3, avgExecutionTimeMs: 25 })).toEqual({ successRate: 0.75, avgExecutionTimeMs: 25 });
    expect(statsFromTotals({ total: 2, succeeded: 0, avgExecutionTimeMs: 5.5 })).toEqual({ successRate: 0, avgExecutionTimeMs: 5.5 });
  });
});
