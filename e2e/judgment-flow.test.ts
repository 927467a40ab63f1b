import { exampleWorkflowDefinition, identities } from '@judgify/runtime/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { graphql, signToken } from './client.ts';
import { startEmbeddedPlatform } from './platform.ts';

let platform: Awaited<ReturnType<typeof startEmbeddedPlatform>>;
let admin: string;
let operator: string;

beforeAll(async () => {
  platform = await startEmbeddedPlatform();
  admin = await signToken(identities.acmeAdmin, platform.jwtSecret);
  operator = await signToken(identities.acmeOperator, platform.jwtSecret);
});
afterAll(() => platform?.stop());

/** The judgment service learns of a workflow from its event, a moment after it is created. */
async function executeWhenKnown(workflowId: string, inputData: unknown) {
  const deadline = Date.now() + 10_000;
  for (;;) {
    const result = await graphql(
      platform.gateway.url,
      `mutation($input: ExecuteJudgmentInput!) { executeJudgment(input: $input) { id decision confidence methodUsed cached workflow { name version } } }`,
      { token: operator, variables: { input: { workflowId, inputData, method: 'HYBRID' } } },
    );
    if (result.body.errors?.[0]?.extensions?.code !== 'NOT_FOUND' || Date.now() > deadline) return result;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

describe('a judgment end to end through `npm start` (one process, embedded)', () => {
  it('creates a workflow, decides a record with it, and shows the stats on the workflow', async () => {
    const created = await graphql(platform.gateway.url, `mutation($input: CreateWorkflowInput!) { createWorkflow(input: $input) { id } }`, {
      token: admin,
      variables: { input: { name: 'Line 3 overheating', definition: exampleWorkflowDefinition } },
    });
    const workflowId = created.body.data?.createWorkflow.id;

    const judged = await executeWhenKnown(workflowId, { temperature: 90, vibration: 60 });
    expect(judged.body.errors).toBeUndefined();
    expect(judged.body.data?.executeJudgment).toMatchObject({
      decision: 'STOP_LINE',
      confidence: 1,
      methodUsed: 'RULE',
      cached: false,
      workflow: { name: 'Line 3 overheating', version: 1 },
    });

    const again = await executeWhenKnown(workflowId, { vibration: 60, temperature: 90 });
    expect(again.body.data?.executeJudgment.cached).toBe(true);

    const stats = await graphql(
      platform.gateway.url,
      `query($id: ID!) { workflow(id: $id) { name successRate avgExecutionTimeMs executions { decision cached } } }`,
      { token: operator, variables: { id: workflowId } },
    );
    expect(stats.body.data?.workflow).toMatchObject({
      name: 'Line 3 overheating',
      successRate: 1,
      executions: [{ decision: 'STOP_LINE', cached: true }, { decision: 'STOP_LINE', cached: false }],
    });
    expect(stats.body.data?.workflow.avgExecutionTimeMs).toBeGreaterThan(0);
  });

  it('stops judging a workflow once it is deactivated', async () => {
    const created = await graphql(platform.gateway.url, `mutation($input: CreateWorkflowInput!) { createWorkflow(input: $input) { id } }`, {
      token: admin,
      variables: { input: { name: 'Soon inactive', definition: exampleWorkflowDefinition } },
    });
    const workflowId = created.body.data?.createWorkflow.id;
    await executeWhenKnown(workflowId, { temperature: 1, vibration: 1 });
    await graphql(platform.gateway.url, `mutation($id: ID!) { deactivateWorkflow(id: $id) { version } }`, { token: admin, variables: { id: workflowId } });
    const deadline = Date.now() + 10_000;
    let code: string | undefined;
    while (code !== 'CONFLICT' && Date.now() < deadline) {
      code = (await executeWhenKnown(workflowId, { temperature: 2, vibration: 2 })).body.errors?.[0]?.extensions?.code;
    }
    expect(code).toBe('CONFLICT');
  });
});
