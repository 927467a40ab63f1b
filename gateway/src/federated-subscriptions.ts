import { buildOperationContext, executeQueryPlan, type ApolloGateway, type GraphQLDataSource } from '@apollo/gateway';
import { operationFromDocument, type Schema } from '@apollo/federation-internals';
import type { FetchNode, QueryPlan, QueryPlanner } from '@apollo/query-planner';
import type { Identity } from '@judgify/runtime/identity';
import { DELEGATION_HEADER, IDENTITY_HEADER } from '@judgify/runtime/identity';
import { GraphQLError, Kind, print, type DocumentNode, type ExecutionResult, type FormattedExecutionResult, type GraphQLFormattedError, type GraphQLSchema } from 'graphql';
import { createClient } from 'graphql-ws';
import WebSocket from 'ws';
import type { Counter, Gauge, Histogram } from 'prom-client';
import type { GatewayContext } from './context.ts';
import { closableStream } from '@judgify/runtime/closable-stream';
import { batchEntityFetches } from './entity-batching.ts';
import { mapInOrder } from '@judgify/runtime/map-in-order';
import { upstreamEvents } from './upstream-events.ts';

/** Events of one upstream resolved at the same time; beyond that the upstream is read no further until one is delivered. */
const EVENTS_IN_FLIGHT = 64;

/** The gateway's own planning state; @apollo/gateway keeps it private, so it is read, never changed. */
interface GatewayInternals {
  schema: GraphQLSchema;
  apiSchema: Schema;
  supergraphSchema: GraphQLSchema;
  queryPlanner: QueryPlanner;
  serviceMap: Record<string, { url?: string; dataSource: GraphQLDataSource }>;
}

export interface FederatedSubscriptionOptions {
  gateway: ApolloGateway;
  mintIdentity(identity: Identity, subgraph: string): Promise<string>;
  /**
   * A delegation grant for the stream's identity, so the owning subgraph can call the supergraph
   * while it serves the subscription (a live dashboard rerunning its views). Grants are short: a
   * fresh one goes out in a ping every `grantRenewalMs` while the subscription lives.
   */
  mintGrant(identity: Identity, subgraph: string, requestId: string): string;
  grantRenewalMs: number;
  /** The subgraph's graphql-ws URL, from its routing URL. */
  webSocketUrlOf(subgraph: string, routingUrl: string): string;
  metrics: { active: Gauge<'subgraph' | 'field'>; events: Counter<'subgraph' | 'field'>; resolution: Histogram<'subgraph' | 'field'> };
}

export interface SubscriptionRequest {
  document: DocumentNode;
  operationName?: string | null;
  variables?: Record<string, unknown> | null;
  context: GatewayContext & { identity: Identity };
}

/** A subgraph that goes away mid-subscription ends it with an error saying so: what happens until the client subscribes again is not seen. */
async function* namingFailures<T>(upstream: AsyncIterable<T>, subgraph: string): AsyncGenerator<T> {
  try {
    yield* upstream;
  } catch (error) {
    if (error instanceof GraphQLError) throw error;
    // The subgraph's own refusal (an `error` message) reaches the client as the subgraph put it.
    if (Array.isArray(error) && error.length) {
      const [first] = error as GraphQLFormattedError[];
      throw new GraphQLError(first!.message, { extensions: { ...first!.extensions, serviceName: subgraph } });
    }
    const closed = error as { code?: unknown; reason?: unknown; message?: unknown };
    const cause = typeof closed.code === 'number' ? `connection closed with ${closed.code}${closed.reason ? ` ${String(closed.reason)}` : ''}` : String(closed.message ?? error);
    throw new GraphQLError(`The ${subgraph} subgraph ended this subscription (${cause}). Events after this may have been missed: subscribe again, and query what changed in between.`, {
      extensions: { code: 'DOWNSTREAM_SERVICE_ERROR', serviceName: subgraph },
    });
  }
}

/**
 * Subscriptions over the supergraph, which @apollo/gateway plans but will not execute. The plan's
 * `primary` fetch becomes a graphql-ws subscription to the subgraph that owns the field; for each
 * event, the plan is executed with `primary` answered by the event and `rest` fetching the
 * entity fields other subgraphs own, so results are shaped by the gateway's own executor.
 */
export function createFederatedSubscriber(options: FederatedSubscriptionOptions) {
  const internals = options.gateway as unknown as GatewayInternals;

  async function* run(request: SubscriptionRequest, opened: (upstream: AsyncIterator<unknown>) => void, closing: () => boolean): AsyncGenerator<ExecutionResult> {
    const operationName = request.operationName ?? undefined;
    const operationContext = buildOperationContext({ schema: internals.schema, operationDocument: request.document, operationName });
    const operation = operationFromDocument(internals.apiSchema, request.document, { operationName });
    const plan = internals.queryPlanner.buildQueryPlan(operation);
    if (plan.node?.kind !== 'Subscription') throw new Error('not a subscription operation');
    const { primary, rest } = plan.node;
    const owner = internals.serviceMap[primary.serviceName];
    // A subscription has exactly one root field (graphql validation), a bounded label.
    const rootField = operationContext.operation.selectionSet.selections[0];
    const labels = { subgraph: primary.serviceName, field: rootField?.kind === Kind.FIELD ? rootField.name.value : 'unknown' };
    if (!owner?.url) throw new Error(`no routing URL for subgraph ${primary.serviceName}`);

    const variables = request.variables ?? {};
    const primaryVariables = Object.fromEntries((primary.variableUsages ?? []).filter((name) => name in variables).map((name) => [name, variables[name]]));
    const token = await options.mintIdentity(request.context.identity, primary.serviceName);
    if (closing()) return;
    const grant = () => options.mintGrant(request.context.identity, primary.serviceName, request.context.requestId ?? '');
    let renewal: NodeJS.Timeout | undefined;
    const client = createClient({
      url: options.webSocketUrlOf(primary.serviceName, owner.url),
      webSocketImpl: WebSocket,
      connectionParams: () => ({ [IDENTITY_HEADER]: token, [DELEGATION_HEADER]: grant() }),
      lazy: true,
      retryAttempts: 0,
      on: {
        connected: (socket) => {
          clearInterval(renewal);
          const upstreamSocket = socket as WebSocket;
          renewal = setInterval(() => {
            if (upstreamSocket.readyState === WebSocket.OPEN) upstreamSocket.send(JSON.stringify({ type: 'ping', payload: { [DELEGATION_HEADER]: grant() } }));
          }, options.grantRenewalMs);
          renewal.unref();
        },
        closed: () => clearInterval(renewal),
      },
    });
    const upstream = upstreamEvents(client, { query: primary.operation, variables: primaryVariables });
    opened(upstream);
    // Entity fetches of events resolved together go out as one request per subgraph.
    const batched = Object.fromEntries(Object.entries(internals.serviceMap).map(([name, service]) => [name, batchEntityFetches(service.dataSource)]));
    const perEvent: QueryPlan = { kind: 'QueryPlan', node: rest ? { kind: 'Sequence', nodes: [primary as FetchNode, rest] } : primary };
    const query = print(request.document);
    const resolve = async (event: FormattedExecutionResult<Record<string, unknown>, unknown>) => {
      // Per event: the executor records into the request context, which would grow for the upstream's whole life.
      const requestContext = {
        request: { query, variables, operationName },
        context: request.context,
        document: request.document,
        operationName: operationName ?? null,
        metrics: {},
        cache: undefined,
        logger: undefined,
        overallCachePolicy: undefined,
      } as unknown as Parameters<typeof executeQueryPlan>[2];
      const resolving = options.metrics.resolution.startTimer(labels);
      options.metrics.events.inc(labels);
      const answered: GraphQLDataSource = { process: async () => ({ data: event.data ?? null, errors: event.errors as never }) };
      const serviceMap = { ...batched, [primary.serviceName]: answered };
      const result = (await executeQueryPlan(perEvent, serviceMap, requestContext, operationContext, internals.supergraphSchema, internals.apiSchema)) as ExecutionResult;
      resolving();
      return result;
    };
    options.metrics.active.inc(labels);
    try {
      yield* mapInOrder(namingFailures(upstream, primary.serviceName), resolve, EVENTS_IN_FLIGHT);
    } finally {
      options.metrics.active.dec(labels);
      clearInterval(renewal);
      await upstream.return?.(undefined);
      await client.dispose();
    }
  }

  /**
   * An async generator cannot be returned while it awaits the next upstream event, so closing
   * ends the upstream first: its pending event resolves as done and the generator's cleanup runs.
   * Closed before the upstream opened (while the identity is minted), it never opens.
   */
  return function subscribe(request: SubscriptionRequest): AsyncGenerator<ExecutionResult> {
    let upstream: AsyncIterator<unknown> | undefined;
    let closed = false;
    const generator = run(request, (opened) => (upstream = opened), () => closed);
    return closableStream(
      () => generator.next(),
      async () => {
        closed = true;
        await upstream?.return?.(undefined);
        await generator.return(undefined);
      },
    );
  };
}
