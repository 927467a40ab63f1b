import { randomUUID } from 'node:crypto';
import { identities, testRedisUrl } from '@judgify/runtime/testing';
import { createClient, type Client } from 'graphql-ws';
import { Redis } from 'ioredis';
import { afterAll, afterEach, beforeAll, describe, expect, it, onTestFinished } from 'vitest';
import WebSocket from 'ws';
import { createExampleWorkflow, graphql, signToken, subgraphSubscriptions, upstreamsOf } from './client.ts';
import { startPlatform, type Platform } from './platform.ts';

const SUBSCRIPTION = 'subscription($w: ID) { judgmentCompleted(workflowId: $w) { id decision workflow { name } } }';
type Completed = { judgmentCompleted: { id: string; decision: string; workflow: { name: string } } };
const MAX_BUFFERED_BYTES = 1024 * 1024;
const WITH_INPUT = 'subscription($w: ID) { judgmentCompleted(workflowId: $w) { id inputData } }';

// Restarting one service must leave the others' view intact, so each runs as its own process,
// sharing workflows and live events through Redis.
describe.runIf(testRedisUrl())('federated subscriptions when processes restart or clients lag (distributed mode)', () => {
  let platform: Platform;
  let admin: string;
  let operator: string;
  let workflowId: string;
  const clients: Client[] = [];

  beforeAll(async () => {
    platform = await startPlatform({ logLevel: 'info', gatewayEnv: { WS_MAX_BUFFERED_BYTES: String(MAX_BUFFERED_BYTES) } });
    admin = await signToken(identities.acmeAdmin, platform.jwtSecret);
    operator = await signToken(identities.acmeOperator, platform.jwtSecret);
    workflowId = await createExampleWorkflow(platform.gateway.url, admin, 'Restarted line');
  });
  afterEach(async () => {
    await Promise.all(clients.splice(0).map((client) => client.dispose()));
  });
  afterAll(() => platform?.stop());

  const gatewaySocketUrl = () => `${platform.gateway.url.replace(/^http/, 'ws')}/graphql`;

  /** Executes through the gateway, retrying while a restarted service is not yet reachable or has not yet seen the workflow. */
  async function execute(inputData: Record<string, unknown>): Promise<string> {
    const deadline = Date.now() + 15_000;
    for (;;) {
      const result = await graphql(platform.gateway.url, `mutation($input: ExecuteJudgmentInput!) { executeJudgment(input: $input) { id } }`, {
        token: operator,
        variables: { input: { workflowId, inputData, method: 'RULE' } },
      }).catch((error: Error) => ({ body: { errors: [{ message: error.message }], data: undefined } }));
      const id = result.body.data?.executeJudgment?.id as string | undefined;
      if (id) return id;
      if (Date.now() > deadline) throw new Error(`executeJudgment kept failing: ${JSON.stringify(result.body.errors)}`);
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }

  /** Executes judgments until the given stream has delivered one of them (the upstream is live from then on). */
  async function untilDelivered(delivered: () => number): Promise<void> {
    const before = delivered();
    for (let attempt = 0; delivered() === before; attempt++) {
      if (attempt > 100) throw new Error('no event reached the subscriber');
      await execute({ temperature: 1, vibration: 1 });
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }

  it('releases the upstream at every hop — gateway, subgraph, Redis channel — once the last subscriber leaves', async () => {
    // A tenant of its own, so no other subscription shares its Redis channel.
    const tenantId = `cleanup-${randomUUID()}`;
    const owner = await signToken({ userId: 'uma', tenantId, roles: ['admin'] }, platform.jwtSecret);
    const ownWorkflow = await createExampleWorkflow(platform.gateway.url, owner, 'Released line');
    const redis = new Redis(testRedisUrl()!);
    onTestFinished(() => void redis.disconnect());
    const hops = async () => ({
      gateway: await upstreamsOf(platform.gateway.url, 'judgment'),
      subgraph: await subgraphSubscriptions(platform.subgraphs.judgment.url, 'judgmentCompleted'),
      redis: ((await redis.pubsub('NUMSUB', `${platform.redisPrefix}judgment.completed:${tenantId}`)) as [string, number])[1],
    });
    const before = await hops();
    const received = [0, 0];
    const leaving = [0, 1].map((index) => {
      const client = createClient({ url: gatewaySocketUrl(), webSocketImpl: WebSocket, connectionParams: { authorization: `Bearer ${owner}` } });
      clients.push(client);
      return client.subscribe({ query: SUBSCRIPTION, variables: { w: ownWorkflow } }, { next: () => void received[index]!++, error: () => undefined, complete: () => undefined });
    });
    for (let attempt = 0; received.some((count) => count === 0); attempt++) {
      if (attempt > 100) throw new Error(`events reached ${received.filter(Boolean).length} of 2 subscribers`);
      await graphql(platform.gateway.url, `mutation($input: ExecuteJudgmentInput!) { executeJudgment(input: $input) { id } }`, {
        token: owner,
        variables: { input: { workflowId: ownWorkflow, inputData: { temperature: 1, vibration: 1 }, method: 'RULE' } },
      });
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    const shared = { gateway: before.gateway + 1, subgraph: before.subgraph + 1, redis: 1 };
    expect(await hops()).toEqual(shared);
    leaving[0]!();
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(await hops()).toEqual(shared);
    leaving[1]!();
    await expect.poll(hops).toEqual({ ...before, redis: 0 });
  });

  it('ends the stream with an error naming the subgraph when the owning subgraph restarts; subscribing again resumes it', async () => {
    const client = createClient({ url: gatewaySocketUrl(), webSocketImpl: WebSocket, connectionParams: { authorization: `Bearer ${operator}` } });
    clients.push(client);
    const received: Completed[] = [];
    const first = (async () => {
      for await (const event of client.iterate<Completed>({ query: SUBSCRIPTION, variables: { w: workflowId } })) received.push(event.data!);
    })();
    const ended = first.then(
      () => new Error('the stream completed without an error'),
      (errors: unknown) => errors,
    );
    await untilDelivered(() => received.length);
    expect(received[0]?.judgmentCompleted.workflow.name).toBe('Restarted line');

    platform.subgraphs.judgment = await platform.restart(platform.subgraphs.judgment);
    const errors = (await ended) as Array<{ message: string; extensions: Record<string, unknown> }>;
    expect(errors[0]?.extensions).toMatchObject({ code: 'DOWNSTREAM_SERVICE_ERROR', serviceName: 'judgment' });
    expect(errors[0]?.message).toMatch(/judgment subgraph ended this subscription.*subscribe again/);

    const resumed: Completed[] = [];
    const second = (async () => {
      for await (const event of client.iterate<Completed>({ query: SUBSCRIPTION, variables: { w: workflowId } })) {
        resumed.push(event.data!);
        return;
      }
    })();
    await untilDelivered(() => resumed.length);
    await second;
    expect(resumed[0]?.judgmentCompleted.workflow.name).toBe('Restarted line');
  });

  it('closes sockets with 1001 when the gateway shuts down, and a retrying client reconnects and resubscribes on its own', async () => {
    const closeCodes: number[] = [];
    const received: Completed[] = [];
    const client = createClient({
      url: gatewaySocketUrl(),
      webSocketImpl: WebSocket,
      connectionParams: { authorization: `Bearer ${operator}` },
      // Resumable: retries through refused connections too, while the gateway is down.
      retryAttempts: 50,
      shouldRetry: () => true,
      retryWait: () => new Promise((resolve) => setTimeout(resolve, 200)),
      on: { closed: (event) => void closeCodes.push((event as { code: number }).code) },
    });
    clients.push(client);
    const failures: unknown[] = [];
    client.subscribe<Completed>(
      { query: SUBSCRIPTION, variables: { w: workflowId } },
      { next: (event) => void received.push(event.data!), error: (error) => void failures.push(error), complete: () => undefined },
    );
    await untilDelivered(() => received.length);

    platform.gateway = await platform.restart(platform.gateway);
    expect(closeCodes[0]).toBe(1001);
    await untilDelivered(() => received.length);
    expect(failures).toEqual([]);
    expect(received.at(-1)?.judgmentCompleted.workflow.name).toBe('Restarted line');
  });

  it('closes a client that stops reading with 1013 and a reason, while one that reads the same large events gets every one', async () => {
    const keepingUp: string[] = [];
    const client = createClient({ url: gatewaySocketUrl(), webSocketImpl: WebSocket, connectionParams: { authorization: `Bearer ${admin}` } });
    clients.push(client);
    client.subscribe<Completed>(
      { query: WITH_INPUT, variables: { w: workflowId } },
      { next: (event) => void keepingUp.push(event.data!.judgmentCompleted.id), error: () => undefined, complete: () => undefined },
    );

    // A raw client that subscribes to the whole input of each judgment, then stops reading.
    const stalled = new WebSocket(gatewaySocketUrl(), 'graphql-transport-ws');
    const closed = new Promise<{ code: number; reason: string }>((resolve) => stalled.once('close', (code, reason) => resolve({ code, reason: reason.toString() })));
    await new Promise((resolve) => stalled.once('open', resolve));
    stalled.send(JSON.stringify({ type: 'connection_init', payload: { authorization: `Bearer ${operator}` } }));
    await new Promise((resolve) => stalled.once('message', resolve));
    stalled.send(
      JSON.stringify({
        id: 'heavy',
        type: 'subscribe',
        payload: { query: WITH_INPUT, variables: { w: workflowId } },
      }),
    );
    let stalledReceived = 0;
    stalled.on('message', (data) => void ((JSON.parse(String(data)) as { type: string }).type === 'next' && stalledReceived++));
    await untilDelivered(() => stalledReceived);
    await untilDelivered(() => keepingUp.length);

    // Far more than the socket buffers of both kernels and the gateway's 1 MiB bound can hold.
    stalled.pause();
    const bulky = { temperature: 1, vibration: 1, readings: 'x'.repeat(400_000) };
    const executed: string[] = [];
    for (let n = 0; n < 30; n++) executed.push(await execute(bulky));
    // Its operation is released at once, not once the stalled client reads its way to the close.
    const upstreams = () => upstreamsOf(platform.gateway.url, 'judgment');
    const deadline = Date.now() + 10_000;
    while ((await upstreams()) !== 1 && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 100));
    expect(await upstreams()).toBe(1);
    stalled.resume();
    expect(await closed).toEqual({ code: 1013, reason: expect.stringMatching(/^Too slow: over 1024 KiB of events waiting for this client/) });
    const metrics = await (await fetch(`${platform.gateway.url}/metrics`)).text();
    expect(metrics).toMatch(/graphql_subscribers_dropped_total\{reason="socket_backlog"[^}]*\} 1\b/);

    const allDelivered = Date.now() + 10_000;
    while (!executed.every((id) => keepingUp.includes(id)) && Date.now() < allDelivered) await new Promise((resolve) => setTimeout(resolve, 50));
    expect(executed.filter((id) => !keepingUp.includes(id))).toEqual([]);
  });
});
