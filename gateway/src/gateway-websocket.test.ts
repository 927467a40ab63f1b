import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { boundedStream, type BoundedStream } from '@judgify/runtime/bounded-stream';
import { Counter, Gauge, Registry } from '@judgify/runtime/metrics';
import { silentLogger } from '@judgify/runtime/testing';
import { Kind, type ExecutionResult, type OperationDefinitionNode } from 'graphql';
import { createClient } from 'graphql-ws';
import { createSchema, createYoga } from 'graphql-yoga';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { createMemoryCache } from '@judgify/runtime/cache';
import { createRateLimiter } from '@judgify/runtime/rate-limiter';
import { createAuthenticator } from './auth.ts';
import type { GatewayContext } from './context.ts';
import { serveGatewayWebSocket } from './gateway-websocket.ts';
import { FRAGMENT_BYTES } from './shared-payloads.ts';
import { createOperationLimiter, parseRateLimits } from './rate-limits.ts';
import { SubscriptionHub } from './subscription-hub.ts';
import { TrustedDocuments } from './trusted-documents.ts';

/** The gateway's graphql-ws wiring on a real socket, with upstreams the test feeds: one per root field. */
describe('gateway graphql-ws: shared events on the wire', () => {
  const upstreams = new Map<string, BoundedStream<ExecutionResult>>();
  const hub = new SubscriptionHub();
  const server = createServer();
  let subscriptions = 0;
  let url = '';
  let close: () => Promise<void>;

  beforeAll(async () => {
    const yoga = createYoga<Record<string, unknown>, GatewayContext>({
      schema: createSchema({ typeDefs: 'type Query { ok: Boolean } type Subscription { big: String small: String }' }),
    });
    close = serveGatewayWebSocket(server, {
      yoga,
      authenticator: createAuthenticator({}),
      subscribe: (request) => {
        const field = (request.document.definitions[0] as OperationDefinitionNode).selectionSet.selections[0]!;
        const name = field.kind === Kind.FIELD ? field.name.value : '';
        subscriptions++;
        return hub.subscribe(name, () => {
          const upstream = boundedStream<ExecutionResult>({ limit: 100, overflow: () => new Error('too slow'), detach: () => upstreams.delete(name) });
          upstreams.set(name, upstream);
          return upstream.stream;
        });
      },
      trusted: new TrustedDocuments({ mode: 'allow', documents: [], adminBypass: false, apq: createMemoryCache() }),
      limits: createOperationLimiter({
        policy: parseRateLimits('off'),
        limiter: createRateLimiter({ logger: silentLogger, service: 'test' }),
        refusals: new Counter({ name: 'rate_limited_total', help: 'test', labelNames: ['operation'], registers: [new Registry()] }),
      }),
      logger: silentLogger,
      activeConnections: new Gauge({ name: 'active_websocket_connections', help: 'test', registers: [new Registry()] }),
      maxBufferedBytes: 4 * 1024 * 1024,
      onTooSlow: () => undefined,
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    url = `ws://127.0.0.1:${(server.address() as AddressInfo).port}/graphql`;
  });
  afterAll(async () => {
    await close();
    await new Promise((resolve) => server.close(resolve));
  });

  it('delivers a large shared event (in fragments) and a small one of the same tick, exactly, to every subscriber', async () => {
    const clients = [0, 1].map(() => createClient({ url, webSocketImpl: WebSocket, retryAttempts: 0 }));
    const big = { data: { big: `${'ä'.repeat(FRAGMENT_BYTES)} ✓` } };
    const small = { data: { small: 'hello' } };
    const received = [[], []] as unknown[][];
    const listen = (index: number, query: string) =>
      clients[index]!.subscribe({ query }, { next: (event) => void received[index]!.push(event), error: (error) => void received[index]!.push({ error }), complete: () => undefined });
    const leave = [listen(0, 'subscription { big }'), listen(0, 'subscription { small }'), listen(1, 'subscription { big }')];
    // Every subscriber is in before the events come.
    await expect.poll(() => subscriptions).toBe(3);
    expect(upstreams.size).toBe(2);
    upstreams.get('big')!.push(big);
    upstreams.get('small')!.push(small);
    await expect.poll(() => received.map((events) => events.length)).toEqual([2, 1]);
    expect(received[0]).toEqual(expect.arrayContaining([big, small]));
    expect(received[1]).toEqual([big]);
    for (const stop of leave) stop();
    await expect.poll(() => upstreams.size).toBe(0);
    await Promise.all(clients.map((client) => client.dispose()));
  });
});
