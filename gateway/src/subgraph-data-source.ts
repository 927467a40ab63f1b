import type { GraphQLDataSource, GraphQLDataSourceProcessOptions } from '@apollo/gateway';
import type { GatewayGraphQLResponse } from '@apollo/server-gateway-interface';
import { GraphQLError } from 'graphql';
import { DELEGATION_HEADER, IDENTITY_HEADER, type Identity } from '@judgify/runtime/identity';
import { Counter, Histogram } from '@judgify/runtime/metrics';
import type { Registry } from 'prom-client';
import { injectTraceHeaders } from '@judgify/runtime/tracing';
import { REQUEST_ID_HEADER } from '@judgify/runtime/use-request-id';
import type { GatewayContext } from './context.ts';
import { inFlight } from './in-flight.ts';
import { SubgraphTimeoutError, type SubgraphHttp, type SubgraphHttpResponse } from './subgraph-http.ts';

export function subgraphMetrics(registry: Registry) {
  return {
    latency: new Histogram({
      name: 'subgraph_request_duration_seconds',
      help: 'Gateway → subgraph request latency by subgraph and HTTP status',
      labelNames: ['subgraph', 'status'],
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
      registers: [registry],
    }),
    deduplicated: new Counter({
      name: 'subgraph_requests_deduplicated_total',
      help: 'Subgraph queries answered by an identical one already in flight for the same identity, by subgraph',
      labelNames: ['subgraph'],
      registers: [registry],
    }),
  };
}

export interface SubgraphDataSourceOptions {
  name: string;
  url: string;
  http: SubgraphHttp;
  mintIdentity: (identity: Identity, subgraph: string) => Promise<string>;
  /** A delegation grant for this subgraph to act as the request's user. */
  mintGrant: (context: GatewayContext & { identity: Identity }) => string;
  timeoutMs: number;
  /** Join identical queries in flight to this subgraph for the same identity (SUBGRAPH_DEDUPLICATION). */
  deduplicate: boolean;
  metrics: ReturnType<typeof subgraphMetrics>;
}

/** A subgraph operation that only reads: the planner sends queries as `query …` or `{ … }`, writes as `mutation …`. */
const isQuery = (document: string) => !/^\s*mutation\b/.test(document);

/**
 * Forwards each subgraph operation with the caller's identity in a token only the gateway can
 * mint, a delegation grant (so the subgraph can call the supergraph as that user while it
 * serves the request), and the request id, over pooled keep-alive sockets.
 *
 * Identical queries in flight for the same forwarded identity are sent once: the identity token
 * is part of the key, so no caller ever receives what was fetched for another user, tenant, role
 * set or delegation path. Each caller parses its own copy, because the executor merges later
 * fetches into the objects it is given.
 */
export class SubgraphDataSource implements GraphQLDataSource<GatewayContext> {
  private readonly url: URL;
  private readonly shared = inFlight<SubgraphHttpResponse>();

  constructor(private readonly options: SubgraphDataSourceOptions) {
    this.url = new URL(options.url);
  }

  async process({ request, context }: GraphQLDataSourceProcessOptions<GatewayContext>): Promise<GatewayGraphQLResponse> {
    if (!request.query) throw new Error('Missing query');
    const headers: Record<string, string> = { 'content-type': 'application/json' };
    const identityToken = context.identity ? await this.identify(headers, context as GatewayContext & { identity: Identity }) : '';
    const body = JSON.stringify({ query: request.query, variables: request.variables, operationName: request.operationName, extensions: request.extensions });
    const send = () => this.send(headers, body);
    const { result, joined } = this.options.deduplicate && isQuery(request.query) ? this.shared.run(`${identityToken}\n${body}`, send) : { result: send(), joined: false };
    if (joined) this.options.metrics.deduplicated.inc({ subgraph: this.options.name });
    const response = await result;
    if (response.status < 200 || response.status > 299) throw this.errorFromResponse(response);
    const parsed = this.parse(response);
    if (!parsed || typeof parsed !== 'object' || Array.isArray(parsed)) throw this.serviceError(`The ${this.options.name} service answered with something other than a GraphQL response.`);
    return parsed as GatewayGraphQLResponse;
  }

  /** Sets the identity, request id, trace and grant headers; returns the identity token, which names who the answer is for. */
  private async identify(headers: Record<string, string>, context: GatewayContext & { identity: Identity }): Promise<string> {
    const { identity } = context;
    const token = await this.options.mintIdentity(identity, this.options.name);
    headers[IDENTITY_HEADER] = token;
    if (context.requestId) headers[REQUEST_ID_HEADER] = context.requestId;
    injectTraceHeaders({ set: (name, value) => (headers[name] = value) });
    // The gateway's own actors (a shared subscription stream) are no user's request: nothing to delegate.
    if (identity.userId.startsWith('@')) return token;
    context.grants ??= new Map();
    let grant = context.grants.get(this.options.name);
    if (!grant) {
      grant = this.options.mintGrant(context);
      context.grants.set(this.options.name, grant);
    }
    headers[DELEGATION_HEADER] = grant;
    return token;
  }

  private async send(headers: Record<string, string>, body: string): Promise<SubgraphHttpResponse> {
    const started = performance.now();
    let status = 'network_error';
    try {
      const response = await this.options.http.post(this.url, headers, body, this.options.timeoutMs);
      status = String(response.status);
      return response;
    } catch (error) {
      const timedOut = error instanceof SubgraphTimeoutError;
      if (timedOut) status = 'timeout';
      throw this.serviceError(
        timedOut ? `The ${this.options.name} service did not answer within ${this.options.timeoutMs} ms.` : `The ${this.options.name} service is unreachable.`,
      );
    } finally {
      this.options.metrics.latency.observe({ subgraph: this.options.name, status }, (performance.now() - started) / 1000);
    }
  }

  private parse(response: SubgraphHttpResponse): unknown {
    if (!/json/i.test(response.contentType)) return undefined;
    try {
      return JSON.parse(response.body);
    } catch {
      return undefined;
    }
  }

  /** Clients learn which service failed and how, never its internal URL or raw response. */
  private errorFromResponse(response: SubgraphHttpResponse): GraphQLError {
    // A 400 with a GraphQL body is the subgraph refusing the request (a variable it cannot coerce,
    // say): its message is the one that tells the client what to fix.
    if (response.status === 400) {
      const first = (this.parse(response) as { errors?: Array<{ message?: unknown; extensions?: { code?: unknown } }> } | undefined)?.errors?.[0];
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
}
