import { describe, expect, it } from 'vitest';
import { apiSchema } from '../../../../test/support.ts';
import { checkView } from '../check-view.ts';
import { evaluatePrompts } from './evaluate.ts';
import { planView } from './index.ts';
import { PROMPT_CASES, PROMPT_NOW, PROMPT_WORKFLOWS } from './prompts.ts';

const results = evaluatePrompts(PROMPT_CASES);

describe('the embedded planner on its prompt set', () => {
  it('holds at least 60 prompts, in Korean and in English', () => {
    expect(PROMPT_CASES.length).toBeGreaterThanOrEqual(60);
    expect(PROMPT_CASES.filter((c) => /[가-힣]/.test(c.prompt)).length).toBeGreaterThanOrEqual(25);
    expect(PROMPT_CASES.filter((c) => !/[가-힣]/.test(c.prompt)).length).toBeGreaterThanOrEqual(25);
  });

  it('reads at least 90 % of them exactly as expected: metric, range, grouping, workflow and chart', () => {
    const wrong = results.filter((result) => !result.right).map(({ prompt, expected, got }) => ({ prompt, expected, got }));
    expect(wrong.length / results.length, JSON.stringify(wrong, null, 1)).toBeLessThanOrEqual(0.1);
  });

  it('never draws a chart for a prompt it should not read, and answers those with what it understood and examples', () => {
    for (const result of results.filter((r) => r.expected === null)) {
      expect(result.view.kind, result.prompt).toBe('unread');
      if (result.view.kind === 'unread') {
        expect(result.view.suggestions.length).toBeGreaterThan(0);
        expect(result.view.interpretation.length).toBeGreaterThan(10);
      }
    }
  });

  it('makes only views that pass the same checks as any view: query against the API schema, chart against Vega-Lite and the query’s fields', () => {
    for (const result of results) {
      if (result.view.kind !== 'view') continue;
      expect(checkView(apiSchema, result.view, 'view'), result.prompt).toEqual([]);
    }
  });
});

describe('planner details', () => {
  const plan = (prompt: string, timeZone = 'UTC') => planView(prompt, { workflows: PROMPT_WORKFLOWS, now: PROMPT_NOW, timeZone });

  it('passes relative ranges as variables, so a saved view rolls forward when rerun', () => {
    const view = plan('success rate by day last week', 'Asia/Seoul');
    expect(view.kind).toBe('view');
    if (view.kind !== 'view') return;
    expect(view.variables).toEqual({ filter: { period: 'LAST_WEEK', timeZone: 'Asia/Seoul', bucket: 'DAY' } });
    expect(view.query).toContain('judgmentMetrics(filter: $filter)');
    expect(view.dataPath).toBe('judgmentMetrics.points');
    expect(view.interpretation).toBe('Success rate · last week (Asia/Seoul) · by day · all workflows · line chart');
  });

  it('filters by the workflow named, by id, and says which in the interpretation', () => {
    const view = plan('품질검사 워크플로 오늘 성공률', 'Asia/Seoul');
    expect(view.kind === 'view' && view.variables).toEqual({ filter: { period: 'TODAY', timeZone: 'Asia/Seoul', workflowId: PROMPT_WORKFLOWS[1]!.id } });
    expect(view.kind === 'view' && view.interpretation).toContain('워크플로 “품질검사”');
  });

  it('says which workflow it could not find rather than charting all of them', () => {
    const view = plan('success rate for the Paint Shop workflow');
    expect(view).toMatchObject({ kind: 'unread', interpretation: expect.stringContaining('no workflow named “paint shop”') });
  });

  it('warns when it swaps a named chart that cannot show the shape, and when it picks the range itself', () => {
    const view = plan('failure rate by workflow as a pie');
    expect(view.kind === 'view' && view.warnings).toEqual(['No range was named: showing the last 7 days.', 'A pie chart cannot show this shape of data; drawn as a bar chart.']);
  });

  it('names the other metrics a prompt asked for when it shows one', () => {
    const view = plan('success rate and average confidence today');
    expect(view.kind === 'view' && view.plan.metric).toBe('SUCCESS_RATE');
    expect(view.kind === 'view' && view.warnings[0]).toContain('Average confidence');
  });
});
