import { Registry } from '@judgify/runtime/metrics';
import { registerServiceMetrics } from '@judgify/runtime/service-metrics';
import { exampleWorkflowDefinition, identities, silentLogger } from '@judgify/runtime/testing';
import { createTestSubgraph, type TestSubgraph } from '@judgify/runtime/testing/subgraph';
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApp } from '../src/app.ts';
import * as tables from '../src/db/schema.ts';
import { migrationsFolder } from '../src/service.ts';

/** The value of one series in a registry's exposition, or undefined when it has none. */
async function valueOf(registry: Registry, series: string): Promise<number | undefined> {
  const line = (await registry.metrics()).split('\n').find((text) => text.startsWith(`${series} `));
  return line === undefined ? undefined : Number(line.slice(series.length + 1));
}

let subgraph: TestSubgraph<typeof tables>;
beforeAll(async () => {
  // The relay stays stopped: the backlog is what it has not published yet.
  subgraph = await createTestSubgraph({ service: 'workflow', tables, migrationsFolder, outbox: tables.outbox, holdOutbox: true, createApp });
});
afterAll(() => subgraph.close());

const createWorkflow = (name: string, identity = identities.acmeAdmin) =>
  subgraph.execute(identity, `mutation($input: CreateWorkflowInput!) { createWorkflow(input: $input) { id } }`, {
    input: { name, definition: exampleWorkflowDefinition },
  });

describe('service metrics on a real database', () => {
  it('outbox_backlog counts the events not yet published, and drops as the relay publishes them', async () => {
    const { database, outbox } = subgraph.infrastructure;
    const registry = new Registry();
    registerServiceMetrics(registry, { service: 'workflow', logger: silentLogger, outbox: outbox!.relay, readEveryMs: 0 });
    const before = (await valueOf(registry, 'outbox_backlog'))!;
    await createWorkflow('backlog 1');
    await createWorkflow('backlog 2');
    expect(await valueOf(registry, 'outbox_backlog')).toBe(before + 2);
    const counted = (await database.db.execute(sql`select count(*)::int as n from ${tables.outbox} where published_at is null`)) as unknown as { rows: Array<{ n: number }> };
    const [unpublished] = counted.rows;
    expect(await valueOf(registry, 'outbox_backlog')).toBe(unpublished!.n);
    while (await outbox!.relay.publishBatch());
    expect(await valueOf(registry, 'outbox_backlog')).toBe(0);
  });

  it('database_connections_active counts the connections a transaction holds', async () => {
    const { database } = subgraph.infrastructure;
    const registry = new Registry();
    registerServiceMetrics(registry, { service: 'workflow', logger: silentLogger, database });
    const during = await database.db.transaction(async (tx) => {
      await tx.execute(sql`select 1`);
      return valueOf(registry, 'database_connections_active');
    });
    expect(during).toBeGreaterThanOrEqual(1);
    // PGlite is one connection, always open; a pool gives its connections back.
    expect(await valueOf(registry, 'database_connections_active')).toBe(database.kind === 'pglite' ? 1 : 0);
  });

  it('authorization_failures_total counts each refusal for want of a role', async () => {
    const { registry } = subgraph.infrastructure.metrics;
    const before = (await valueOf(registry, 'authorization_failures_total{service="workflow"}')) ?? 0;
    const refused = await createWorkflow('viewer attempt', identities.acmeViewer);
    expect(refused.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
    await createWorkflow('admin attempt');
    expect(await valueOf(registry, 'authorization_failures_total{service="workflow"}')).toBe(before + 1);
  });
});
