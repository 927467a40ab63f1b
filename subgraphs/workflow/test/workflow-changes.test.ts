import type { EventEnvelope } from '@judgify/runtime/events';
import { exampleWorkflowDefinition, identities } from '@judgify/runtime/testing';
import { createTestSubgraph, type TestSubgraph } from '@judgify/runtime/testing/subgraph';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApp } from '../src/app.ts';
import * as tables from '../src/db/schema.ts';
import { migrationsFolder } from '../src/service.ts';

let subgraph: TestSubgraph<typeof tables>;
const published: EventEnvelope[] = [];
beforeAll(async () => {
  subgraph = await createTestSubgraph({ service: 'workflow', tables, migrationsFolder, outbox: tables.outbox, createApp });
  for (const type of ['created', 'updated', 'deactivated', 'reactivated', 'deleted']) {
    subgraph.infrastructure.bus.subscribe(`workflow.${type}`, 'test', async (event) => void published.push(event));
  }
});
afterAll(() => subgraph.close());

const admin = identities.acmeAdmin;
const WORKFLOW_FIELDS = 'id name description version isActive definition updatedBy';

async function create(name: string, identity = admin) {
  const result = await subgraph.execute(identity, `mutation($input: CreateWorkflowInput!) { createWorkflow(input: $input) { ${WORKFLOW_FIELDS} } }`, {
    input: { name, definition: exampleWorkflowDefinition },
  });
  expect(result.errors).toBeUndefined();
  return result.data?.createWorkflow as { id: string; version: number };
}

const update = (id: string, input: Record<string, unknown>, expectedVersion?: number, identity = admin) =>
  subgraph.execute(
    identity,
    `mutation($id: ID!, $input: UpdateWorkflowInput!, $v: Int) { updateWorkflow(id: $id, input: $input, expectedVersion: $v) { ${WORKFLOW_FIELDS} } }`,
    { id, input, v: expectedVersion },
  );

const waitFor = async (condition: () => boolean) => {
  const deadline = Date.now() + 5_000;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error('timed out');
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
};

describe('workflow changes', () => {
  it('records a delegated change as the user’s, with the services it came through, and announces each version before answering', async () => {
    const { id } = await create('Promoted line');
    expect(await subgraph.infrastructure.fence.latest('workflow', 'acme', id)).toBe(1);
    const promoted = await update(id, { description: 'rule promoted by learning' }, 1, { ...admin, via: ['learning'] });
    expect(promoted.data?.updateWorkflow).toMatchObject({ version: 2, updatedBy: 'ada' });
    expect(await subgraph.infrastructure.fence.latest('workflow', 'acme', id)).toBe(2);
    const audit = await subgraph.execute(admin, `query($id: ID!) { workflowAuditLog(filter: { workflowId: $id }) { version type userId via } }`, { id });
    expect(audit.data?.workflowAuditLog).toEqual([
      { version: 2, type: 'WORKFLOW_UPDATED', userId: 'ada', via: ['learning'] },
      { version: 1, type: 'WORKFLOW_CREATED', userId: 'ada', via: null },
    ]);
  });

  it('versions every change and refuses a stale expectedVersion with CONFLICT naming the current version', async () => {
    const { id } = await create('Versioned line');
    const renamed = await update(id, { name: 'Versioned line 2' }, 1);
    expect(renamed.data?.updateWorkflow).toMatchObject({ name: 'Versioned line 2', version: 2, updatedBy: 'ada' });
    const stale = await update(id, { description: 'late' }, 1);
    expect(stale.errors?.[0]).toMatchObject({ extensions: { code: 'CONFLICT', currentVersion: 2 } });
    expect(stale.errors?.[0]?.message).toContain('is at version 2, not 1');
    const latest = await update(id, { description: 'applies to the latest' });
    expect(latest.data?.updateWorkflow).toMatchObject({ description: 'applies to the latest', version: 3 });
  });

  it('lets exactly one of two concurrent writers of the same version win', async () => {
    const { id } = await create('Contended line');
    const results = await Promise.all([update(id, { description: 'writer A' }, 1), update(id, { description: 'writer B' }, 1)]);
    const codes = results.map((result) => result.errors?.[0]?.extensions?.code ?? 'OK').sort();
    expect(codes).toEqual(['CONFLICT', 'OK']);
    const history = await subgraph.execute(admin, `query($id: ID!) { workflow(id: $id) { version history { version } } }`, { id });
    expect(history.data?.workflow).toEqual({ version: 2, history: [{ version: 1 }, { version: 2 }] });
  });

  it('records nothing for an update that changes nothing', async () => {
    const { id } = await create('Idle line');
    const same = await update(id, { name: 'Idle line', definition: exampleWorkflowDefinition });
    expect(same.data?.updateWorkflow.version).toBe(1);
  });

  it('validates updates fully, reporting every problem', async () => {
    const { id } = await create('Strict line');
    const result = await update(id, { name: '!!', definition: { startNode: 'x', nodes: [], edges: [] } });
    expect(result.errors?.[0]?.extensions?.problems).toEqual([
      { path: 'input.name', message: 'name must be at least 3 characters' },
      { path: 'input.name', message: 'name may contain only letters, digits, spaces, "_" and "-"' },
      { path: 'input.definition.nodes', message: 'a workflow needs at least one node' },
    ]);
  });

  it('checks rules in the rule language, pointing at line and column', async () => {
    const broken = {
      ...exampleWorkflowDefinition,
      nodes: [{ id: 'check', type: 'judgment', rule: 'temperature > 80 AND\nvibration >> 50' }, ...exampleWorkflowDefinition.nodes.slice(1)],
    };
    const result = await subgraph.execute(admin, `mutation($input: CreateWorkflowInput!) { createWorkflow(input: $input) { id } }`, {
      input: { name: 'Broken rule', definition: broken },
    });
    expect(result.errors?.[0]?.extensions?.problems).toEqual([
      { path: 'input.definition.nodes[0].rule', message: 'does not parse (line 2, column 12): expected a value, found ">"' },
    ]);
  });

  it('travels back to any version and lists the history oldest first', async () => {
    const { id } = await create('Travelling line');
    await update(id, { description: 'second' });
    const newDefinition = { startNode: 'only', nodes: [{ id: 'only', type: 'output', decision: 'ALWAYS' }], edges: [] };
    await update(id, { definition: newDefinition });
    await subgraph.execute(admin, `mutation($id: ID!) { deactivateWorkflow(id: $id) { version } }`, { id });
    const result = await subgraph.execute(
      admin,
      `query($id: ID!) { workflow(id: $id) {
        v1: atVersion(version: 1) { version description definition isActive }
        v3: atVersion(version: 3) { version description definition isActive }
        v4: atVersion(version: 4) { version isActive }
        v9: atVersion(version: 9) { version }
        history { version type payload userId }
      } }`,
      { id },
    );
    expect(result.errors).toBeUndefined();
    const workflow = result.data?.workflow;
    expect(workflow.v1).toEqual({ version: 1, description: null, definition: exampleWorkflowDefinition, isActive: true });
    expect(workflow.v3).toEqual({ version: 3, description: 'second', definition: newDefinition, isActive: true });
    expect(workflow.v4).toEqual({ version: 4, isActive: false });
    expect(workflow.v9).toBeNull();
    expect(workflow.history.map((event: { type: string }) => event.type)).toEqual([
      'WORKFLOW_CREATED',
      'WORKFLOW_UPDATED',
      'WORKFLOW_UPDATED',
      'WORKFLOW_DEACTIVATED',
    ]);
    expect(workflow.history[1]).toEqual({ version: 2, type: 'WORKFLOW_UPDATED', payload: { description: 'second' }, userId: 'ada' });
    const invalid = await subgraph.execute(admin, `query($id: ID!) { workflow(id: $id) { atVersion(version: 0) { version } } }`, { id });
    expect(invalid.errors?.[0]).toMatchObject({ message: '"version" must be 1 or more; got 0.', extensions: { code: 'BAD_USER_INPUT' } });
  });

  it('refuses deactivating twice and reactivates', async () => {
    const { id } = await create('Switchable line');
    const first = await subgraph.execute(admin, `mutation($id: ID!) { deactivateWorkflow(id: $id, expectedVersion: 1) { isActive version } }`, { id });
    expect(first.data?.deactivateWorkflow).toEqual({ isActive: false, version: 2 });
    const again = await subgraph.execute(admin, `mutation($id: ID!) { deactivateWorkflow(id: $id) { version } }`, { id });
    expect(again.errors?.[0]).toMatchObject({ message: `Workflow "${id}" is already inactive.`, extensions: { code: 'CONFLICT' } });
    const back = await subgraph.execute(admin, `mutation($id: ID!) { reactivateWorkflow(id: $id) { isActive version } }`, { id });
    expect(back.data?.reactivateWorkflow).toEqual({ isActive: true, version: 3 });
  });

  it('soft-deletes: gone from queries and references, kept in the audit log', async () => {
    const { id } = await create('Doomed line');
    const deleted = await subgraph.execute(admin, `mutation($id: ID!) { deleteWorkflow(id: $id, expectedVersion: 1) }`, { id });
    expect(deleted).toEqual({ data: { deleteWorkflow: true } });
    expect(await subgraph.execute(admin, `query($id: ID!) { workflow(id: $id) { id } }`, { id })).toEqual({ data: { workflow: null } });
    const entities = await subgraph.execute(admin, `query($r: [_Any!]!) { _entities(representations: $r) { ... on Workflow { id } } }`, {
      r: [{ __typename: 'Workflow', id }],
    });
    expect(entities).toEqual({ data: { _entities: [null] } });
    const list = await subgraph.execute(admin, `{ workflows(first: 100, filter: { nameContains: "Doomed" }) { id } }`);
    expect(list.data?.workflows).toEqual([]);
    const again = await update(id, { description: 'too late' });
    expect(again.errors?.[0]?.extensions?.code).toBe('NOT_FOUND');
    const audit = await subgraph.execute(admin, `query($id: ID!) { workflowAuditLog(filter: { workflowId: $id }) { type version } }`, { id });
    expect(audit.data?.workflowAuditLog).toEqual([
      { type: 'WORKFLOW_DELETED', version: 2 },
      { type: 'WORKFLOW_CREATED', version: 1 },
    ]);
  });

  it('filters workflows by name and state', async () => {
    await create('Filter 100_match');
    const { id } = await create('Filter 1000match');
    await subgraph.execute(admin, `mutation($id: ID!) { deactivateWorkflow(id: $id) { id } }`, { id });
    const literalUnderscore = await subgraph.execute(admin, `{ workflows(filter: { nameContains: "0_M" }) { name } }`);
    expect(literalUnderscore.data?.workflows).toEqual([{ name: 'Filter 100_match' }]);
    const inactive = await subgraph.execute(admin, `{ workflows(first: 100, filter: { nameContains: "filter", isActive: false }) { name } }`);
    expect(inactive.data?.workflows).toEqual([{ name: 'Filter 1000match' }]);
  });

  it('publishes each change on the bus once, with the event store id', async () => {
    const { id } = await create('Published line');
    await update(id, { description: 'announced' });
    await waitFor(() => published.filter((event) => (event.data as { workflowId: string }).workflowId === id).length === 2);
    const mine = published.filter((event) => (event.data as { workflowId: string }).workflowId === id);
    const history = await subgraph.execute(admin, `query($id: ID!) { workflow(id: $id) { history { id } } }`, { id });
    expect(mine.map((event) => event.eventId)).toEqual(history.data?.workflow.history.map((event: { id: string }) => event.id));
    expect(mine[1]).toMatchObject({
      eventType: 'workflow.updated',
      source: 'workflow',
      tenantId: 'acme',
      data: { workflowId: id, version: 2, changes: { description: 'announced' } },
    });
  });
});

describe('workflow audit log', () => {
  it('filters by user, type, workflow and date range, newest first, with cursors', async () => {
    const start = new Date();
    const { id } = await create('Audited line', identities.globexAdmin);
    await update(id, { description: 'by gina' }, undefined, identities.globexAdmin);
    const byOther = { ...identities.globexAdmin, userId: 'gus' };
    await update(id, { description: 'by gus' }, undefined, byOther);
    const audit = (filter: Record<string, unknown>, extra = '') =>
      subgraph.execute(identities.globexAdmin, `query($f: WorkflowAuditFilter) { workflowAuditLog(filter: $f${extra}) { version userId type cursor } }`, { f: filter });

    expect((await audit({ workflowId: id })).data?.workflowAuditLog.map((e: { version: number }) => e.version)).toEqual([3, 2, 1]);
    expect((await audit({ workflowId: id, userId: 'gus' })).data?.workflowAuditLog.map((e: { version: number }) => e.version)).toEqual([3]);
    expect((await audit({ workflowId: id, types: ['WORKFLOW_CREATED'] })).data?.workflowAuditLog.map((e: { version: number }) => e.version)).toEqual([1]);
    expect((await audit({ workflowId: id, from: new Date(Date.now() + 60_000).toISOString() })).data?.workflowAuditLog).toEqual([]);
    expect((await audit({ workflowId: id, from: start.toISOString(), to: new Date().toISOString() })).data?.workflowAuditLog).toHaveLength(3);

    const firstPage = await subgraph.execute(identities.globexAdmin, `query($id: ID!) { workflowAuditLog(filter: { workflowId: $id }, first: 2) { version cursor } }`, { id });
    const after = firstPage.data?.workflowAuditLog[1].cursor;
    const secondPage = await subgraph.execute(
      identities.globexAdmin,
      `query($id: ID!, $after: String) { workflowAuditLog(filter: { workflowId: $id }, first: 2, after: $after) { version } }`,
      { id, after },
    );
    expect(secondPage.data?.workflowAuditLog).toEqual([{ version: 1 }]);
  });

  it('is for admins of the tenant only', async () => {
    const { id } = await create('Private audit', identities.globexAdmin);
    const operator = await subgraph.execute(identities.acmeOperator, `{ workflowAuditLog { id } }`);
    expect(operator.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
    const otherTenant = await subgraph.execute(admin, `query($id: ID!) { workflowAuditLog(filter: { workflowId: $id }) { id } }`, { id });
    expect(otherTenant.data?.workflowAuditLog).toEqual([]);
  });

  it('refuses an inverted date range', async () => {
    const result = await subgraph.execute(admin, `{ workflowAuditLog(filter: { from: "2026-02-01T00:00:00Z", to: "2026-01-01T00:00:00Z" }) { id } }`);
    expect(result.errors?.[0]).toMatchObject({ message: '"filter.from" must not be after "filter.to".', extensions: { code: 'BAD_USER_INPUT' } });
  });
});
