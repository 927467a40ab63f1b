import { createSecretKey, type KeyObject } from 'node:crypto';
import { SignJWT, jwtVerify, errors as joseErrors } from 'jose';
import { LRUCache } from 'lru-cache';
import { z } from 'zod';

export const roles = ['viewer', 'operator', 'admin'] as const;
export type Role = (typeof roles)[number];

export interface Identity {
  userId: string;
  tenantId: string;
  roles: Role[];
}

/** The identity used when the gateway runs without JWT_SECRET / JWKS_URL. */
export const developmentIdentity: Identity = { userId: 'dev', tenantId: 'dev', roles: ['admin'] };

/** Roles are cumulative: an admin may do what an operator may, an operator what a viewer may. */
const rank: Record<Role, number> = { viewer: 1, operator: 2, admin: 3 };

export function hasRole(identity: Identity, role: Role): boolean {
  return identity.roles.some((held) => rank[held] >= rank[role]);
}

/** Header carrying the identity from the gateway to subgraphs. Only the gateway holds the key to mint it. */
export const IDENTITY_HEADER = 'x-judgify-identity';

const ISSUER = 'judgify-gateway';
/** Each token is minted for one subgraph, so one subgraph cannot replay it against another. */
export const audienceOf = (subgraph: string) => `judgify-subgraph:${subgraph}`;

const forwardedClaims = z.object({
  sub: z.string().min(1),
  tid: z.string().min(1),
  roles: z.array(z.enum(roles)),
});

/** A KeyObject is prepared once; a raw secret would be imported again on every sign and verify. */
const keys = new Map<string, KeyObject>();
function keyFrom(secret: string): KeyObject {
  let key = keys.get(secret);
  if (!key) {
    key = createSecretKey(Buffer.from(secret, 'utf8'));
    keys.set(secret, key);
  }
  return key;
}

/** Mints a short-lived token the subgraphs accept as proof that the gateway authenticated this user. */
export async function mintForwardedIdentity(identity: Identity, secret: string, audience: string, ttlSeconds = 300): Promise<string> {
  return new SignJWT({ tid: identity.tenantId, roles: identity.roles })
    .setProtectedHeader({ alg: 'HS256' })
    .setSubject(identity.userId)
    .setIssuer(ISSUER)
    .setAudience(audience)
    .setIssuedAt()
    .setExpirationTime(`${ttlSeconds}s`)
    .sign(keyFrom(secret));
}

export type ForwardedIdentityResult =
  | { ok: true; identity: Identity; expiresAt: number }
  | { ok: false; reason: string };

export async function verifyForwardedIdentity(token: string, secret: string, audience: string): Promise<ForwardedIdentityResult> {
  try {
    const { payload } = await jwtVerify(token, keyFrom(secret), {
      issuer: ISSUER,
      audience,
      algorithms: ['HS256'],
    });
    const claims = forwardedClaims.safeParse(payload);
    if (!claims.success) return { ok: false, reason: 'forwarded identity has malformed claims' };
    return {
      ok: true,
      identity: { userId: claims.data.sub, tenantId: claims.data.tid, roles: claims.data.roles },
      expiresAt: (payload.exp ?? 0) * 1000,
    };
  } catch (error) {
    if (error instanceof joseErrors.JWTExpired) return { ok: false, reason: 'forwarded identity has expired' };
    if (error instanceof joseErrors.JWTClaimValidationFailed && error.claim === 'aud') {
      return { ok: false, reason: 'forwarded identity was minted for another subgraph' };
    }
    return { ok: false, reason: 'forwarded identity signature is invalid' };
  }
}

const CACHED_IDENTITIES = 10_000;

/**
 * The gateway's minter: one token per user, tenant and roles, reused for half its lifetime, so
 * subgraphs see the same token across requests and can cache its verification.
 */
export function createIdentityMinter(secret: string, ttlSeconds = 300): (identity: Identity, subgraph: string) => Promise<string> {
  const tokens = new LRUCache<string, Promise<string>>({ max: CACHED_IDENTITIES, ttl: (ttlSeconds * 1000) / 2 });
  return (identity, subgraph) => {
    const cacheKey = JSON.stringify([subgraph, identity.tenantId, identity.userId, identity.roles]);
    let token = tokens.get(cacheKey);
    if (!token) {
      token = mintForwardedIdentity(identity, secret, audienceOf(subgraph), ttlSeconds);
      tokens.set(cacheKey, token);
      token.catch(() => tokens.delete(cacheKey));
    }
    return token;
  };
}

/** A subgraph's verifier: a token verified once is trusted until it expires. */
export function createIdentityVerifier(secret: string, audience: string): (token: string) => Promise<ForwardedIdentityResult> {
  const verified = new LRUCache<string, ForwardedIdentityResult & { ok: true }>({ max: CACHED_IDENTITIES });
  return async (token) => {
    const hit = verified.get(token);
    if (hit && hit.expiresAt > Date.now()) return hit;
    const result = await verifyForwardedIdentity(token, secret, audience);
    if (result.ok) verified.set(token, result, { ttl: Math.max(1, result.expiresAt - Date.now()) });
    return result;
  };
}
