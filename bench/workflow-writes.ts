import { exampleWorkflowDefinition } from '@judgify/runtime/testing';
import { graphql, signToken } from '../e2e/client.ts';
import { startPlatform } from '../e2e/platform.ts';
import { report, runLoad } from './load.ts';

const CREATE = `mutation($input: CreateWorkflowInput!) { createWorkflow(input: $input) { id version } }`;
const UPDATE = `mutation($id: ID!, $input: UpdateWorkflowInput!, $v: Int) { updateWorkflow(id: $id, input: $input, expectedVersion: $v) { version } }`;

/**
 * Workflow writes through the real gateway and workflow subgraph processes: each create and
 * each versioned update is one event, one projection row and one outbox row in a transaction.
 */
export async function benchWorkflowWrites(options: { concurrency: number; seconds: number }): Promise<string> {
  const platform = await startPlatform({ logLevel: 'info' });
  try {
    const token = await signToken({ userId: 'bench', tenantId: 'bench', roles: ['admin'] }, platform.jwtSecret);
    const url = platform.gateway.url;
    const ok = async (query: string, variables: Record<string, unknown>) => {
      const result = await graphql(url, query, { token, variables });
      if (result.body.errors) throw new Error(result.body.errors[0]?.message);
      return result.body.data!;
    };
    let sequence = 0;
    await ok(CREATE, { input: { name: 'warm up', definition: exampleWorkflowDefinition } });
    const created = await runLoad('createWorkflow', options, async () => {
      await ok(CREATE, { input: { name: `bench ${sequence++}`, definition: exampleWorkflowDefinition } });
    });
    const own = await Promise.all(
      Array.from({ length: options.concurrency }, async (_, worker) => {
        const data = await ok(CREATE, { input: { name: `bench worker ${worker}`, definition: exampleWorkflowDefinition } });
        return { id: data.createWorkflow.id as string, version: 1 };
      }),
    );
    const updated = await runLoad('updateWorkflow (expectedVersion)', options, async (worker) => {
      const workflow = own[worker]!;
      const data = await ok(UPDATE, { id: workflow.id, input: { description: `revision ${workflow.version + 1}` }, v: workflow.version });
      workflow.version = data.updateWorkflow.version;
    });
    const read = await runLoad('workflow(id) read', options, async (worker) => {
      await ok(`query($id: ID!) { workflow(id: $id) { id name version } }`, { id: own[worker]!.id });
    });
    return report([created, updated, read]);
  } finally {
    await platform.stop();
  }
}
