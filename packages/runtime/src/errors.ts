import { GraphQLError } from 'graphql';

/** Codes clients branch on. Anything thrown that is not an AppError is masked as INTERNAL_SERVER_ERROR. */
export const ErrorCode = {
  BAD_USER_INPUT: 'BAD_USER_INPUT',
  NOT_FOUND: 'NOT_FOUND',
  UNAUTHENTICATED: 'UNAUTHENTICATED',
  FORBIDDEN: 'FORBIDDEN',
  CONFLICT: 'CONFLICT',
  RATE_LIMITED: 'RATE_LIMITED',
  LLM_UNAVAILABLE: 'LLM_UNAVAILABLE',
  PAYLOAD_TOO_LARGE: 'PAYLOAD_TOO_LARGE',
  /** A subscriber that fell too far behind its events; it may subscribe again. */
  SUBSCRIBER_TOO_SLOW: 'SUBSCRIBER_TOO_SLOW',
  LIVE_UPDATES_UNAVAILABLE: 'LIVE_UPDATES_UNAVAILABLE',
  /** A service this request needed (another subgraph, the gateway) did not answer. */
  DOWNSTREAM_SERVICE_ERROR: 'DOWNSTREAM_SERVICE_ERROR',
  /** A document refused before it was parsed or run: too large, too deep, or not a trusted document. */
  BAD_REQUEST: 'BAD_REQUEST',
  /** Refused by trusted documents: only registered operations may run. */
  PERSISTED_QUERY_REQUIRED: 'PERSISTED_QUERY_REQUIRED',
  PERSISTED_QUERY_NOT_FOUND: 'PERSISTED_QUERY_NOT_FOUND',
  /** The read model this request needs has not yet caught up with a write the caller may have seen. */
  WORKFLOW_VERSION_PENDING: 'WORKFLOW_VERSION_PENDING',
} as const;
export type ErrorCode = (typeof ErrorCode)[keyof typeof ErrorCode];

export class AppError extends GraphQLError {
  readonly code: ErrorCode;

  /**
   * `details` become extensions. Errors raised while executing keep HTTP 200 (a partial result
   * is still a result); only failures before execution set `http.status`.
   */
  constructor(code: ErrorCode, message: string, details: Record<string, unknown> = {}) {
    super(message, { extensions: { code, ...details } });
    this.code = code;
  }
}

/** A spec-compliant GraphQL error response for failures that happen before GraphQL runs. */
export function errorResponse(status: number, code: ErrorCode, message: string, headers: Record<string, string> = {}) {
  return new Response(JSON.stringify({ errors: [{ message, extensions: { code } }] }), {
    status,
    headers: { 'content-type': 'application/graphql-response+json; charset=utf-8', ...headers },
  });
}
