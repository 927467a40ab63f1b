import { describe, expect, it } from 'vitest';
import { rowsAt } from './rows.ts';

describe('the rows a view draws', () => {
  const data = { judgmentMetrics: { points: [{ start: '2026-12-01T00:00:00Z', count: 3 }, null, 7] }, judgmentStats: { count: 10, successRate: 0.9 } };

  it('reads the list at a dotted path, keeping only objects', () => {
    expect(rowsAt(data, 'judgmentMetrics.points')).toEqual([{ start: '2026-12-01T00:00:00Z', count: 3 }]);
  });

  it('draws a single object as one row (a KPI or a gauge)', () => {
    expect(rowsAt(data, 'judgmentStats')).toEqual([{ count: 10, successRate: 0.9 }]);
  });

  it('has no rows where the path leads nowhere or the query failed', () => {
    expect(rowsAt(data, 'judgmentMetrics.missing.deeper')).toEqual([]);
    expect(rowsAt(null, 'judgmentStats')).toEqual([]);
    expect(rowsAt(data.judgmentMetrics.points, '')).toEqual([{ start: '2026-12-01T00:00:00Z', count: 3 }]);
  });
});
