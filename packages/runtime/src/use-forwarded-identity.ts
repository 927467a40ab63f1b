import type { Plugin } from 'graphql-yoga';
import { AppError, errorResponse } from './errors.ts';
import { createIdentityVerifier, IDENTITY_HEADER, type Identity } from './identity.ts';

const identities = new WeakMap<Request, Identity>();

/** Routes open to anyone: probes and scrapes. Everything else a subgraph serves is GraphQL. */
const OPEN_PATHS = new Set(['/health', '/health/live', '/health/ready', '/metrics']);

/**
 * Subgraphs trust only identities minted by the gateway for them: every request outside the
 * probe routes — whatever path yoga would route to GraphQL, `_entities` and `_service` included —
 * is refused before parsing unless it carries one.
 */
export function useForwardedIdentity(options: { secret: string; audience: string }): Plugin {
  const verify = createIdentityVerifier(options.secret, options.audience);
  return {
    async onRequest({ request, url, endResponse }) {
      if (OPEN_PATHS.has(url.pathname)) return;
      const token = request.headers.get(IDENTITY_HEADER);
      if (!token) {
        return endResponse(
          errorResponse(
            401,
            'UNAUTHENTICATED',
            `This subgraph only answers requests forwarded by the Judgify gateway (missing ${IDENTITY_HEADER} header). Send your request to the gateway instead.`,
          ),
        );
      }
      const verified = await verify(token);
      if (!verified.ok) return endResponse(errorResponse(403, 'FORBIDDEN', `Request refused: ${verified.reason}.`));
      identities.set(request, verified.identity);
    },
  };
}

export function forwardedIdentityOf(request: Request | undefined): Identity {
  const identity = request && identities.get(request);
  if (!identity) throw new AppError('UNAUTHENTICATED', 'This request carries no identity forwarded by the gateway.');
  return identity;
}
