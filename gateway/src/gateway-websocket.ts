import { randomUUID } from 'node:crypto';
import type { IncomingMessage, Server } from 'node:http';
import type { Identity } from '@judgify/runtime/identity';
import type { Logger } from '@judgify/runtime/logger';
import { documentProblem } from '@judgify/runtime/use-input-guards';
import { getOperationAST, GraphQLError, type ExecutionArgs } from 'graphql';
import type { YogaServerInstance } from 'graphql-yoga';
import { CloseCode, handleProtocols, makeServer } from 'graphql-ws';
import type { Gauge } from 'prom-client';
import { WebSocketServer, type WebSocket } from 'ws';
import { atTime } from './at-time.ts';
import { refusalOf, type AuthenticationResult, type Authenticator } from './auth.ts';
import type { GatewayContext } from './context.ts';
import type { createFederatedSubscriber } from './federated-subscriptions.ts';
import type { OperationLimiter } from './rate-limits.ts';
import { framesOf, payloadReference } from './shared-payloads.ts';
import type { TrustedDocuments } from './trusted-documents.ts';

/** Pings find connections that died without a close; one missed pong ends them. */
const PING_INTERVAL_MS = 20_000;
/** Close codes: `graphql-transport-ws` leaves 4400–4499 to the server for client errors. */
const TOKEN_EXPIRED = 4401;
/** Not 4429: graphql-ws uses it for a second connection_init. Clients may retry once a connection frees up. */
const TOO_MANY_CONNECTIONS = 4430;
/** 1013 Try Again Later: a temporary condition, so graphql-ws clients reconnect (with backoff). */
const TOO_SLOW = 1013;
const GOING_AWAY = 1001;
const SHUTDOWN_CLOSE_WAIT_MS = 2_000;
export const MAX_CONNECTIONS_PER_USER = 20;
export const MAX_SUBSCRIPTIONS_PER_CONNECTION = 50;

type Enveloped = ReturnType<YogaServerInstance<Record<string, unknown>, GatewayContext>['getEnveloped']>;

interface Extra {
  socket: WebSocket;
  request: IncomingMessage;
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
    trusted: TrustedDocuments;
    limits: OperationLimiter;
    logger: Logger;
    activeConnections: Gauge;
    /** Told how each connection authenticated (authentication_attempts_total). */
    countAuthentication?: (result: AuthenticationResult) => void;
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
  const closeOnShutdown = new WeakMap<WebSocket, (code: number, reason: string) => void>();
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
      const { socket, request } = context.extra;
      const given = context.connectionParams?.authorization ?? request.headers.authorization;
      try {
        let session: Awaited<ReturnType<Authenticator['session']>>;
        try {
          session = await options.authenticator.session(typeof given === 'string' ? given : undefined);
        } catch (error) {
          options.countAuthentication?.(refusalOf(error));
          throw error;
        }
        options.countAuthentication?.(options.authenticator.verifiesTokens ? 'success' : 'development');
        // Gone while its token was checked: nothing to count, no timer to arm.
        if (socket.readyState !== socket.OPEN) return false;
        const user = `${session.identity.tenantId}/${session.identity.userId}`;
        const open = connectionsPerUser.get(user) ?? 0;
        if (open >= MAX_CONNECTIONS_PER_USER) {
          socket.close(TOO_MANY_CONNECTIONS, `Too many connections: at most ${MAX_CONNECTIONS_PER_USER} per user`);
          return false;
        }
        connectionsPerUser.set(user, open + 1);
        socket.once('close', () => {
          const left = (connectionsPerUser.get(user) ?? 1) - 1;
          if (left) connectionsPerUser.set(user, left);
          else connectionsPerUser.delete(user);
        });
        identities.set(socket, session.identity);
        operations.set(socket, new Set());
        if (session.expiresAt !== undefined) {
          const cancel = atTime(session.expiresAt, () => socket.close(TOKEN_EXPIRED, 'Token expired: reconnect with a fresh token'));
          socket.once('close', cancel);
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
      const identity = identities.get(context.extra.socket)!;
      // The same guards, documents and limits as over HTTP, where yoga's own hooks apply them.
      const given = documentProblem(payload.query ?? '');
      if (given) return [new GraphQLError(given.message, { extensions: { code: given.code } })];
      let query: string;
      let trusted: boolean;
      try {
        ({ query, trusted } = await options.trusted.resolve(payload as Parameters<TrustedDocuments['resolve']>[0]));
      } catch (error) {
        return [error as GraphQLError];
      }
      const enveloped = options.yoga.getEnveloped({ params: { ...payload, query } });
      const document = enveloped.parse(query);
      const errors = enveloped.validate(enveloped.schema, document);
      if (errors.length) return errors;
      // Refused here rather than by graphql-ws after this hook, which would skip onComplete and keep the id counted.
      const operation = getOperationAST(document, payload.operationName);
      if (!operation) return [new GraphQLError(`No operation named "${payload.operationName ?? ''}" in the document.`)];
      const untrusted = trusted ? undefined : options.trusted.refusal(document, payload.operationName, identity);
      if (untrusted) return [untrusted];
      // Queries and mutations draw from the user's budgets as they execute, through yoga's hooks; subscriptions bypass those.
      const spent = operation.operation === 'subscription' ? await options.limits.check(identity, document, payload.operationName, payload.variables ?? undefined) : undefined;
      if (spent) return [spent];
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
    onNext: (_context, _id, _payload, _args, result) => payloadReference(result),
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
  // The HTTP server's own errors (EMFILE on accept, …) reach the WebSocket server too.
  sockets.on('error', (error) => options.logger.error({ err: error }, 'websocket server error'));
  sockets.on('connection', (socket, request) => {
    options.activeConnections.inc();
    alive.add(socket);
    socket.on('pong', () => alive.add(socket));
    socket.on('error', (error) => options.logger.info({ reason: error.message }, 'websocket protocol error'));
    let released = false;
    const release = (code: number, reason: string) => {
      if (released) return;
      released = true;
      closed(code, reason).catch((error: unknown) => options.logger.error({ err: error }, 'graphql-ws cleanup failed'));
    };
    // A close waits for the client's reply, which sits behind what it has not read: its operations end now.
    const closeNow = (code: number, reason: string) => {
      socket.close(code, reason);
      release(code, reason);
    };
    const transport = request.socket;
    let corked = false;
    const closed = protocol.opened(
      {
        protocol: socket.protocol,
        // Messages of one tick leave in one write, without awaiting the previous one.
        send: (data) => {
          const frames = framesOf(data);
          if (socket.readyState !== socket.OPEN) return;
          if (!corked) {
            // What earlier ticks left unsent, not this tick's burst: the client reads slower than its events come.
            if (socket.bufferedAmount > maxBufferedBytes) {
              options.onTooSlow();
              closeNow(TOO_SLOW, `Too slow: over ${Math.round(maxBufferedBytes / 1024)} KiB of events waiting for this client; reconnect`);
              return;
            }
            corked = true;
            transport.cork();
            process.nextTick(() => {
              corked = false;
              transport.uncork();
            });
          }
          if (typeof frames === 'string') socket.send(frames);
          else {
            // One text message in three frames; the middle one is the payload every subscriber shares.
            socket.send(frames[0], { fin: false });
            socket.send(frames[1], { fin: false });
            socket.send(frames[2]);
          }
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
    closeOnShutdown.set(socket, closeNow);
    socket.once('close', (code, reason) => {
      options.activeConnections.dec();
      release(code, reason.toString());
    });
  });
  return async () => {
    clearInterval(pinger);
    for (const socket of sockets.clients) closeOnShutdown.get(socket)?.(GOING_AWAY, 'Gateway shutting down: reconnect');
    // Clients that do not answer the close in time (a stalled reader) are cut off.
    const cutOff = setTimeout(() => {
      for (const socket of sockets.clients) socket.terminate();
    }, SHUTDOWN_CLOSE_WAIT_MS);
    await new Promise<void>((resolve) => sockets.close(() => resolve()));
    clearTimeout(cutOff);
  };
}
