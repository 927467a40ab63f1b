import type { InputProblem } from '@judgify/runtime/validation';
import { validateInput } from '@judgify/runtime/validation';
import { describe, expect, it } from 'vitest';
import { createDashboardInput } from './dashboard.ts';

const view = (overrides: Record<string, unknown> = {}) => ({
  title: 'Success rate',
  query: '{ workflows { id name successRate } }',
  chart: { type: 'BAR' },
  ...overrides,
});

function problemsOf(views: unknown[]): InputProblem[] {
  try {
    validateInput(createDashboardInput, { name: 'Ops', views });
  } catch (error) {
    return (error as { extensions: { problems: InputProblem[] } }).extensions.problems;
  }
  return [];
}

describe('dashboard view validation', () => {
  it('accepts a titled read-only query with a chart type and an optional spec object', () => {
    const spec = { mark: 'bar', encoding: { x: { field: 'name' }, y: { field: 'successRate' } } };
    expect(problemsOf([view(), view({ chart: { type: 'KPI', spec } }), view({ chart: { type: 'PIE', spec: null } })])).toEqual([]);
  });

  it('accepts named queries, variables and fragments', () => {
    const query = 'query Rates($first: Int) { workflows(first: $first) { ...Rate } } fragment Rate on Workflow { successRate }';
    expect(problemsOf([view({ query })])).toEqual([]);
  });

  it('trims the title and keeps it within 1–120 characters', () => {
    const valid = validateInput(createDashboardInput, { name: 'Ops', views: [view({ title: '  Rate  ' })] });
    expect(valid.views?.[0]?.title).toBe('Rate');
    expect(problemsOf([view({ title: '   ' }), view({ title: 't'.repeat(121) }), view({ title: 't'.repeat(120) })])).toEqual([
      { path: 'input.views[0].title', message: 'title must not be empty' },
      { path: 'input.views[1].title', message: 'title must be at most 120 characters' },
    ]);
  });

  it('reports the parse error of a query that is not GraphQL, with its position', () => {
    expect(problemsOf([view({ query: '{ workflows { id ' })])).toEqual([
      { path: 'input.views[0].query', message: 'query is not a valid GraphQL document: Syntax Error: Expected Name, found <EOF>. (line 1, column 18)' },
    ]);
  });

  it('bounds a query by length, tokens and nesting instead of failing on it', () => {
    expect(problemsOf([view({ query: `{ ${'a '.repeat(10_001)}}` })])).toContainEqual({
      path: 'input.views[0].query',
      message: 'query must be at most 20000 characters',
    });
    expect(problemsOf([view({ query: `{ ${'a '.repeat(2_500)}}` })])[0]?.message).toContain('Document contains more that 2000 tokens');
    const deep = `{ ${'a { '.repeat(4_000)}b${' }'.repeat(4_000)} }`;
    expect(problemsOf([view({ query: deep })])[0]?.message).toMatch(/^query (must be at most|is not a valid GraphQL document)/);
  });

  it('requires exactly one operation', () => {
    expect(problemsOf([view({ query: 'query A { workflows { id } } query B { workflows { name } }' }), view({ query: 'fragment F on Workflow { id }' })])).toEqual([
      { path: 'input.views[0].query', message: 'query must contain exactly one operation; found 2' },
      { path: 'input.views[1].query', message: 'query must contain exactly one operation; found 0' },
    ]);
  });

  it('refuses mutations and subscriptions', () => {
    const mutation = 'mutation { deleteWorkflow(id: "1") }';
    const subscription = 'subscription { judgmentCompleted { id } }';
    expect(problemsOf([view({ query: mutation }), view({ query: subscription })])).toEqual([
      { path: 'input.views[0].query', message: 'query must be a read-only query operation, not a mutation' },
      { path: 'input.views[1].query', message: 'query must be a read-only query operation, not a subscription' },
    ]);
  });

  it('refuses type definitions beside the operation', () => {
    expect(problemsOf([view({ query: '{ workflows { id } } type Extra { id: ID }' })])).toEqual([
      { path: 'input.views[0].query', message: 'query may contain only one query operation and its fragments, not type definitions' },
    ]);
  });

  it('requires a known chart type and a spec that is a JSON object', () => {
    expect(problemsOf([view({ chart: { type: 'AREA' } }), view({ chart: { type: 'LINE', spec: ['mark', 'line'] } })])).toEqual([
      { path: 'input.views[0].chart.type', message: 'chart type must be one of BAR, LINE, PIE, GAUGE, KPI' },
      { path: 'input.views[1].chart.spec', message: 'chart spec must be a JSON object (Vega-Lite or equivalent)' },
    ]);
  });

  it('allows at most 12 views and still reports the problems inside them', () => {
    expect(problemsOf(Array.from({ length: 12 }, () => view()))).toEqual([]);
    const thirteen = Array.from({ length: 13 }, (_, index) => view(index === 2 ? { chart: { type: 'DONUT' } } : {}));
    expect(problemsOf(thirteen)).toEqual([
      { path: 'input.views[2].chart.type', message: 'chart type must be one of BAR, LINE, PIE, GAUGE, KPI' },
      { path: 'input.views', message: 'a dashboard has at most 12 views; got 13' },
    ]);
  });
});
