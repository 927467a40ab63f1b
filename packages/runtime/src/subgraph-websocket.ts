import type { Server } from 'node:http';
import { useServer } from 'graphql-ws/use/ws';
import { getOperationAST, GraphQLError, Kind, type ExecutionArgs } from 'graphql';
import type { JWTVerifyGetKey } from 'jose';
import { WebSocketServer } from 'ws';
import { Gauge, type Metrics } from './metrics.ts';
import { createIdentityVerifier } from './forwarded-identity.ts';
import { DELEGATION_HEADER, IDENTITY_HEADER, type Identity } from './identity.ts';
import { documentProblem } from './use-input-guards.ts';
import type { Logger } from './logger.ts';
import type { SubgraphYoga } from './subgraph-yoga.ts';

type Enveloped = ReturnType<SubgraphYoga['getEnveloped']>;

/** Subscriptions a subgraph serves to gateways, by root field: one gauge per service registry. */
export function subscriptionGauge(metrics: Metrics): Gauge<'field'> {
  return new Gauge({ name: 'graphql_subscriptions_active', help: 'Open subscriptions served to gateways, by root field', labelNames: ['field'], registers: [metrics.registry] });
}

/**
 * graphql-ws (`graphql-transport-ws`) on the subgraph's /graphql, for the gateway's upstream
 * subscriptions. The gateway-minted identity comes in the connection_init payload; a connection
 * without a valid one is closed with 4403 Forbidden before any operation runs. A delegation grant
 * may come with it, renewed in ping payloads while the connection lives (grants last a minute, a
 * live dashboard for hours): the context's `renewedGrant` holds the latest.
 */
export function serveSubgraphWebSocket(server: Server, yoga: SubgraphYoga, options: { keys: JWTVerifyGetKey; audience: string; logger: Logger; active: Gauge<'field'> }) {
  const verify = createIdentityVerifier(options.keys, options.audience);
  const sockets = new WebSocketServer({ server, path: '/graphql' });
  const identities = new WeakMap<object, Identity>();
  const grants = new WeakMap<object, { current?: string }>();
  const grantIn = (payload: unknown) => {
    const grant = (payload as Record<string, unknown> | null | undefined)?.[DELEGATION_HEADER];
    return typeof grant === 'string' ? grant : undefined;
  };
  const { active } = options;
  // Per connection: the root field of each subscription it runs, until the subscription ends.
  const running = new WeakMap<object, Map<string, string>>();
  const disposable = useServer(
    {
      execute: (args: ExecutionArgs) => (args.rootValue as Enveloped).execute(args),
      subscribe: (args: ExecutionArgs) => (args.rootValue as Enveloped).subscribe(args),
      onConnect: async (context) => {
        const token = context.connectionParams?.[IDENTITY_HEADER];
        const verified = typeof token === 'string' ? await verify(token) : undefined;
        if (!verified?.ok) {
          options.logger.warn({ reason: verified?.reason ?? 'missing identity' }, 'websocket refused');
          return false;
        }
        identities.set(context.extra.socket, verified.identity);
        grants.set(context.extra.socket, { current: grantIn(context.connectionParams) });
        return true;
      },
      onPing: (context, payload) => {
        const renewed = grantIn(payload);
        const held = grants.get(context.extra.socket);
        if (renewed && held) held.current = renewed;
      },
      onSubscribe: async (context, _id, payload) => {
        const problem = documentProblem(payload.query);
        if (problem) return [new GraphQLError(problem.message, { extensions: { code: problem.code } })];
        const enveloped = yoga.getEnveloped({ identity: identities.get(context.extra.socket), renewedGrant: grants.get(context.extra.socket), params: payload });
        const document = enveloped.parse(payload.query);
        const errors = enveloped.validate(enveloped.schema, document);
        if (errors.length) return errors;
        return {
          schema: enveloped.schema,
          document,
          operationName: payload.operationName,
          variableValues: payload.variables,
          contextValue: await enveloped.contextFactory(),
          rootValue: enveloped,
        };
      },
      onOperation: (context, id, _payload, args, result) => {
        if (!(Symbol.asyncIterator in result)) return;
        const field = getOperationAST(args.document, args.operationName)?.selectionSet.selections[0];
        const label = field?.kind === Kind.FIELD ? field.name.value : 'unknown';
        let subscriptions = running.get(context);
        if (!subscriptions) running.set(context, (subscriptions = new Map()));
        subscriptions.set(id, label);
        active.inc({ field: label });
      },
      onComplete: (context, id) => {
        const label = running.get(context)?.get(id);
        if (label === undefined) return;
        running.get(context)!.delete(id);
        active.dec({ field: label });
      },
    },
    sockets,
  );
  return async () => {
    await disposable.dispose();
    await new Promise<void>((resolve) => sockets.close(() => resolve()));
  };
}
