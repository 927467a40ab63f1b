import { identities } from '@judgify/runtime/testing';
import { createClient as createSseClient } from 'graphql-sse';
import { createClient } from 'graphql-ws';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { createExampleWorkflow, graphql, signToken, upstreamsOf } from './client.ts';
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

/**
 * A subscription is live once its upstream (gateway → subgraph → Redis or in-process pub/sub)
 * is; until then events pass it by. Trigger again until the first event arrives.
 */
async function untilFirstEvent<T>(first: Promise<T>, trigger: () => Promise<unknown>): Promise<T> {
  let arrived = false;
  void first.then(() => (arrived = true), () => (arrived = true));
  const deadline = Date.now() + 15_000;
  while (!arrived && Date.now() < deadline) {
    await trigger();
    for (let waited = 0; waited < 500 && !arrived; waited += 25) await new Promise((resolve) => setTimeout(resolve, 25));
  }
  return first;
}

describe('a judgment end to end through `npm start` (one process, embedded)', () => {
  it('creates a workflow, decides a record with it, and shows the stats on the workflow', async () => {
    const workflowId = await createExampleWorkflow(platform.gateway.url, admin, 'Line 3 overheating');

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

  it('decides a batch in one call, in order, each execution with fields from another subgraph', async () => {
    const workflowId = await createExampleWorkflow(platform.gateway.url, admin, 'Line 4 batch');
    expect((await executeWhenKnown(workflowId, { temperature: 1, vibration: 1 })).body.errors).toBeUndefined();
    const batch = await graphql(
      platform.gateway.url,
      `mutation($input: ExecuteJudgmentsInput!) {
        executeJudgments(input: $input) { succeeded failed results { index execution { id decision cached workflow { name version } } error { code message } } }
      }`,
      { token: operator, variables: { input: { workflowId, method: 'RULE', inputs: [{ temperature: 90, vibration: 60 }, { temperature: 95 }, { temperature: 2, vibration: 2 }] } } },
    );
    expect(batch.body.errors).toBeUndefined();
    expect(batch.body.data?.executeJudgments).toMatchObject({
      succeeded: 3,
      failed: 0,
      results: [
        { index: 0, execution: { decision: 'STOP_LINE', cached: false, workflow: { name: 'Line 4 batch', version: 1 } }, error: null },
        { index: 1, execution: { decision: 'UNDECIDED', workflow: { name: 'Line 4 batch' } }, error: null },
        { index: 2, execution: { decision: 'OK' }, error: null },
      ],
    });
    const stats = await graphql(platform.gateway.url, `query($id: ID!) { workflow(id: $id) { executions(first: 10) { id } } }`, { token: operator, variables: { id: workflowId } });
    const ids = batch.body.data?.executeJudgments.results.map((item: { execution: { id: string } }) => item.execution.id);
    expect(stats.body.data?.workflow.executions.map((execution: { id: string }) => execution.id)).toEqual(expect.arrayContaining(ids));
    const tooMany = await graphql(platform.gateway.url, `mutation($input: ExecuteJudgmentsInput!) { executeJudgments(input: $input) { failed } }`, {
      token: operator,
      variables: { input: { workflowId, inputs: Array.from({ length: 1001 }, () => ({})) } },
    });
    expect(tooMany.body.errors?.[0]).toMatchObject({ message: 'input.inputs must hold 1 to 1000 records; got 1001.', extensions: { code: 'BAD_USER_INPUT' } });
  });

  it('stops judging a workflow once it is deactivated', async () => {
    const workflowId = await createExampleWorkflow(platform.gateway.url, admin, 'Soon inactive');
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

describe('judgmentCompleted through the gateway over graphql-ws', () => {
  it('delivers each judgment with fields from another subgraph, to its own tenant only', async () => {
    const workflowId = await createExampleWorkflow(platform.gateway.url, admin, 'Watched line');
    await executeWhenKnown(workflowId, { temperature: 1, vibration: 1 });

    const wsUrl = `${platform.gateway.url.replace(/^http/, 'ws')}/graphql`;
    const acme = createClient({ url: wsUrl, webSocketImpl: WebSocket, connectionParams: { authorization: `Bearer ${operator}` } });
    const globex = createClient({
      url: wsUrl,
      webSocketImpl: WebSocket,
      connectionParams: { authorization: `Bearer ${await signToken(identities.globexAdmin, platform.jwtSecret)}` },
    });
    const query = `subscription($w: ID) { judgmentCompleted(workflowId: $w) { id decision confidence workflow { id name } } }`;
    const acmeEvents = acme.iterate<{ judgmentCompleted: Record<string, unknown> }>({ query, variables: { w: workflowId } });
    const globexEvents = globex.iterate<{ judgmentCompleted: Record<string, unknown> }>({ query });
    const globexSeen: unknown[] = [];
    void (async () => {
      for await (const event of globexEvents) globexSeen.push(event);
    })();
    let judged: Awaited<ReturnType<typeof executeWhenKnown>> | undefined;
    const event = await untilFirstEvent(acmeEvents.next(), async () => (judged = await executeWhenKnown(workflowId, { temperature: 95, vibration: 70 })));
    expect(event.value).toEqual({
      data: {
        judgmentCompleted: {
          id: judged?.body.data?.executeJudgment.id,
          decision: 'STOP_LINE',
          confidence: 1,
          workflow: { id: workflowId, name: 'Watched line' },
        },
      },
    });
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(globexSeen).toEqual([]);
    await acmeEvents.return?.(undefined);
    await globexEvents.return?.(undefined);
    await Promise.all([acme.dispose(), globex.dispose()]);
  });

  it('closes a connection without a valid token with 4403', async () => {
    const client = createClient({ url: `${platform.gateway.url.replace(/^http/, 'ws')}/graphql`, webSocketImpl: WebSocket, retryAttempts: 0, connectionParams: { authorization: 'Bearer nope' } });
    const outcome = await new Promise<unknown>((resolve) => {
      client.subscribe({ query: 'subscription { judgmentCompleted { id } }' }, { next: () => undefined, error: resolve, complete: () => resolve('completed') });
    });
    expect((outcome as { code?: number }).code).toBe(4403);
    await client.dispose();
  });

  it('closes with the protocol’s codes when a client breaks graphql-transport-ws', async () => {
    const url = `${platform.gateway.url.replace(/^http/, 'ws')}/graphql`;
    const init = JSON.stringify({ type: 'connection_init', payload: { authorization: `Bearer ${operator}` } });
    const subscribe = JSON.stringify({ id: 'one', type: 'subscribe', payload: { query: 'subscription { judgmentCompleted { id } }' } });
    const closeOf = (protocol: string | undefined, talk: (socket: WebSocket) => void) =>
      new Promise<{ code: number; reason: string }>((resolve) => {
        const socket = new WebSocket(url, protocol ? [protocol] : []);
        socket.once('open', () => talk(socket));
        socket.once('close', (code, reason) => resolve({ code, reason: reason.toString() }));
      });
    const afterAck = (then: (socket: WebSocket) => void) => (socket: WebSocket) => {
      socket.once('message', () => then(socket));
      socket.send(init);
    };
    const outcomes = await Promise.all([
      closeOf(undefined, () => undefined),
      closeOf('graphql-transport-ws', (socket) => socket.send('{not json')),
      closeOf('graphql-transport-ws', (socket) => socket.send(subscribe)),
      closeOf('graphql-transport-ws', afterAck((socket) => [subscribe, subscribe].forEach((message) => socket.send(message)))),
      closeOf('graphql-transport-ws', afterAck((socket) => socket.send(init))),
    ]);
    expect(outcomes).toEqual([
      { code: 4406, reason: 'Subprotocol not acceptable' },
      { code: 4400, reason: 'Invalid message received' },
      { code: 4401, reason: 'Unauthorized' },
      { code: 4409, reason: 'Subscriber for one already exists' },
      { code: 4429, reason: 'Too many initialisation requests' },
    ]);
  });

  it('refuses the subscription, at subscribe time, to a caller without the viewer role', async () => {
    const roleless = await signToken({ userId: 'nobody', tenantId: identities.acmeOperator.tenantId, roles: [] }, platform.jwtSecret);
    const client = createClient({ url: `${platform.gateway.url.replace(/^http/, 'ws')}/graphql`, webSocketImpl: WebSocket, connectionParams: { authorization: `Bearer ${roleless}` } });
    const outcome = await new Promise<unknown>((resolve) => {
      client.subscribe({ query: 'subscription { judgmentCompleted { id } }' }, { next: resolve, error: resolve, complete: () => resolve('completed') });
    });
    // graphql-js answers a refused subscribe with one result holding the error; the stream then completes.
    expect(outcome).toEqual({
      data: null,
      errors: [expect.objectContaining({ message: expect.stringMatching(/requires the viewer role/), extensions: expect.objectContaining({ code: 'FORBIDDEN' }) })],
    });
    await client.dispose();
  });
});

describe('judgmentCompleted through the gateway over Server-Sent Events', () => {
  it('streams federated events to an SSE client on /graphql', async () => {
    const workflowId = await createExampleWorkflow(platform.gateway.url, admin, 'SSE line');
    await executeWhenKnown(workflowId, { temperature: 1, vibration: 1 });

    const controller = new AbortController();
    const response = await fetch(`${platform.gateway.url}/graphql`, {
      method: 'POST',
      signal: controller.signal,
      headers: { 'content-type': 'application/json', accept: 'text/event-stream', authorization: `Bearer ${operator}` },
      body: JSON.stringify({ query: 'subscription($w: ID) { judgmentCompleted(workflowId: $w) { decision workflow { name } } }', variables: { w: workflowId } }),
    });
    expect(response.headers.get('content-type')).toContain('text/event-stream');
    const reader = response.body!.getReader();
    const readEvent = (async () => {
      let text = '';
      while (!text.includes('"judgmentCompleted"')) text += new TextDecoder().decode((await reader.read()).value);
      return text;
    })();
    const text = await untilFirstEvent(readEvent, () => executeWhenKnown(workflowId, { temperature: 99, vibration: 99 }));
    const line = text.split('\n').find((candidate) => candidate.startsWith('data: {"data"'))!;
    expect(JSON.parse(line.slice('data: '.length))).toEqual({ data: { judgmentCompleted: { decision: 'STOP_LINE', workflow: { name: 'SSE line' } } } });
    controller.abort();
  });

  it('serves the graphql-sse client (distinct connections mode), and closes the upstream when it leaves', async () => {
    const workflowId = await createExampleWorkflow(platform.gateway.url, admin, 'graphql-sse line');
    await executeWhenKnown(workflowId, { temperature: 1, vibration: 1 });
    const upstreamsBefore = await upstreamsOf(platform.gateway.url, 'judgment');
    const client = createSseClient({ url: `${platform.gateway.url}/graphql`, headers: { authorization: `Bearer ${operator}` }, retryAttempts: 0 });
    const events = client.iterate<{ judgmentCompleted: { decision: string; workflow: { name: string } } }>({
      query: 'subscription($w: ID) { judgmentCompleted(workflowId: $w) { decision workflow { name } } }',
      variables: { w: workflowId },
    });
    const first = await untilFirstEvent(events.next(), () => executeWhenKnown(workflowId, { temperature: 99, vibration: 99 }));
    expect(first.value).toEqual({ data: { judgmentCompleted: { decision: 'STOP_LINE', workflow: { name: 'graphql-sse line' } } } });
    expect(await upstreamsOf(platform.gateway.url, 'judgment')).toBe(upstreamsBefore + 1);
    await events.return?.(undefined);
    client.dispose();
    await expect.poll(() => upstreamsOf(platform.gateway.url, 'judgment')).toBe(upstreamsBefore);
  });

  it('ends the stream with UNAUTHENTICATED when the token expires', async () => {
    const shortLived = await signToken(identities.acmeOperator, platform.jwtSecret, '2s');
    const response = await fetch(`${platform.gateway.url}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'text/event-stream', authorization: `Bearer ${shortLived}` },
      body: JSON.stringify({ query: 'subscription { judgmentCompleted { id } }' }),
    });
    // The whole body arrives only because the server ends the stream.
    const text = await response.text();
    const results = text
      .split('\n')
      .filter((line) => line.startsWith('data: {'))
      .map((line) => JSON.parse(line.slice('data: '.length)) as { errors?: Array<{ message: string; extensions: { code: string } }> });
    expect(results.at(-1)?.errors).toEqual([{ message: 'Token expired: subscribe again with a fresh token.', extensions: { code: 'UNAUTHENTICATED' } }]);
    expect(text).toMatch(/event: complete/);
  });
});

describe('federated subscriptions: selections, limits and lifetime', () => {
  const wsUrl = () => `${platform.gateway.url.replace(/^http/, 'ws')}/graphql`;

  it('shapes each event by the whole selection: subgraph hops, aliases, fragments, variables, @include / @skip, __typename', async () => {
    const workflowId = await createExampleWorkflow(platform.gateway.url, admin, 'Shaped line');
    await executeWhenKnown(workflowId, { temperature: 1, vibration: 1 });
    const client = createClient({ url: wsUrl(), webSocketImpl: WebSocket, connectionParams: { authorization: `Bearer ${operator}` } });
    const events = client.iterate<Record<string, unknown>>({
      query: `subscription Watch($w: ID, $withName: Boolean!, $skipVersion: Boolean!) {
        done: judgmentCompleted(workflowId: $w) {
          ...Outcome
          __typename
          line: workflow {
            label: name @include(if: $withName)
            version @skip(if: $skipVersion)
            successRate
            recent: executions(first: 1) { workflow { label: name } }
          }
        }
      }
      fragment Outcome on JudgmentExecution { verdict: decision methodUsed }`,
      variables: { w: workflowId, withName: true, skipVersion: true },
    });
    const next = await untilFirstEvent(events.next(), () => executeWhenKnown(workflowId, { temperature: 90, vibration: 60 }));
    expect(next.value).toEqual({
      // judgment → workflow (name) → judgment (successRate, executions) → workflow (name) again
      data: {
        done: {
          verdict: 'STOP_LINE',
          methodUsed: 'RULE',
          __typename: 'JudgmentExecution',
          line: { label: 'Shaped line', successRate: 1, recent: [{ workflow: { label: 'Shaped line' } }] },
        },
      },
    });
    await events.return?.(undefined);
    await client.dispose();
  });

  it('counts open connections, subscriptions and resolved events in /metrics', async () => {
    const workflowId = await createExampleWorkflow(platform.gateway.url, admin, 'Counted line');
    await executeWhenKnown(workflowId, { temperature: 1, vibration: 1 });
    const client = createClient({ url: wsUrl(), webSocketImpl: WebSocket, connectionParams: { authorization: `Bearer ${operator}` } });
    const events = client.iterate({ query: 'subscription($w: ID) { judgmentCompleted(workflowId: $w) { id workflow { name } } }', variables: { w: workflowId } });
    await untilFirstEvent(events.next(), () => executeWhenKnown(workflowId, { temperature: 1, vibration: 1 }));
    const metrics = await (await fetch(`${platform.gateway.url}/metrics`)).text();
    expect(metrics).toMatch(/active_websocket_connections\{[^}]*\} [1-9]/);
    expect(metrics).toMatch(/graphql_subscriptions_active\{[^}]*subgraph="judgment",field="judgmentCompleted"[^}]*\} [1-9]/);
    expect(metrics).toMatch(/graphql_subscription_events_total\{[^}]*subgraph="judgment",field="judgmentCompleted"[^}]*\} [1-9]/);
    expect(metrics).toMatch(/graphql_subscription_event_resolution_seconds_count\{[^}]*field="judgmentCompleted"[^}]*\} [1-9]/);
    await events.return?.(undefined);
    await client.dispose();
  });

  it('closes the connection with 4401 when the token expires', async () => {
    const shortLived = await signToken(identities.acmeOperator, platform.jwtSecret, '2s');
    const client = createClient({ url: wsUrl(), webSocketImpl: WebSocket, retryAttempts: 0, connectionParams: { authorization: `Bearer ${shortLived}` } });
    const outcome = await new Promise<unknown>((resolve) => {
      client.subscribe({ query: 'subscription { judgmentCompleted { id } }' }, { next: () => undefined, error: resolve, complete: () => resolve('completed') });
    });
    expect(outcome).toMatchObject({ code: 4401, reason: 'Token expired: reconnect with a fresh token' });
    await client.dispose();
  });
});

describe('workflowChanged through the gateway', () => {
  it('pushes each change of one workflow with fields from the judgment subgraph, then null once it is deleted', async () => {
    const id = await createExampleWorkflow(platform.gateway.url, admin, 'Changing line');
    await executeWhenKnown(id, { temperature: 90, vibration: 60 });
    const client = createClient({ url: `${platform.gateway.url.replace(/^http/, 'ws')}/graphql`, webSocketImpl: WebSocket, connectionParams: { authorization: `Bearer ${admin}` } });
    type Changed = { version: number; description: string | null; isActive: boolean; successRate: number | null } | null;
    const received: Changed[] = [];
    client.subscribe<{ workflowChanged: Changed }>(
      { query: 'subscription($id: ID!) { workflowChanged(id: $id) { version description isActive successRate } }', variables: { id } },
      { next: (event) => void received.push(event.data!.workflowChanged), error: () => undefined, complete: () => undefined },
    );
    const change = (query: string, variables: Record<string, unknown> = {}) => graphql(platform.gateway.url, query, { token: admin, variables: { id, ...variables } });
    const redescribe = 'mutation($id: ID!, $text: String) { updateWorkflow(id: $id, input: { description: $text }) { version } }';
    // Live once a change gets through; until then, changes pass it by.
    for (let attempt = 0; !received.length; attempt++) {
      if (attempt > 50) throw new Error('no workflow change reached the subscriber');
      await change(redescribe, { text: `warming up ${attempt}` });
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    const { version } = (await change(redescribe, { text: 'hot' })).body.data!.updateWorkflow as { version: number };
    await change('mutation($id: ID!) { deactivateWorkflow(id: $id) { version } }');
    await change('mutation($id: ID!) { deleteWorkflow(id: $id) }');
    // Warm-up changes may still arrive before these; from the first of these on, nothing else.
    const counted = () => received.slice(received.findIndex((workflow) => workflow?.description === 'hot'));
    await expect.poll(() => received.at(-1)).toBeNull();
    expect(counted()).toEqual([
      { version, description: 'hot', isActive: true, successRate: 1 },
      { version: version + 1, description: 'hot', isActive: false, successRate: 1 },
      null,
    ]);
    await client.dispose();
  });
});

describe('shared upstreams and limits', () => {
  const wsUrl = () => `${platform.gateway.url.replace(/^http/, 'ws')}/graphql`;

  it('gives subscribers of the same operation in one tenant one upstream, and closes it when they leave', async () => {
    const workflowId = await createExampleWorkflow(platform.gateway.url, admin, 'Shared line');
    await executeWhenKnown(workflowId, { temperature: 1, vibration: 1 });
    const before = await upstreamsOf(platform.gateway.url, 'judgment');
    const clients = [operator, await signToken({ ...identities.acmeOperator, userId: 'olga' }, platform.jwtSecret)].map((token) =>
      createClient({ url: wsUrl(), webSocketImpl: WebSocket, connectionParams: { authorization: `Bearer ${token}` } }),
    );
    const streams = clients.map((client) =>
      client.iterate<{ judgmentCompleted: { decision: string } }>({ query: 'subscription($w: ID) { judgmentCompleted(workflowId: $w) { decision } }', variables: { w: workflowId } }),
    );
    const firsts = streams.map((stream) => stream.next());
    await untilFirstEvent(Promise.all(firsts), () => executeWhenKnown(workflowId, { temperature: 99, vibration: 99 }));
    expect(await upstreamsOf(platform.gateway.url, 'judgment')).toBe(before + 1);
    for (const first of firsts) expect((await first).value).toEqual({ data: { judgmentCompleted: { decision: 'STOP_LINE' } } });
    await Promise.all(streams.map((stream) => stream.return?.(undefined)));
    await Promise.all(clients.map((client) => client.dispose()));
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(await upstreamsOf(platform.gateway.url, 'judgment')).toBe(before);
  });

  it('refuses a user more than 20 connections with 4430, and counts a connection free once it closes', async () => {
    const token = await signToken({ ...identities.acmeViewer, userId: 'many-tabs' }, platform.jwtSecret);
    const sockets = Array.from({ length: 21 }, () => new WebSocket(wsUrl(), 'graphql-transport-ws'));
    const closes = sockets.map(
      (socket) =>
        new Promise<{ code: number; reason: string } | 'acknowledged'>((resolve) => {
          socket.on('open', () => socket.send(JSON.stringify({ type: 'connection_init', payload: { authorization: `Bearer ${token}` } })));
          socket.on('message', (message) => {
            if (JSON.parse(String(message)).type === 'connection_ack') resolve('acknowledged');
          });
          socket.on('close', (code, reason) => resolve({ code, reason: String(reason) }));
        }),
    );
    const outcomes = await Promise.all(closes);
    expect(outcomes.filter((outcome) => outcome === 'acknowledged')).toHaveLength(20);
    expect(outcomes.filter((outcome) => outcome !== 'acknowledged')).toEqual([{ code: 4430, reason: 'Too many connections: at most 20 per user' }]);
    const open = sockets.filter((socket) => socket.readyState === WebSocket.OPEN);
    await new Promise((resolve) => {
      open[0]!.once('close', resolve);
      open[0]!.close();
    });
    await new Promise((resolve) => setTimeout(resolve, 200)); // the server's side of the close
    const another = new WebSocket(wsUrl(), 'graphql-transport-ws');
    const acknowledged = await new Promise((resolve) => {
      another.on('open', () => another.send(JSON.stringify({ type: 'connection_init', payload: { authorization: `Bearer ${token}` } })));
      another.on('message', (message) => resolve(JSON.parse(String(message)).type));
      another.on('close', (code) => resolve(code));
    });
    expect(acknowledged).toBe('connection_ack');
    another.close();
    for (const socket of sockets) socket.close();
  });
});
