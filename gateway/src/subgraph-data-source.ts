import { RemoteGraphQLDataSource, type GraphQLDataSourceProcessOptions } from '@apollo/gateway';
import { GraphQLError } from 'graphql';
import { DELEGATION_HEADER, IDENTITY_HEADER, type Identity } from '@judgify/runtime/identity';
import { Histogram } from '@judgify/runtime/metrics';
import type { Registry } from 'prom-client';
import { injectTraceHeaders } from '@judgify/runtime/tracing';
import { REQUEST_ID_HEADER } from '@judgify/runtime/use-request-id';
import type { GatewayContext } from './context.ts';

export function subgraphLatency(registry: Registry) {
  return new Histogram({
    name: 'subgraph_request_duration_seconds',
    help: 'Gateway → subgraph request latency by subgraph and HTTP status',
    labelNames: ['subgraph', 'status'],
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
    registers: [registry],
  });
}

export interface SubgraphDataSourceOptions {
  name: string;
  url: string;
  mintIdentity: (identity: Identity, subgraph: string) => Promise<string>;
  /** A delegation grant for this subgraph to act as the request's user. */
  mintGrant: (context: GatewayContext & { identity: Identity }) => string;
  timeoutMs: number;
  latency: ReturnType<typeof subgraphLatency>;
}

/**
 * Forwards each request with the caller's identity in a token only the gateway can mint, a
 * delegation grant (so the subgraph can call the supergraph as that user while it serves the
 * request), and the request id, over Node's pooled keep-alive fetch.
 */
export class SubgraphDataSource extends RemoteGraphQLDataSource<GatewayContext> {
  constructor(private readonly options: SubgraphDataSourceOptions) {
    super({ url: options.url });
    this.fetcher = (async (url: string, init: RequestInit) => {
      const started = performance.now();
      let status = 'network_error';
      try {
        const response = await fetch(url, { ...init, signal: AbortSignal.timeout(options.timeoutMs) });
        status = String(response.status);
        return response;
      } catch (error) {
        const timedOut = error instanceof DOMException && error.name === 'TimeoutError';
        if (timedOut) status = 'timeout';
        throw this.serviceError(
          timedOut ? `The ${options.name} service did not answer within ${options.timeoutMs} ms.` : `The ${options.name} service is unreachable.`,
        );
      } finally {
        options.latency.observe({ subgraph: options.name, status }, (performance.now() - started) / 1000);
      }
    }) as unknown as typeof this.fetcher;
  }

  /** Clients learn which service failed and how, never its internal URL or raw response. */
  override async errorFromResponse(response: { status: number; json(): Promise<unknown> }): Promise<GraphQLError> {
    // A 400 with a GraphQL body is the subgraph refusing the request (a variable it cannot coerce,
    // say): its message is the one that tells the client what to fix.
    if (response.status === 400) {
      const body = (await response.json().catch(() => undefined)) as { errors?: Array<{ message?: unknown; extensions?: { code?: unknown } }> } | undefined;
      const first = body?.errors?.[0];
      if (typeof first?.message === 'string') {
        return new GraphQLError(first.message, {
          extensions: { code: typeof first.extensions?.code === 'string' ? first.extensions.code : 'BAD_USER_INPUT', serviceName: this.options.name },
        });
      }
    }
    return this.serviceError(`The ${this.options.name} service failed to answer (HTTP ${response.status}).`);
  }

  private serviceError(message: string): GraphQLError {
    return new GraphQLError(message, { extensions: { code: 'DOWNSTREAM_SERVICE_ERROR', serviceName: this.options.name } });
  }

  override async willSendRequest({ request, context }: GraphQLDataSourceProcessOptions<GatewayContext>): Promise<void> {
    const { identity } = context;
    if (!identity) return;
    request.http?.headers.set(IDENTITY_HEADER, await this.options.mintIdentity(identity, this.options.name));
    if (context.requestId) request.http?.headers.set(REQUEST_ID_HEADER, context.requestId);
    if (request.http) injectTraceHeaders(request.http.headers);
    // The gateway's own actors (a shared subscription stream) are no user's request: nothing to delegate.
    if (identity.userId.startsWith('@')) return;
    context.grants ??= new Map();
    let grant = context.grants.get(this.options.name);
    if (!grant) {
      grant = this.options.mintGrant({ ...context, identity });
      context.grants.set(this.options.name, grant);
    }
    request.http?.headers.set(DELEGATION_HEADER, grant);
  }
}
