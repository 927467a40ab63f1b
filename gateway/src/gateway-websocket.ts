import { randomUUID } from 'node:crypto';
import type { IncomingMessage, Server } from 'node:http';
import type { Socket } from 'node:net';
import type { Identity } from '@judgify/runtime/identity';
import type { Logger } from '@judgify/runtime/logger';
import { GraphQLError, type ExecutionArgs } from 'graphql';
import type { YogaServerInstance } from 'graphql-yoga';
import { CloseCode, handleProtocols, makeServer } from 'graphql-ws';
import type { Gauge } from 'prom-client';
import { WebSocketServer, type WebSocket } from 'ws';
import type { Authenticator } from './auth.ts';
import type { GatewayContext } from './context.ts';
import type { createFederatedSubscriber } from './federated-subscriptions.ts';

/** Pings find connections that died without a close; one missed pong ends them. */
const PING_INTERVAL_MS = 20_000;
/** Close codes: `graphql-transport-ws` leaves 4400–4499 to the server for client errors. */
const TOKEN_EXPIRED = 4401;
const TOO_MANY_CONNECTIONS = 4429;
/** 1013 Try Again Later: a temporary condition, so graphql-ws clients reconnect (with backoff). */
const TOO_SLOW = 1013;
const GOING_AWAY = 1001;
export const MAX_CONNECTIONS_PER_USER = 20;
export const MAX_SUBSCRIPTIONS_PER_CONNECTION = 50;

type Enveloped = ReturnType<YogaServerInstance<Record<string, unknown>, GatewayContext>['getEnveloped']>;

interface Extra {
  socket: WebSocket;
  request: IncomingMessage;
}

/**
 * Messages written to one TCP socket in the same tick leave in one write: under load, events
 * resolved together reach each client as one packet train instead of a syscall per message.
 */
function coalesceWrites(transport: Socket): void {
  if (transport.writableCorked) return;
  transport.cork();
  process.nextTick(() => transport.uncork());
}

/**
 * graphql-ws (`graphql-transport-ws`) on the gateway's /graphql. The client's token comes in the
 * connection_init payload (`authorization`) or the upgrade request's header; without a valid one
 * the connection closes with 4403 Forbidden. Queries and mutations run like HTTP ones;
 * subscriptions run federated.
 */
export function serveGatewayWebSocket(
  server: Server,
  options: {
    yoga: YogaServerInstance<Record<string, unknown>, GatewayContext>;
    authenticator: Authenticator;
    subscribe: ReturnType<typeof createFederatedSubscriber>;
    logger: Logger;
    activeConnections: Gauge;
    /** Bytes waiting to be sent to one client beyond which it is closed as too slow. */
    maxBufferedBytes: number;
    onTooSlow: () => void;
  },
) {
  const { maxBufferedBytes } = options;
  const sockets = new WebSocketServer({ server, path: '/graphql' });
  const identities = new WeakMap<object, Identity>();
  const alive = new WeakSet<WebSocket>();
  const connectionsPerUser = new Map<string, number>();
  const operations = new WeakMap<object, Set<string>>();
  const pinger = setInterval(() => {
    for (const socket of sockets.clients) {
      if (!alive.has(socket)) {
        socket.terminate();
        continue;
      }
      alive.delete(socket);
      socket.ping();
    }
  }, PING_INTERVAL_MS);
  const protocol = makeServer<Record<string, unknown>, Extra>({
    onConnect: async (context) => {
      const given = context.connectionParams?.authorization ?? context.extra.request.headers.authorization;
      try {
        const session = await options.authenticator.session(typeof given === 'string' ? given : undefined);
        const user = `${session.identity.tenantId}/${session.identity.userId}`;
        const open = connectionsPerUser.get(user) ?? 0;
        if (open >= MAX_CONNECTIONS_PER_USER) {
          context.extra.socket.close(TOO_MANY_CONNECTIONS, `Too many connections: at most ${MAX_CONNECTIONS_PER_USER} per user`);
          return false;
        }
        connectionsPerUser.set(user, open + 1);
        context.extra.socket.once('close', () => {
          const left = (connectionsPerUser.get(user) ?? 1) - 1;
          if (left) connectionsPerUser.set(user, left);
          else connectionsPerUser.delete(user);
        });
        identities.set(context.extra.socket, session.identity);
        operations.set(context.extra.socket, new Set());
        if (session.expiresAt !== undefined) {
          const socket = context.extra.socket;
          const expiry = setTimeout(() => socket.close(TOKEN_EXPIRED, 'Token expired: reconnect with a fresh token'), Math.max(0, session.expiresAt - Date.now()));
          socket.once('close', () => clearTimeout(expiry));
        }
        return true;
      } catch (error) {
        options.logger.info({ reason: error instanceof Error ? error.message : String(error) }, 'websocket refused');
        return false;
      }
    },
    onSubscribe: async (context, id, payload) => {
      const active = operations.get(context.extra.socket)!;
      if (active.size >= MAX_SUBSCRIPTIONS_PER_CONNECTION) {
        return [new GraphQLError(`Too many operations on this connection: at most ${MAX_SUBSCRIPTIONS_PER_CONNECTION} at once.`, { extensions: { code: 'RATE_LIMITED' } })];
      }
      const enveloped = options.yoga.getEnveloped({ params: payload });
      const document = enveloped.parse(payload.query);
      const errors = enveloped.validate(enveloped.schema, document);
      if (errors.length) return errors;
      const identity = identities.get(context.extra.socket)!;
      active.add(id);
      const requestId = randomUUID();
      const contextValue: GatewayContext & { identity: Identity } = {
        identity,
        requestId,
        log: options.logger.child({ requestId, userId: identity.userId, tenantId: identity.tenantId }),
      };
      return { schema: enveloped.schema, document, operationName: payload.operationName, variableValues: payload.variables, contextValue, rootValue: enveloped };
    },
    onComplete: (context, id) => void operations.get(context.extra.socket)?.delete(id),
    execute: (args: ExecutionArgs) => (args.rootValue as Enveloped).execute(args),
    subscribe: (args: ExecutionArgs) =>
      options.subscribe({
        document: args.document,
        operationName: args.operationName,
        variables: args.variableValues as Record<string, unknown> | undefined,
        context: args.contextValue as GatewayContext & { identity: Identity },
      }),
  });
  sockets.options.handleProtocols = handleProtocols;
  sockets.on('connection', (socket, request) => {
    options.activeConnections.inc();
    alive.add(socket);
    socket.on('pong', () => alive.add(socket));
    socket.on('error', (error) => options.logger.info({ reason: error.message }, 'websocket protocol error'));
    const transport = request.socket;
    const closed = protocol.opened(
      {
        protocol: socket.protocol,
        // Not awaiting the write lets a burst of events reach a client in one write; the buffer bound keeps that safe.
        send: (data) => {
          if (socket.readyState !== socket.OPEN) return;
          if (socket.bufferedAmount > maxBufferedBytes) {
            options.onTooSlow();
            socket.close(TOO_SLOW, `Too slow: over ${Math.round(maxBufferedBytes / 1024)} KiB of events waiting for this client; reconnect`);
            return;
          }
          coalesceWrites(transport);
          socket.send(data);
        },
        close: (code, reason) => socket.close(code, reason),
        onMessage: (handle) =>
          socket.on('message', async (data) => {
            try {
              await handle(String(data));
            } catch (error) {
              options.logger.error({ err: error }, 'graphql-ws message handling failed');
              socket.close(CloseCode.InternalServerError, 'Internal server error');
            }
          }),
      },
      { socket, request },
    );
    socket.once('close', (code, reason) => {
      options.activeConnections.dec();
      void closed(code, reason.toString());
    });
  });
  return async () => {
    clearInterval(pinger);
    for (const socket of sockets.clients) socket.close(GOING_AWAY, 'Gateway shutting down: reconnect');
    await new Promise<void>((resolve) => sockets.close(() => resolve()));
  };
}
