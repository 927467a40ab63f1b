import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Logger } from '@judgify/runtime/logger';
import { Counter, type Registry } from '@judgify/runtime/metrics';
import { StreamableHTTPServerTransport } from '@modelcontextprotocol/sdk/server/streamableHttp.js';
import { GraphQLError, type GraphQLSchema } from 'graphql';
import type { Authenticator } from '../auth.ts';
import type { GatewayConfig } from '../config.ts';
import type { HttpRoute } from '../http-routes.ts';
import { createExecutor } from './executor.ts';
import { loadToolOperations } from './operations.ts';
import { createMcpServer } from './server.ts';
import { createToolset } from './tools.ts';

export const MCP_PATH = '/mcp';

/** Loopback names /mcp always answers to; in development-identity mode, the only ones unless MCP_ALLOWED_HOSTS adds more. */
const LOOPBACK_HOSTS = ['localhost', '127.0.0.1', '[::1]'];

export interface OriginPolicy {
  /** Browser origins besides the gateway's own. */
  allowedOrigins: readonly string[];
  /** Host names beyond loopback; checked only when `checkHost`. */
  allowedHosts: readonly string[];
  /** Development-identity mode: no token stands between a rebound DNS name and an admin identity. */
  checkHost: boolean;
}

const hostnameOf = (host: string) => {
  try {
    return new URL(`http://${host}`).hostname.toLowerCase();
  } catch {
    return undefined;
  }
};

/**
 * Why a request may not reach /mcp, or undefined. A browser page of another origin is refused
 * (non-browser clients send no Origin); without token verification, so is a Host that is not
 * loopback or allowed, which is what DNS rebinding looks like.
 */
export function originRefusal(headers: { host?: string; origin?: string }, policy: OriginPolicy): string | undefined {
  const { host, origin } = headers;
  if (origin && origin !== 'null') {
    let originHost: string | undefined;
    try {
      originHost = new URL(origin).host;
    } catch {
      originHost = undefined;
    }
    if (originHost !== host && !policy.allowedOrigins.includes(origin)) {
      return `Origin ${origin} may not call this MCP endpoint: only the gateway's own origin and MCP_ALLOWED_ORIGINS may.`;
    }
  }
  if (policy.checkHost) {
    const hostname = host ? hostnameOf(host) : undefined;
    if (!hostname || ![...LOOPBACK_HOSTS, ...policy.allowedHosts.map((name) => name.toLowerCase())].includes(hostname)) {
      return `Host ${host ?? '(none)'} is refused: in development-identity mode (no JWT_SECRET or JWKS_URL) this MCP endpoint answers only localhost, 127.0.0.1, [::1] and MCP_ALLOWED_HOSTS, against DNS rebinding.`;
    }
  }
  return undefined;
}

/** A JSON-RPC error answered before the MCP server sees the request. */
function refuse(res: ServerResponse, status: number, code: number, message: string, headers: Record<string, string> = {}, data?: Record<string, unknown>) {
  if (res.headersSent) return;
  res.writeHead(status, { 'content-type': 'application/json', ...headers });
  res.end(JSON.stringify({ jsonrpc: '2.0', error: { code, message, ...(data ? { data } : {}) }, id: null }));
}

export interface McpRouteOptions {
  /** The gateway's yoga: tools run through its whole pipeline, in-process. */
  yoga: { fetch(request: Request): Promise<Response> | Response };
  config: Pick<GatewayConfig, 'MCP_ALLOW_MUTATIONS' | 'MCP_MAX_RESULT_CHARS' | 'MCP_ALLOWED_ORIGINS' | 'MCP_ALLOWED_HOSTS' | 'TRUSTED_DOCUMENTS' | 'INTROSPECTION'>;
  authenticator: Authenticator;
  /** The API schema the gateway serves, as it loaded it: what tools describe and queries are checked against. */
  schema: GraphQLSchema;
  logger: Logger;
  registry: Registry;
}

/**
 * Streamable HTTP at /mcp, stateless: each POST gets its own MCP server and transport, and its
 * tool calls run through the gateway's GraphQL pipeline as the caller (the request's
 * Authorization header), so auth, limits and trusted documents apply as to any client.
 */
export function createMcpRoute(options: McpRouteOptions): HttpRoute {
  const { config, authenticator, logger } = options;
  const { schema } = options;
  const toolset = createToolset({
    schema,
    operations: loadToolOperations(schema, { skip: (problem) => logger.warn(`MCP tool left out: ${problem}`) }),
    allowMutations: config.MCP_ALLOW_MUTATIONS,
    maxResultChars: config.MCP_MAX_RESULT_CHARS,
    documentsAsText: config.TRUSTED_DOCUMENTS === 'off',
    schemaSearch: config.INTROSPECTION,
  });
  const calls = new Counter({
    name: 'mcp_tool_calls_total',
    help: 'MCP tool calls over /mcp, by tool and result (ok, invalid_arguments, refused, graphql_error, unavailable, internal_error)',
    labelNames: ['tool', 'result'],
    registers: [options.registry],
  });
  const policy: OriginPolicy = { allowedOrigins: config.MCP_ALLOWED_ORIGINS, allowedHosts: config.MCP_ALLOWED_HOSTS, checkHost: !authenticator.verifiesTokens };

  return {
    prefix: MCP_PATH,
    async handle(req: IncomingMessage & { body?: Buffer }, res: ServerResponse) {
      const refusal = originRefusal({ host: req.headers.host, origin: req.headers.origin }, policy);
      if (refusal) return refuse(res, 403, -32000, refusal);
      if (req.method !== 'POST') {
        return refuse(res, 405, -32000, `Method ${req.method} not allowed: this MCP server is stateless (no sessions or server-sent streams); POST JSON-RPC messages to ${MCP_PATH}.`, { allow: 'POST' });
      }
      const authorization = req.headers.authorization;
      if (authenticator.verifiesTokens) {
        try {
          await authenticator.session(authorization);
        } catch (error) {
          if (!(error instanceof GraphQLError)) throw error;
          return refuse(res, 401, -32000, `UNAUTHENTICATED: ${error.message}`, { 'www-authenticate': 'Bearer realm="judgify"' }, { code: 'UNAUTHENTICATED' });
        }
      }
      let parsedBody: unknown;
      if (req.body !== undefined) {
        try {
          parsedBody = JSON.parse(req.body.toString('utf8'));
        } catch {
          return refuse(res, 400, -32700, 'Parse error: the request body is not JSON.');
        }
      }
      const requestId = (typeof req.headers['x-request-id'] === 'string' && req.headers['x-request-id']) || randomUUID();
      const executor = createExecutor({ url: 'http://gateway/graphql', fetch: (request) => options.yoga.fetch(request), authorization, requestId });
      const server = createMcpServer({ toolset, executor, logger: logger.child({ requestId, via: 'mcp' }), onCall: (tool, result) => calls.inc({ tool, result }) });
      const transport = new StreamableHTTPServerTransport({ sessionIdGenerator: undefined, enableJsonResponse: true });
      res.on('close', () => {
        void transport.close();
        void server.close();
      });
      await server.connect(transport);
      await transport.handleRequest(req, res, parsedBody);
    },
  };
}
