import type { Identity } from '@judgify/runtime/identity';
import { exampleWorkflowDefinition, identities } from '@judgify/runtime/testing';
import { createTestSubgraph, describeSubgraphBasics, type TestSubgraph } from '@judgify/runtime/testing/subgraph';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApp } from '../src/app.ts';
import * as tables from '../src/db/schema.ts';
import { schema } from '../src/schema/index.ts';
import { migrationsFolder } from '../src/service.ts';

const definition = exampleWorkflowDefinition;

const CREATE = /* GraphQL */ `
  mutation Create($input: CreateWorkflowInput!) {
    createWorkflow(input: $input) { id name description definition version isActive createdBy updatedBy cursor }
  }
`;

let subgraph: TestSubgraph<typeof tables>;
beforeAll(async () => {
  subgraph = await createTestSubgraph({ service: 'workflow', tables, migrationsFolder, createApp });
});
afterAll(() => subgraph.close());

const create = (name: string, identity: Identity = identities.acmeAdmin) =>
  subgraph.execute(identity, CREATE, { input: { name, description: 'line 3 sensors', definition } });

describeSubgraphBasics({
  subgraph: () => subgraph,
  schema,
  committedSchema: new URL('../schema.graphql', import.meta.url),
  reader: identities.acmeViewer,
  lookups: ['workflow'],
  lists: ['workflows'],
});

describe('workflow subgraph', () => {

  it('creates a workflow owned by the caller and reads it back', async () => {
    const created = await create('온도 감시 line-3');
    expect(created.errors).toBeUndefined();
    const workflow = created.data?.createWorkflow;
    expect(workflow).toMatchObject({ name: '온도 감시 line-3', version: 1, isActive: true, createdBy: 'ada', definition });

    const read = await subgraph.execute(identities.acmeViewer, `query($id: ID!) { workflow(id: $id) { id name } }`, { id: workflow.id });
    expect(read.data?.workflow).toEqual({ id: workflow.id, name: '온도 감시 line-3' });
  });

  it('reports every invalid field at once with its path', async () => {
    const result = await subgraph.execute(identities.acmeAdmin, CREATE, {
      input: { name: 'x!', description: 'd'.repeat(501), definition: { nodes: 'nope', edges: [] } },
    });
    expect(result.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
    const paths = result.errors?.[0]?.extensions?.problems.map((problem: { path: string }) => problem.path);
    expect(paths).toEqual(expect.arrayContaining(['input.name', 'input.description', 'input.definition.startNode', 'input.definition.nodes']));
  });

  it('lets only admins create workflows', async () => {
    const result = await create('viewer attempt', identities.acmeViewer);
    expect(result.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
    expect(result.errors?.[0]?.message).toBe('Mutation.createWorkflow requires the admin role; you have [viewer].');
  });

  it('never shows another tenant its workflows, by query or by entity reference', async () => {
    const created = await create('globex only', identities.globexAdmin);
    const id = created.data?.createWorkflow.id;
    const direct = await subgraph.execute(identities.acmeAdmin, `query($id: ID!) { workflow(id: $id) { id } }`, { id });
    expect(direct).toEqual({ data: { workflow: null } });
    const entities = await subgraph.execute(
      identities.acmeAdmin,
      `query($reps: [_Any!]!) { _entities(representations: $reps) { ... on Workflow { id name } } }`,
      { reps: [{ __typename: 'Workflow', id }] },
    );
    expect(entities).toEqual({ data: { _entities: [null] } });
    const list = await subgraph.execute(identities.acmeAdmin, `{ workflows(first: 100) { name } }`);
    expect(list.data?.workflows.map((w: { name: string }) => w.name)).not.toContain('globex only');
  });

  it('pages through workflows newest first with cursors', async () => {
    for (const name of ['page one', 'page two', 'page three']) await create(name, identities.globexAdmin);
    const first = await subgraph.execute(identities.globexAdmin, `{ workflows(first: 2) { name cursor } }`);
    expect(first.data?.workflows.map((w: { name: string }) => w.name)).toEqual(['page three', 'page two']);
    const after = first.data?.workflows[1].cursor;
    const second = await subgraph.execute(identities.globexAdmin, `query($after: String) { workflows(first: 2, after: $after) { name } }`, { after });
    expect(second.data?.workflows.map((w: { name: string }) => w.name)).toEqual(['page one', 'globex only']);
  });

  it('refuses a caller without any role, also through _entities', async () => {
    const created = await create('role check');
    const nobody = { userId: 'nobody', tenantId: 'acme', roles: [] };
    const entities = await subgraph.execute(
      nobody,
      `query($reps: [_Any!]!) { _entities(representations: $reps) { ... on Workflow { name } } }`,
      { reps: [{ __typename: 'Workflow', id: created.data?.createWorkflow.id }] },
    );
    expect(entities.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
    const list = await subgraph.execute(nobody, `{ workflows { id } }`);
    expect(list.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
  });
});
