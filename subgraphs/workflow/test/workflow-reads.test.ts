import { randomUUID } from 'node:crypto';
import type { Identity } from '@judgify/runtime/identity';
import { exampleWorkflowDefinition, identities } from '@judgify/runtime/testing';
import { createTestSubgraph, type TestSubgraph } from '@judgify/runtime/testing/subgraph';
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApp } from '../src/app.ts';
import * as tables from '../src/db/schema.ts';
import { migrationsFolder } from '../src/service.ts';

// The hot reads are statements prepared once and run with each caller's tenant as a parameter:
// whichever tenant runs a statement first, every later run answers only its own caller.

let subgraph: TestSubgraph<typeof tables>;
const acme = identities.acmeAdmin;
const globex = identities.globexAdmin;
const ids: Record<'acme' | 'globex', string[]> = { acme: [], globex: [] };

beforeAll(async () => {
  // Delivery held: no worker shares the pool, so the statement check below reads the connection that just ran the read.
  subgraph = await createTestSubgraph({ service: 'workflow', tables, migrationsFolder, createApp: (infrastructure) => createApp(infrastructure, { holdDelivery: true }) });
  // Both tenants hold workflows of the same names, one of each deactivated.
  for (const identity of [acme, globex]) {
    for (const name of ['Shared one', 'Shared two', 'Shared three']) {
      const created = await subgraph.execute(identity, `mutation($input: CreateWorkflowInput!) { createWorkflow(input: $input) { id } }`, {
        input: { name, definition: exampleWorkflowDefinition },
      });
      ids[identity.tenantId as 'acme' | 'globex'].push(created.data?.createWorkflow.id);
    }
    const deactivated = await subgraph.execute(identity, `mutation($id: ID!) { deactivateWorkflow(id: $id) { id } }`, { id: ids[identity.tenantId as 'acme' | 'globex'][1] });
    expect(deactivated.errors).toBeUndefined();
  }
});
afterAll(() => subgraph.close());

const tenantOf = (identity: Identity) => identity.tenantId as 'acme' | 'globex';

/** A page of `workflows`, after the cursor `after` if given. */
const page = async (identity: Identity, args: string, variables: { after?: string } = {}) => {
  const result = await subgraph.execute(identity, `query($after: String) { workflows(after: $after, ${args}) { id name isActive cursor } }`, variables);
  expect(result.errors).toBeUndefined();
  return result.data?.workflows as Array<{ id: string; name: string; isActive: boolean; cursor: string }>;
};

describe('workflow reads through prepared statements', () => {
  it('answers each tenant only its own workflows from every shape of the list, whoever ran it first', async () => {
    // A well-formed cursor past every row, so the paged shapes answer each tenant something.
    const future = Buffer.from(JSON.stringify([new Date(Date.now() + 3_600_000).toISOString(), randomUUID()])).toString('base64url');
    const shapes: Array<[string, { after?: string }]> = [
      ['first: 100', {}],
      ['first: 100', { after: future }],
      ['first: 100, filter: { nameContains: "shared" }', {}],
      ['first: 100, filter: { isActive: true }', {}],
      ['first: 100, filter: { nameContains: "Shared", isActive: false }', { after: future }],
    ];
    for (const [args, variables] of shapes) {
      for (const identity of [acme, globex, acme]) {
        const workflows = await page(identity, args, variables);
        expect(workflows.length, `${args} as ${identity.tenantId}`).toBeGreaterThan(0);
        expect(ids[tenantOf(identity)], `${args} as ${identity.tenantId}`).toEqual(expect.arrayContaining(workflows.map((workflow) => workflow.id)));
      }
    }
  });

  it('keeps the filters and the page size of each call, not of the call that prepared the statement', async () => {
    expect((await page(globex, 'first: 2, filter: { isActive: true }')).map((workflow) => workflow.name)).toEqual(['Shared three', 'Shared one']);
    expect((await page(globex, 'first: 1, filter: { isActive: false }')).map((workflow) => workflow.name)).toEqual(['Shared two']);
    expect(await page(globex, 'first: 3, filter: { nameContains: "three" }')).toHaveLength(1);
    expect(await page(globex, 'first: 3, filter: { nameContains: "nothing like it" }')).toEqual([]);
    const [first, second] = await page(acme, 'first: 2');
    expect((await page(acme, 'first: 5', { after: first!.cursor })).map((workflow) => workflow.id)).toEqual([second!.id, ids.acme[0]]);
  });

  it('continues another tenant’s cursor only through the caller’s own workflows', async () => {
    const acmeOldest = (await page(acme, 'first: 100')).at(-1)!.cursor;
    // globex's workflows were created after acme's, so nothing of globex's is older than acme's oldest.
    expect(await page(globex, 'first: 100', { after: acmeOldest })).toEqual([]);
    const globexOldest = (await page(globex, 'first: 100')).at(-1)!.cursor;
    expect((await page(acme, 'first: 100', { after: globexOldest })).map((workflow) => workflow.id).sort()).toEqual([...ids.acme].sort());
  });

  it('resolves lookups and entity references only inside the caller’s tenant, in the order asked', async () => {
    const representations = [ids.globex[0], ids.acme[0], 'not-a-uuid', ids.acme[2], ids.globex[0]].map((id) => ({ __typename: 'Workflow', id }));
    const query = `query($reps: [_Any!]!) { _entities(representations: $reps) { ... on Workflow { id } } }`;
    const asAcme = await subgraph.execute(acme, query, { reps: representations });
    expect(asAcme).toEqual({ data: { _entities: [null, { id: ids.acme[0] }, null, { id: ids.acme[2] }, null] } });
    const asGlobex = await subgraph.execute(globex, query, { reps: representations });
    expect(asGlobex).toEqual({ data: { _entities: [{ id: ids.globex[0] }, null, null, null, { id: ids.globex[0] }] } });
    const lookup = `query($id: ID!) { workflow(id: $id) { id } }`;
    expect(await subgraph.execute(globex, lookup, { id: ids.acme[1] })).toEqual({ data: { workflow: null } });
    expect(await subgraph.execute(acme, lookup, { id: ids.acme[1] })).toEqual({ data: { workflow: { id: ids.acme[1] } } });
  });

  it('hides a deleted workflow from every prepared read', async () => {
    const id = ids.globex[2]!;
    const deleted = await subgraph.execute(globex, `mutation($id: ID!) { deleteWorkflow(id: $id) }`, { id });
    expect(deleted).toEqual({ data: { deleteWorkflow: true } });
    expect(await subgraph.execute(globex, `query($id: ID!) { workflow(id: $id) { id } }`, { id })).toEqual({ data: { workflow: null } });
    expect((await page(globex, 'first: 100')).map((workflow) => workflow.id)).not.toContain(id);
    expect((await page(globex, 'first: 100, filter: { nameContains: "three", isActive: true }')).map((workflow) => workflow.id)).toEqual([]);
  });

  it('runs them on PostgreSQL as named statements, parsed once per connection', async (context) => {
    const { database } = subgraph.infrastructure;
    if (database.kind !== 'postgres') return context.skip();
    await page(acme, 'first: 1');
    await subgraph.execute(acme, `query($id: ID!) { workflow(id: $id) { id } }`, { id: ids.acme[0] });
    // Run one after the other, the reads and this check share the pool's most recently used connection.
    const statements = (await database.db.execute(sql`select name from pg_prepared_statements`)) as unknown as { rows: Array<{ name: string }> };
    const prepared = statements.rows.map((row) => row.name);
    expect(prepared).toEqual(expect.arrayContaining(['workflow_page_000', 'workflow_find_by_ids']));
  });
});
