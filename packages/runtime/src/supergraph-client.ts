import { readFileSync } from 'node:fs';
import { AppError, type ErrorCode } from './errors.ts';
import { DELEGATION_HEADER, DELEGATION_ROLES_HEADER, type Role } from './identity.ts';
import type { Logger } from './logger.ts';
import { injectTraceHeaders } from './tracing.ts';
import { REQUEST_ID_HEADER } from './use-request-id.ts';

/** What a delegated call needs of the request it serves: its grant and its id (to follow it in logs). */
export interface DelegatedRequest {
  delegation?: string;
  requestId: string;
}

export interface SupergraphError {
  message: string;
  path?: ReadonlyArray<string | number>;
  extensions?: Record<string, unknown>;
}

export interface SupergraphResult<TData> {
  data?: TData | null;
  errors?: SupergraphError[];
}

export interface SupergraphCallOptions {
  variables?: Record<string, unknown>;
  operationName?: string;
  /** Act with fewer roles than the user holds; the gateway refuses more. */
  roles?: Role[];
  /** This call's time budget, shorter than the client's when the caller has a fallback. */
  timeoutMs?: number;
}

export interface SupergraphClient {
  /**
   * Runs an operation through the gateway as the user whose request `on` serves, with that
   * user's tenant and roles. Work with no user request behind it (an event consumer, a worker)
   * has no grant and cannot call: it acts only on its own service's data.
   */
  execute<TData = Record<string, any>>(on: DelegatedRequest, document: string, options?: SupergraphCallOptions): Promise<SupergraphResult<TData>>;
}

export const DEFAULT_SUPERGRAPH_TIMEOUT_MS = 30_000;

/**
 * An operation a service sends on a user's behalf, from its `operations/*.graphql`: `npm run
 * compose` registers every such file in the platform's trusted documents and checks it against the
 * supergraph, so it keeps working when the gateway runs only registered documents.
 */
export const serviceOperation = (file: URL): string => readFileSync(file, 'utf8');

export function createSupergraphClient(options: { url: string; service: string; logger: Logger; timeoutMs?: number }): SupergraphClient {
  const endpoint = `${options.url.replace(/\/+$/, '').replace(/\/graphql$/, '')}/graphql`;
  const timeoutMs = options.timeoutMs ?? DEFAULT_SUPERGRAPH_TIMEOUT_MS;
  return {
    async execute<TData>(on: DelegatedRequest, document: string, call: SupergraphCallOptions = {}) {
      if (!on.delegation) {
        throw new AppError(
          'UNAUTHENTICATED',
          `The ${options.service} service has no user request to act for here, so it cannot call the supergraph: background work acts only on its own data, in the tenant of the event it handles.`,
        );
      }
      const headers: Record<string, string> = {
        'content-type': 'application/json',
        accept: 'application/graphql-response+json',
        [DELEGATION_HEADER]: on.delegation,
        [REQUEST_ID_HEADER]: on.requestId,
      };
      if (call.roles) headers[DELEGATION_ROLES_HEADER] = call.roles.join(',');
      injectTraceHeaders({ set: (name, value) => (headers[name] = value) });
      let response: Response;
      try {
        response = await fetch(endpoint, {
          method: 'POST',
          headers,
          body: JSON.stringify({ query: document, variables: call.variables, operationName: call.operationName }),
          signal: AbortSignal.timeout(call.timeoutMs ?? timeoutMs),
        });
      } catch (error) {
        const budget = call.timeoutMs ?? timeoutMs;
        if (error instanceof Error && error.name === 'TimeoutError') {
          throw new AppError('DOWNSTREAM_SERVICE_ERROR', `The gateway did not answer the ${options.service} service's call on your behalf within ${budget} ms; try again shortly.`, { timeoutMs: budget });
        }
        options.logger.warn({ err: error, requestId: on.requestId }, 'supergraph call failed');
        throw new AppError('DOWNSTREAM_SERVICE_ERROR', `The gateway did not answer the ${options.service} service's call on your behalf; try again shortly.`);
      }
      const body = (await response.json().catch(() => undefined)) as SupergraphResult<TData> | undefined;
      if (!body || typeof body !== 'object' || (!('data' in body) && !Array.isArray(body.errors))) {
        throw new AppError('DOWNSTREAM_SERVICE_ERROR', `The gateway answered the ${options.service} service with HTTP ${response.status} and no GraphQL result.`);
      }
      return body;
    },
  };
}

/** The data of a result that must have succeeded; otherwise its first error, with its code, as this request's error. */
export function dataOf<TData>(result: SupergraphResult<TData>): TData {
  const [first] = result.errors ?? [];
  if (first || result.data == null) {
    const code = typeof first?.extensions?.code === 'string' ? (first.extensions.code as ErrorCode) : 'DOWNSTREAM_SERVICE_ERROR';
    const { code: _code, ...details } = first?.extensions ?? {};
    throw new AppError(code, first?.message ?? 'The supergraph returned no data.', details);
  }
  return result.data;
}
