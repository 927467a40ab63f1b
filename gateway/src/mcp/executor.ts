import { randomUUID } from 'node:crypto';

/** What a tool sends: a registered document by id, or (run_query) the text. */
export interface GraphQLRequest {
  query?: string;
  documentId?: string;
  operationName?: string;
  variables?: Record<string, unknown>;
}

export interface GraphQLErrorResult {
  message: string;
  path?: Array<string | number>;
  extensions?: { code?: string; [key: string]: unknown };
}

export interface GraphQLResponse {
  status: number;
  data?: Record<string, unknown> | null;
  errors?: GraphQLErrorResult[];
}

/** Runs GraphQL through the gateway's pipeline as the caller; throws ToolError when no GraphQL answer came. */
export interface GraphQLExecutor {
  execute(request: GraphQLRequest): Promise<GraphQLResponse>;
}

/** A tool call that failed with a reason the agent can act on; becomes an `isError` result. */
export class ToolError extends Error {
  constructor(
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

export interface ExecutorOptions {
  /** The gateway's GraphQL endpoint. */
  url: string;
  /** `fetch`, or the gateway's own `yoga.fetch` in-process. */
  fetch: (request: Request) => Promise<Response> | Response;
  /** The caller's `Authorization` header, forwarded as is. */
  authorization?: string;
  /** Ties the tool call to the MCP request in the gateway's logs. */
  requestId?: string;
  timeoutMs?: number;
  /** How to say the gateway could not be reached, e.g. which variable points at it. */
  unreachable?: (reason: string) => string;
}

const DEFAULT_TIMEOUT_MS = 60_000;

/**
 * One executor for both transports: a GraphQL-over-HTTP POST with `content-type:
 * application/json` (what the gateway's CSRF prevention lets through), the caller's token, and
 * the request id. In-process it is handed to `yoga.fetch`, in stdio to the network.
 */
export function createExecutor(options: ExecutorOptions): GraphQLExecutor {
  return {
    async execute(request) {
      const headers: Record<string, string> = {
        'content-type': 'application/json',
        accept: 'application/graphql-response+json, application/json',
        'x-request-id': options.requestId ?? randomUUID(),
      };
      if (options.authorization) headers.authorization = options.authorization;
      const timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
      let response: Response;
      try {
        response = await options.fetch(
          new Request(options.url, { method: 'POST', headers, body: JSON.stringify(request), signal: AbortSignal.timeout(timeoutMs) }),
        );
      } catch (error) {
        const reason = error instanceof Error && error.name === 'TimeoutError' ? `no answer within ${timeoutMs / 1000} s` : describeFetchError(error);
        throw new ToolError('DOWNSTREAM_SERVICE_ERROR', options.unreachable?.(reason) ?? `The gateway did not answer: ${reason}.`);
      }
      const text = await response.text().catch(() => '');
      let body: { data?: Record<string, unknown> | null; errors?: GraphQLErrorResult[] };
      try {
        body = JSON.parse(text) as typeof body;
      } catch {
        throw new ToolError('DOWNSTREAM_SERVICE_ERROR', `The gateway answered HTTP ${response.status} without a GraphQL result: ${text.slice(0, 200) || '(empty body)'}`);
      }
      if (body === null || typeof body !== 'object' || (!('data' in body) && !Array.isArray(body.errors))) {
        throw new ToolError('DOWNSTREAM_SERVICE_ERROR', `The gateway answered HTTP ${response.status} with JSON that is not a GraphQL result.`);
      }
      return { status: response.status, data: body.data, errors: body.errors };
    },
  };
}

function describeFetchError(error: unknown): string {
  if (!(error instanceof Error)) return String(error);
  const cause = (error as Error & { cause?: { code?: string; message?: string } }).cause;
  return cause?.message || cause?.code || error.message;
}
