import type { Plugin } from 'graphql-yoga';
import { errorResponse } from './errors.ts';
import { createIdentityVerifier, IDENTITY_HEADER, type Identity } from './identity.ts';

const identities = new WeakMap<Request, Identity>();

/**
 * Subgraphs trust only identities minted by the gateway: any GraphQL request without a valid
 * one, `_entities` and `_service` included, is refused before parsing.
 */
export function useForwardedIdentity(secret: string, graphqlEndpoint = '/graphql'): Plugin {
  const verify = createIdentityVerifier(secret);
  return {
    async onRequest({ request, url, endResponse }) {
      if (url.pathname !== graphqlEndpoint) return;
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

export function forwardedIdentityOf(request: Request): Identity {
  const identity = identities.get(request);
  if (!identity) throw new Error('forwarded identity missing: useForwardedIdentity must run before the context is built');
  return identity;
}
