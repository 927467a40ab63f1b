import { identities, testRedisUrl } from '@judgify/runtime/testing';
import { createClient } from 'graphql-ws';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { createExampleWorkflow, graphql, signToken } from './client.ts';
import { startPlatform, type Platform, type RunningProcess } from './platform.ts';

// Separate processes share events and live updates only through Redis: this is distributed mode.
describe.runIf(testRedisUrl())('subscriptions across replicas (distributed mode, Redis)', () => {
  let platform: Platform;
  let gatewayB: RunningProcess;
  let admin: string;
  let operator: string;

  beforeAll(async () => {
    platform = await startPlatform({ logLevel: 'info' });
    const judgmentY = await platform.startSubgraphReplica('judgment');
    gatewayB = await platform.startGatewayReplica({ judgment: judgmentY });
    admin = await signToken(identities.acmeAdmin, platform.jwtSecret);
    operator = await signToken(identities.acmeOperator, platform.jwtSecret);
  });
  afterAll(() => platform?.stop());

  async function execute(workflowId: string, inputData: unknown) {
    const deadline = Date.now() + 10_000;
    for (;;) {
      const result = await graphql(platform.gateway.url, `mutation($input: ExecuteJudgmentInput!) { executeJudgment(input: $input) { id } }`, {
        token: operator,
        variables: { input: { workflowId, inputData, method: 'RULE' } },
      });
      if (result.body.errors?.[0]?.extensions?.code !== 'NOT_FOUND' || Date.now() > deadline) return result.body.data?.executeJudgment.id as string;
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  }

  it('delivers judgments executed via gateway A and judgment replica X to subscribers of gateway B and replica Y, once each, in order', async () => {
    const workflowId = await createExampleWorkflow(platform.gateway.url, admin, 'Replicated line');
    await execute(workflowId, { temperature: 1, vibration: 1 });

    const client = createClient({ url: `${gatewayB.url.replace(/^http/, 'ws')}/graphql`, webSocketImpl: WebSocket, connectionParams: { authorization: `Bearer ${operator}` } });
    const received: string[] = [];
    const stream = client.iterate<{ judgmentCompleted: { id: string; decision: string; workflow: { name: string } } }>({
      query: 'subscription($w: ID) { judgmentCompleted(workflowId: $w) { id decision workflow { name } } }',
      variables: { w: workflowId },
    });
    // The upstream is live once an event gets through: warm-up judgments (decided OK) until one
    // does, then the ten counted ones (decided STOP_LINE).
    const executed: string[] = [];
    let live = false;
    const reading = (async () => {
      for await (const event of stream) {
        expect(event.data?.judgmentCompleted.workflow.name).toBe('Replicated line');
        live = true;
        if (event.data?.judgmentCompleted.decision !== 'STOP_LINE') continue;
        received.push(event.data.judgmentCompleted.id);
        if (received.length === 10) return;
      }
    })();
    const deadline = Date.now() + 15_000;
    while (!live && Date.now() < deadline) {
      await execute(workflowId, { temperature: 80, vibration: 10 });
      await new Promise((resolve) => setTimeout(resolve, 300));
    }
    for (let n = 0; n < 10; n++) executed.push(await execute(workflowId, { temperature: 90 + n, vibration: 60 }));
    await reading;
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(received).toEqual(executed);
    await client.dispose();
  });
});
