import type { JWTVerifyGetKey } from 'jose';
import type { Plugin } from 'graphql-yoga';
import { AppError, errorResponse } from './errors.ts';
import { createIdentityVerifier } from './forwarded-identity.ts';
import { DELEGATION_HEADER, IDENTITY_HEADER, type Identity } from './identity.ts';

export interface ForwardedRequest {
  identity: Identity;
  /** The grant to call the supergraph as this user, when the gateway sent one. */
  delegation?: string;
}

const forwarded = new WeakMap<Request, ForwardedRequest>();

/** Routes open to anyone: probes and scrapes. Everything else a subgraph serves is GraphQL. */
const OPEN_PATHS = new Set(['/health', '/health/live', '/health/ready', '/metrics']);

/**
 * Subgraphs trust only identities minted by the gateway for them: every request outside the
 * probe routes — whatever path yoga would route to GraphQL, `_entities` and `_service` included —
 * is refused before parsing unless it carries one.
 */
export function useForwardedIdentity(options: { keys: JWTVerifyGetKey; audience: string }): Plugin {
  const verify = createIdentityVerifier(options.keys, options.audience);
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
      forwarded.set(request, { identity: verified.identity, delegation: request.headers.get(DELEGATION_HEADER) ?? undefined });
    },
  };
}

export function forwardedRequestOf(request: Request | undefined): ForwardedRequest {
  const found = request && forwarded.get(request);
  if (!found) throw new AppError('UNAUTHENTICATED', 'This request carries no identity forwarded by the gateway.');
  return found;
}
