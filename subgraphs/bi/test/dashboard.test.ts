import type { Identity } from '@judgify/runtime/identity';
import { identities } from '@judgify/runtime/testing';
import { createTestSubgraph, describeSubgraphBasics, type TestSubgraph } from '@judgify/runtime/testing/subgraph';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createBiApp } from './support.ts';
import * as tables from '../src/db/schema.ts';
import { schema } from '../src/schema/index.ts';
import { migrationsFolder } from '../src/service.ts';

const initechOperator: Identity = { userId: 'ivan', tenantId: 'initech', roles: ['operator'] };

const successRateView = {
  title: 'Success rate by workflow',
  query: 'query SuccessRate { workflows(first: 50) { name successRate } }',
  variables: null,
  dataPath: 'workflows',
  chart: { type: 'BAR', spec: { data: { name: 'rows' }, mark: 'bar', encoding: { x: { field: 'name', type: 'nominal' }, y: { field: 'successRate', type: 'quantitative' } } } },
};
const judgmentCountView = { title: 'Judgments today', query: '{ workflows { id } }', chart: { type: 'KPI' } };

const CREATE = /* GraphQL */ `
  mutation Create($input: CreateDashboardInput!) {
    createDashboard(input: $input) {
      id name description createdAt updatedAt createdBy cursor
      views { id title query variables dataPath chart { type spec } }
    }
  }
`;

let subgraph: TestSubgraph<typeof tables>;
beforeAll(async () => {
  subgraph = await createTestSubgraph({ service: 'bi', tables, migrationsFolder, outbox: tables.outbox, createApp: createBiApp() });
});
afterAll(() => subgraph.close());

const create = (input: Record<string, unknown>, identity: Identity = identities.acmeOperator) =>
  subgraph.execute(identity, CREATE, { input });

const problemPaths = (result: Awaited<ReturnType<typeof create>>) =>
  result.errors?.[0]?.extensions?.problems.map((problem: { path: string }) => problem.path);

describeSubgraphBasics({
  subgraph: () => subgraph,
  schema,
  committedSchema: new URL('../schema.graphql', import.meta.url),
  reader: identities.acmeViewer,
  lookups: ['dashboard'],
  lists: ['dashboards'],
});

describe('bi subgraph', () => {

  it('saves a dashboard for an operator and lets a viewer of the tenant read it back', async () => {
    const created = await create({ name: ' Line 3 ', description: 'shift overview', views: [successRateView, judgmentCountView] });
    expect(created.errors).toBeUndefined();
    const dashboard = created.data?.createDashboard;
    expect(dashboard).toMatchObject({
      name: 'Line 3',
      description: 'shift overview',
      createdBy: 'otto',
      views: [successRateView, { ...judgmentCountView, variables: null, dataPath: null, chart: { type: 'KPI', spec: null } }],
    });
    expect(new Set(dashboard.views.map((view: { id: string }) => view.id)).size).toBe(2);
    expect(dashboard.createdAt).toBe(dashboard.updatedAt);

    const read = await subgraph.execute(
      identities.acmeViewer,
      `query($id: ID!) { dashboard(id: $id) { id name views { title chart { type } } } }`,
      { id: dashboard.id },
    );
    expect(read).toEqual({
      data: {
        dashboard: {
          id: dashboard.id,
          name: 'Line 3',
          views: [
            { title: 'Success rate by workflow', chart: { type: 'BAR' } },
            { title: 'Judgments today', chart: { type: 'KPI' } },
          ],
        },
      },
    });
  });

  it('reports a view that cannot run on the view alone: without a user request behind it there is no one to run it as', async () => {
    const created = await create({ name: 'Without a grant', views: [judgmentCountView] });
    const read = await subgraph.execute(identities.acmeViewer, `query($id: ID!) { dashboard(id: $id) { name views { title data dataErrors { code message } } } }`, {
      id: created.data?.createDashboard.id,
    });
    expect(read.errors).toBeUndefined();
    expect(read.data?.dashboard).toEqual({
      name: 'Without a grant',
      views: [
        {
          title: 'Judgments today',
          data: null,
          dataErrors: [
            {
              code: 'UNAUTHENTICATED',
              message:
                'The bi service has no user request to act for here, so it cannot call the supergraph: background work acts only on its own data, in the tenant of the event it handles.',
            },
          ],
        },
      ],
    });
  });

  it('starts a dashboard without views when none are given', async () => {
    const created = await create({ name: 'Empty for now' });
    expect(created.data?.createDashboard).toMatchObject({ name: 'Empty for now', description: null, views: [] });
  });

  it('reports every invalid field at once with its path', async () => {
    const result = await create({
      name: '',
      description: 'd'.repeat(501),
      views: [{ ...successRateView, title: '' }, { ...judgmentCountView, query: 'mutation { deleteWorkflow(id: "x") { id } }' }, { ...judgmentCountView, query: '{ workflows {' }],
    });
    expect(result.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
    expect(problemPaths(result)).toEqual(['input.name', 'input.description', 'input.views[0].title', 'input.views[1].query', 'input.views[2].query']);
    expect(result.errors?.[0]?.message).toContain('input.views[2].query: query is not a valid GraphQL document: Expected Name, found <EOF>');
  });

  it('refuses more than 12 views', async () => {
    const result = await create({ name: 'Too busy', views: Array.from({ length: 13 }, () => judgmentCountView) });
    expect(result.errors?.[0]?.extensions?.problems).toEqual([{ path: 'input.views', message: 'a dashboard has at most 12 views; got 13' }]);
  });

  it('lets only operators and admins save dashboards', async () => {
    const result = await create({ name: 'viewer attempt' }, identities.acmeViewer);
    expect(result.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
    expect(result.errors?.[0]?.message).toContain('Mutation.createDashboard');
    const admin = await create({ name: 'admin dashboard' }, identities.acmeAdmin);
    expect(admin.data?.createDashboard.createdBy).toBe('ada');
  });

  it('never shows another tenant its dashboards, by query or by entity reference', async () => {
    const created = await create({ name: 'globex only' }, identities.globexAdmin);
    const id = created.data?.createDashboard.id;
    const direct = await subgraph.execute(identities.acmeAdmin, `query($id: ID!) { dashboard(id: $id) { id } }`, { id });
    expect(direct).toEqual({ data: { dashboard: null } });
    const entities = await subgraph.execute(
      identities.acmeAdmin,
      `query($reps: [_Any!]!) { _entities(representations: $reps) { ... on Dashboard { id name } } }`,
      { reps: [{ __typename: 'Dashboard', id }, { __typename: 'Dashboard', id: 'not-a-uuid' }] },
    );
    expect(entities).toEqual({ data: { _entities: [null, null] } });
    const own = await subgraph.execute(
      identities.globexAdmin,
      `query($reps: [_Any!]!) { _entities(representations: $reps) { ... on Dashboard { id name } } }`,
      { reps: [{ __typename: 'Dashboard', id }] },
    );
    expect(own).toEqual({ data: { _entities: [{ id, name: 'globex only' }] } });
    const list = await subgraph.execute(identities.acmeAdmin, `{ dashboards(first: 100) { name } }`);
    expect(list.data?.dashboards.map((d: { name: string }) => d.name)).not.toContain('globex only');
  });

  it('pages through dashboards newest first with cursors, ties broken by id', async () => {
    for (const name of ['one', 'two', 'three', 'four', 'five']) await create({ name }, initechOperator);
    const all = await subgraph.execute(initechOperator, `{ dashboards(first: 100) { id name createdAt cursor } }`);
    const rows: Array<{ id: string; name: string; createdAt: string; cursor: string }> = all.data?.dashboards;
    expect(rows.map((row) => row.name).sort()).toEqual(['five', 'four', 'one', 'three', 'two']);
    const descending = (a: string, b: string) => (a < b ? 1 : a > b ? -1 : 0);
    const ordered = [...rows].sort((a, b) => descending(a.createdAt, b.createdAt) || descending(a.id, b.id));
    expect(rows).toEqual(ordered);

    const seen: string[] = [];
    let after: string | undefined;
    for (let page = 0; page < 3; page++) {
      const result = await subgraph.execute(initechOperator, `query($after: String) { dashboards(first: 2, after: $after) { id cursor } }`, { after });
      const items: Array<{ id: string; cursor: string }> = result.data?.dashboards;
      seen.push(...items.map((item) => item.id));
      after = items.at(-1)?.cursor;
    }
    expect(seen).toEqual(rows.map((row) => row.id));
  });
});
