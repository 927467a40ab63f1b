import { createGraphQLError, type Plugin } from 'graphql-yoga';

/** Any of these, non-empty, makes a browser send a CORS preflight first, which a foreign site cannot pass. */
export const PREFLIGHT_HEADERS = ['x-apollo-operation-name', 'apollo-require-preflight', 'x-graphql-yoga-csrf'] as const;

/** The content types a browser may POST cross-site without a preflight (HTML forms, `fetch` with no-cors). */
const SIMPLE_CONTENT_TYPES = new Set(['application/x-www-form-urlencoded', 'multipart/form-data', 'text/plain']);

/** True for a request a browser would send cross-site without asking the gateway first. */
export function isSimpleRequest(request: Request): boolean {
  if (request.method === 'GET' || request.method === 'HEAD') return true;
  const contentType = request.headers.get('content-type')?.split(';')[0]?.trim().toLowerCase();
  return !contentType || SIMPLE_CONTENT_TYPES.has(contentType);
}

/**
 * CSRF prevention, as Apollo Server does it: a GraphQL request that a browser could send from
 * any site without a preflight (a GET, or a POST with a form or text content type) is refused
 * unless it carries a header that forces one. It matters most in development-identity mode,
 * where no token stands between a malicious page and an admin identity; JSON POSTs, the
 * explorer (which sends the header) and non-browser clients that add it are unaffected.
 */
export function useCsrfPrevention(): Plugin {
  return {
    onRequestParse({ request }) {
      if (!isSimpleRequest(request)) return;
      if (PREFLIGHT_HEADERS.some((header) => request.headers.get(header))) return;
      throw createGraphQLError(
        `This request was refused as a possible cross-site request forgery: send it as a POST with "content-type: application/json", or add a non-empty "${PREFLIGHT_HEADERS[1]}" header (for GET requests and form or text bodies).`,
        { extensions: { code: 'CSRF_PREVENTED', http: { status: 403 } } },
      );
    },
  };
}
