import type { IncomingMessage, RequestListener, ServerResponse } from 'node:http';
import type { Logger } from '@judgify/runtime/logger';

/** A part of the gateway served beside GraphQL (the console, MCP), by path prefix. */
export interface HttpRoute {
  /** `/mcp` matches `/mcp` and `/mcp/...`; `/` matches every path no other route or GraphQL takes. */
  prefix: string;
  handle(req: IncomingMessage, res: ServerResponse): void | Promise<void>;
}

const GRAPHQL_PATHS = new Set(['/graphql', '/health', '/health/live', '/health/ready', '/metrics', '/.well-known/jwks.json']);

function matches(prefix: string, pathname: string): boolean {
  if (prefix === '/') return true;
  return pathname === prefix || pathname.startsWith(`${prefix}/`);
}

/** GraphQL's own paths go to yoga; the rest to the longest matching route, or to yoga when none matches. */
export function routeRequests(routes: readonly HttpRoute[], graphql: RequestListener, logger: Logger): RequestListener {
  const ordered = [...routes].sort((a, b) => b.prefix.length - a.prefix.length);
  return (req, res) => {
    const pathname = (req.url ?? '/').split('?', 1)[0]!;
    const route = GRAPHQL_PATHS.has(pathname) ? undefined : ordered.find((candidate) => matches(candidate.prefix, pathname));
    if (!route) return graphql(req, res);
    Promise.resolve()
      .then(() => route.handle(req, res))
      .catch((error: unknown) => {
        logger.error({ err: error, path: pathname }, 'route failed');
        if (!res.headersSent) res.writeHead(500, { 'content-type': 'text/plain; charset=utf-8' });
        res.end('Internal error');
      });
  };
}
