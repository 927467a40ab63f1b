import { identities, testRedisUrl } from '@judgify/runtime/testing';
import { createClient, type Client } from 'graphql-ws';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { createExampleWorkflow, graphql, signToken, upstreamsOf } from './client.ts';
import { startPlatform, type Platform, type RunningProcess } from './platform.ts';

type Completed = { judgmentCompleted: { id: string; decision: string; workflow: { name: string } } };

// Separate processes share events and live updates only through Redis: this is distributed mode.
describe.runIf(testRedisUrl())('subscriptions across replicas (distributed mode, Redis)', () => {
  let platform: Platform;
  let gatewayB: RunningProcess;
  let admin: string;
  let operator: string;
  const clients: Client[] = [];

  // Gateway A routes to judgment replica X (the platform's own), gateway B to replica Y.
  beforeAll(async () => {
    platform = await startPlatform({ logLevel: 'info' });
    const judgmentY = await platform.startSubgraphReplica('judgment');
    gatewayB = await platform.startGatewayReplica({ judgment: judgmentY });
    admin = await signToken(identities.acmeAdmin, platform.jwtSecret);
    operator = await signToken(identities.acmeOperator, platform.jwtSecret);
  });
  afterAll(async () => {
    await Promise.all(clients.map((client) => client.dispose()));
    await platform?.stop();
  });

  async function execute(gateway: RunningProcess, workflowId: string, inputData: unknown): Promise<string> {
    const deadline = Date.now() + 10_000;
    for (;;) {
      const result = await graphql(gateway.url, `mutation($input: ExecuteJudgmentInput!) { executeJudgment(input: $input) { id } }`, {
        token: operator,
        variables: { input: { workflowId, inputData, method: 'RULE' } },
      });
      const id = result.body.data?.executeJudgment?.id as string | undefined;
      if (id) return id;
      // Each judgment replica learns of the new workflow from its event, a moment after it is created.
      if (result.body.errors?.[0]?.extensions?.code !== 'NOT_FOUND' || Date.now() > deadline) throw new Error(JSON.stringify(result.body.errors));
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  }

  /** A subscriber on the given gateway that keeps the ids of the STOP_LINE judgments it receives. */
  function subscribe(gateway: RunningProcess, workflowId: string) {
    const client = createClient({ url: `${gateway.url.replace(/^http/, 'ws')}/graphql`, webSocketImpl: WebSocket, connectionParams: { authorization: `Bearer ${operator}` } });
    clients.push(client);
    const subscriber = { live: false, counted: [] as string[], names: new Set<string>(), failures: [] as unknown[] };
    client.subscribe<Completed>(
      { query: 'subscription($w: ID) { judgmentCompleted(workflowId: $w) { id decision workflow { name } } }', variables: { w: workflowId } },
      {
        next: ({ data }) => {
          subscriber.live = true;
          subscriber.names.add(data!.judgmentCompleted.workflow.name);
          if (data!.judgmentCompleted.decision === 'STOP_LINE') subscriber.counted.push(data!.judgmentCompleted.id);
        },
        error: (error) => void subscriber.failures.push(error),
        complete: () => undefined,
      },
    );
    return subscriber;
  }

  it('delivers judgments executed through either gateway and either judgment replica to subscribers of both, once each, in order', async () => {
    const workflowId = await createExampleWorkflow(platform.gateway.url, admin, 'Replicated line');
    await Promise.all([execute(platform.gateway, workflowId, { temperature: 1, vibration: 1 }), execute(gatewayB, workflowId, { temperature: 1, vibration: 1 })]);
    // Two subscribers on B share one upstream to Y; the one on A has its own, to X.
    const subscribers = [subscribe(platform.gateway, workflowId), subscribe(gatewayB, workflowId), subscribe(gatewayB, workflowId)];

    // Upstreams are live once an event gets through: warm-up judgments (decided OK) until one
    // reaches every subscriber, then the counted ones (decided STOP_LINE), alternating A → X and B → Y.
    const liveBy = Date.now() + 15_000;
    while (!subscribers.every((subscriber) => subscriber.live) && Date.now() < liveBy) {
      await execute(platform.gateway, workflowId, { temperature: 80, vibration: 10 });
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
    const executed: string[] = [];
    for (let n = 0; n < 20; n++) executed.push(await execute(n % 2 ? gatewayB : platform.gateway, workflowId, { temperature: 90 + n, vibration: 60 }));

    const allArrived = Date.now() + 10_000;
    while (subscribers.some((subscriber) => subscriber.counted.length < executed.length) && Date.now() < allArrived) await new Promise((resolve) => setTimeout(resolve, 50));
    // Anything duplicated would arrive right behind: give it the time to.
    await new Promise((resolve) => setTimeout(resolve, 500));
    expect([await upstreamsOf(platform.gateway.url, 'judgment'), await upstreamsOf(gatewayB.url, 'judgment')]).toEqual([1, 1]);
    for (const subscriber of subscribers) {
      expect(subscriber.failures).toEqual([]);
      expect(subscriber.counted).toEqual(executed);
      expect([...subscriber.names]).toEqual(['Replicated line']);
    }
  });
});
