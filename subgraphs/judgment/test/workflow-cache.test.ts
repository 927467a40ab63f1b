import { randomUUID } from 'node:crypto';
import { createMetrics } from '@judgify/runtime/metrics';
import { forwardedHeaders, identities } from '@judgify/runtime/testing';
import { and, eq } from 'drizzle-orm';
import { describe, expect, it } from 'vitest';
import { createApp } from '../src/app.ts';
import * as tables from '../src/db/schema.ts';
import { haltingDefinition, judgmentSubgraphForTests, publishWorkflow, workflowEvent } from './harness.ts';

const harness = judgmentSubgraphForTests({ llmTimeoutMs: 2_000 });

const EXECUTE = /* GraphQL */ `
  mutation($input: ExecuteJudgmentInput!) { executeJudgment(input: $input) { decision workflowVersion } }
`;
const HOT = { temperature: 90, vibration: 60 };

type Run = (workflowId: string) => Promise<{ decision?: string; workflowVersion?: number; code?: string }>;
const answerOf = (body: { data?: Record<string, any> | null; errors?: Array<{ extensions?: Record<string, any> }> }) =>
  body.errors?.length ? { code: body.errors[0]!.extensions?.code as string } : (body.data?.executeJudgment as { decision: string; workflowVersion: number });
const judge: Run = async (workflowId) => answerOf(await harness.subgraph.execute(identities.acmeOperator, EXECUTE, { input: { workflowId, inputData: HOT, method: 'RULE' } }));

/** What the workflow subgraph does as a change commits, before it answers. */
const announce = (workflowId: string, version: number) => harness.subgraph.infrastructure.fence.raise('workflow', 'acme', workflowId, version);

/** The read model table changed as another replica applying the event would change it: this process hears nothing of it. */
const writtenElsewhere = (workflowId: string, version: number, state: { definition?: unknown; isActive?: boolean } = {}) =>
  harness.subgraph.infrastructure.database.db
    .update(tables.workflowDefinitions)
    .set({ version, ...state })
    .where(and(eq(tables.workflowDefinitions.id, workflowId), eq(tables.workflowDefinitions.tenantId, 'acme')));

describe('the workflow read model, cached in process', () => {
  it('runs the cached row while the version fence vouches for it, and reads the table again once a newer version is announced', async () => {
    const workflowId = randomUUID();
    await publishWorkflow(harness, workflowId, 1);
    await announce(workflowId, 1);
    expect(await judge(workflowId)).toEqual({ decision: 'STOP_LINE', workflowVersion: 1 });

    // Another replica applied version 2; until the workflow subgraph announces it, version 1 is the latest anyone was told of.
    await writtenElsewhere(workflowId, 2, { definition: haltingDefinition });
    expect(await judge(workflowId)).toEqual({ decision: 'STOP_LINE', workflowVersion: 1 });

    // Announced: the cached row is behind the fence, so the judgment reads the table (no wait: it has version 2).
    await announce(workflowId, 2);
    expect(await judge(workflowId)).toEqual({ decision: 'HALT', workflowVersion: 2 });
  });

  it('drops a workflow’s row when this process applies its event, before any fence moves', async () => {
    const workflowId = randomUUID();
    await publishWorkflow(harness, workflowId, 1);
    await announce(workflowId, 1);
    expect(await judge(workflowId)).toEqual({ decision: 'STOP_LINE', workflowVersion: 1 });

    await publishWorkflow(harness, workflowId, 2, { definition: haltingDefinition });
    expect(await judge(workflowId)).toEqual({ decision: 'HALT', workflowVersion: 2 });
    await publishWorkflow(harness, workflowId, 3, { definition: haltingDefinition, isActive: false });
    expect(await judge(workflowId)).toEqual({ code: 'CONFLICT' });
    await publishWorkflow(harness, workflowId, 4, { definition: haltingDefinition, deleted: true });
    expect(await judge(workflowId)).toEqual({ code: 'NOT_FOUND' });
  });

  it('keeps every replica on the latest version, though each event reaches only one of them', async () => {
    // A second replica of the service: the same database, fence and bus, and the same consumer group, so the bus hands each workflow event to one of the two.
    const replica = createApp({ ...harness.subgraph.infrastructure, metrics: createMetrics('judgment') });
    const onReplica: Run = async (workflowId) => {
      const response = await replica.fetch('http://subgraph/graphql', {
        method: 'POST',
        headers: await forwardedHeaders(identities.acmeOperator, 'judgment'),
        body: JSON.stringify({ query: EXECUTE, variables: { input: { workflowId, inputData: HOT, method: 'RULE' } } }),
      });
      return answerOf((await response.json()) as Parameters<typeof answerOf>[0]);
    };
    const replicas = [judge, onReplica];

    const workflowId = randomUUID();
    await publishWorkflow(harness, workflowId, 1);
    await announce(workflowId, 1);
    for (const run of replicas) expect(await run(workflowId)).toEqual({ decision: 'STOP_LINE', workflowVersion: 1 });

    // Each change as the workflow subgraph makes it: its event goes to one replica, and its fence is raised before it answers.
    const changes = [
      { version: 2, state: { definition: haltingDefinition } },
      { version: 3, state: { definition: haltingDefinition, isActive: false } },
      { version: 4, state: { definition: haltingDefinition, isActive: true } },
    ];
    const expected = [{ decision: 'HALT', workflowVersion: 2 }, { code: 'CONFLICT' }, { decision: 'HALT', workflowVersion: 4 }];
    for (const [index, { version, state }] of changes.entries()) {
      await harness.subgraph.infrastructure.bus.publish(workflowEvent(workflowId, version, state));
      await announce(workflowId, version);
      for (const run of replicas) expect(await run(workflowId)).toEqual(expected[index]);
    }
  });

  it('waits for a version announced before its event arrived, and caches what it then reads', async () => {
    const workflowId = randomUUID();
    await publishWorkflow(harness, workflowId, 1);
    await announce(workflowId, 1);
    expect(await judge(workflowId)).toEqual({ decision: 'STOP_LINE', workflowVersion: 1 });
    await announce(workflowId, 2);
    const judged = judge(workflowId);
    await harness.subgraph.infrastructure.bus.publish(workflowEvent(workflowId, 2, { definition: haltingDefinition }));
    expect(await judged).toEqual({ decision: 'HALT', workflowVersion: 2 });

    // Now cached at version 2: a table changed behind its back is not read while the fence says 2.
    await writtenElsewhere(workflowId, 2, { definition: { ...haltingDefinition, nodes: haltingDefinition.nodes.map((node) => (node.id === 'stop' ? { ...node, decision: 'NOT_READ' } : node)) } });
    expect(await judge(workflowId)).toEqual({ decision: 'HALT', workflowVersion: 2 });
  });
});
