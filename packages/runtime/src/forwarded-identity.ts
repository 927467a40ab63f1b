import { SignJWT, jwtVerify, errors as joseErrors, type JWTVerifyGetKey } from 'jose';
import { LRUCache } from 'lru-cache';
import { z } from 'zod';
import { FORWARDED_IDENTITY_ALGORITHMS, type GatewayKey } from './gateway-keys.ts';
import { audienceOf, roles, type Identity } from './identity.ts';

const ISSUER = 'judgify-gateway';
const DEFAULT_TTL_SECONDS = 300;

const forwardedClaims = z.object({
  sub: z.string().min(1),
  tid: z.string().min(1),
  roles: z.array(z.enum(roles)),
  via: z.array(z.string().min(1)).optional(),
});

/** Mints a short-lived token a subgraph accepts as proof that the gateway authenticated this user. */
export async function mintForwardedIdentity(identity: Identity, key: GatewayKey, audience: string, ttlSeconds = DEFAULT_TTL_SECONDS): Promise<string> {
  return new SignJWT({ tid: identity.tenantId, roles: identity.roles, ...(identity.via?.length ? { via: identity.via } : {}) })
    .setProtectedHeader({ alg: key.alg, kid: key.kid })
    .setSubject(identity.userId)
    .setIssuer(ISSUER)
    .setAudience(audience)
    .setIssuedAt()
    .setExpirationTime(`${ttlSeconds}s`)
    .sign(key.privateKey);
}

export type ForwardedIdentityResult = { ok: true; identity: Identity; expiresAt: number } | { ok: false; reason: string };

function reasonFor(error: unknown): string {
  if (error instanceof joseErrors.JWTExpired) return 'forwarded identity has expired';
  if (error instanceof joseErrors.JWTClaimValidationFailed && error.claim === 'aud') return 'forwarded identity was minted for another subgraph';
  if (error instanceof joseErrors.JWKSNoMatchingKey) return 'forwarded identity was signed by a key this subgraph does not know';
  if (error instanceof joseErrors.JWKSTimeout || error instanceof joseErrors.JWKSInvalid) return "the gateway's public keys could not be fetched";
  return 'forwarded identity signature is invalid';
}

export async function verifyForwardedIdentity(token: string, keys: JWTVerifyGetKey, audience: string): Promise<ForwardedIdentityResult> {
  try {
    const { payload } = await jwtVerify(token, keys, { issuer: ISSUER, audience, algorithms: FORWARDED_IDENTITY_ALGORITHMS });
    const claims = forwardedClaims.safeParse(payload);
    if (!claims.success) return { ok: false, reason: 'forwarded identity has malformed claims' };
    const { sub, tid, via } = claims.data;
    return {
      ok: true,
      identity: { userId: sub, tenantId: tid, roles: claims.data.roles, ...(via?.length ? { via } : {}) },
      expiresAt: (payload.exp ?? 0) * 1000,
    };
  } catch (error) {
    return { ok: false, reason: reasonFor(error) };
  }
}

const CACHED_IDENTITIES = 10_000;

/**
 * The gateway's minter: one token per subgraph, user, tenant, roles and delegation path, reused
 * for half its lifetime, so subgraphs see the same token across requests and can cache its
 * verification. Signing uses the current key only.
 */
export function createIdentityMinter(key: GatewayKey, ttlSeconds = DEFAULT_TTL_SECONDS): (identity: Identity, subgraph: string) => Promise<string> {
  const tokens = new LRUCache<string, Promise<string>>({ max: CACHED_IDENTITIES, ttl: (ttlSeconds * 1000) / 2 });
  return (identity, subgraph) => {
    const cacheKey = JSON.stringify([subgraph, identity.tenantId, identity.userId, identity.roles, identity.via ?? []]);
    let token = tokens.get(cacheKey);
    if (!token) {
      token = mintForwardedIdentity(identity, key, audienceOf(subgraph), ttlSeconds);
      tokens.set(cacheKey, token);
      token.catch(() => tokens.delete(cacheKey));
    }
    return token;
  };
}

/** A subgraph's verifier: a token verified once is trusted until it expires. */
export function createIdentityVerifier(keys: JWTVerifyGetKey, audience: string): (token: string) => Promise<ForwardedIdentityResult> {
  const verified = new LRUCache<string, ForwardedIdentityResult & { ok: true }>({ max: CACHED_IDENTITIES });
  return async (token) => {
    const hit = verified.get(token);
    if (hit && hit.expiresAt > Date.now()) return hit;
    const result = await verifyForwardedIdentity(token, keys, audience);
    if (result.ok) verified.set(token, result, { ttl: Math.max(1, result.expiresAt - Date.now()) });
    return result;
  };
}
