import { publicKeySet, type GatewayKey } from '@judgify/runtime/gateway-keys';
import type { Plugin } from 'graphql-yoga';

export const JWKS_PATH = '/.well-known/jwks.json';

/** The gateway's public keys (current and, during a rotation, previous), for subgraphs to verify forwarded identities with. */
export function useJwks(keys: readonly GatewayKey[]): Plugin {
  const body = JSON.stringify(publicKeySet(keys));
  return {
    onRequest({ url, endResponse, fetchAPI }) {
      if (url.pathname !== JWKS_PATH) return;
      endResponse(new fetchAPI.Response(body, { headers: { 'content-type': 'application/jwk-set+json', 'cache-control': 'public, max-age=300' } }));
    },
  };
}
