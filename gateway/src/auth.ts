import { AppError } from '@judgify/runtime/errors';
import { developmentIdentity, roles, type Identity, type Role } from '@judgify/runtime/identity';
import { createSecretKey, type KeyObject } from 'node:crypto';
import { createRemoteJWKSet, errors as joseErrors, jwtVerify, type JWTVerifyGetKey } from 'jose';
import { cacheRequests, Counter, metricOf, type Registry } from '@judgify/runtime/metrics';
import { LRUCache } from 'lru-cache';
import { z } from 'zod';

export interface AuthOptions {
  jwtSecret?: string;
  jwksUrl?: string;
  issuer?: string;
  audience?: string;
  /** Counts verified-token cache lookups as `cache_requests_total{cache="verified_tokens"}`. */
  registry?: Registry;
}

export interface Session {
  identity: Identity;
  /** When the token expires (epoch ms); absent for the development identity. */
  expiresAt?: number;
}

export interface Authenticator {
  /** False when neither JWT_SECRET nor JWKS_URL is set: everyone is the development identity. */
  readonly verifiesTokens: boolean;
  authenticate(authorization: string | null | undefined): Promise<Identity>;
  /** The identity and how long it holds: long-lived connections end when their token does. */
  session(authorization: string | null | undefined): Promise<Session>;
}

const claimsSchema = z.object({
  sub: z
    .string({ error: 'token has no "sub" claim (the user id)' })
    .min(1)
    // Reserved: the gateway's own actors (a shared subscription stream) are named so.
    .refine((sub) => !sub.startsWith('@'), 'token "sub" must not start with "@" (reserved for the gateway)'),
  tenant_id: z.string({ error: 'token has no "tenant_id" claim' }).min(1),
  roles: z.array(z.string(), { error: 'token has no "roles" claim (an array of viewer, operator, admin)' }),
});

/**
 * How one request or connection authenticated, as `authentication_attempts_total{result}` counts
 * it: with a valid token, as the development identity, through a delegation grant, or refused
 * because the token was missing, malformed (not "Bearer <JWT>"), expired or otherwise invalid,
 * or the grant was.
 */
export type AuthenticationResult = 'success' | 'development' | 'delegated' | 'missing' | 'malformed' | 'expired' | 'invalid' | 'delegation_refused';

export function authenticationAttempts(registry: Registry): Counter<'result'> {
  return metricOf(
    registry,
    'authentication_attempts_total',
    () =>
      new Counter({
        name: 'authentication_attempts_total',
        help: 'Requests and connections by how they authenticated: success, development, delegated, missing, malformed, expired, invalid, delegation_refused',
        labelNames: ['result'],
        registers: [registry],
      }),
  );
}

const refusals = new WeakMap<object, AuthenticationResult>();

/** Why an error the authenticator raised refused the caller ("invalid" for any other error). */
export function refusalOf(error: unknown): AuthenticationResult {
  return (typeof error === 'object' && error !== null && refusals.get(error)) || 'invalid';
}

/** Raised before execution, so the response itself is a 401. */
const unauthenticated = (message: string, refusal: AuthenticationResult = 'invalid') => {
  const error = new AppError('UNAUTHENTICATED', message, { http: { status: 401 } });
  refusals.set(error, refusal);
  return error;
};

export function bearerToken(authorization: string | null | undefined): string {
  if (!authorization) throw unauthenticated('Authentication required: send "Authorization: Bearer <JWT>".', 'missing');
  const [scheme, token, ...rest] = authorization.trim().split(/\s+/);
  if (scheme?.toLowerCase() !== 'bearer' || !token || rest.length) {
    throw unauthenticated('Malformed Authorization header: expected "Bearer <JWT>".', 'malformed');
  }
  return token;
}

function explain(error: unknown): string {
  if (error instanceof joseErrors.JWTExpired) return 'Token has expired: sign in again.';
  if (error instanceof joseErrors.JWTClaimValidationFailed) return `Token rejected: ${error.message}.`;
  if (error instanceof joseErrors.JWSSignatureVerificationFailed) return 'Token signature is invalid.';
  if (error instanceof joseErrors.JOSEAlgNotAllowed) return 'Token uses an algorithm this gateway does not accept.';
  if (error instanceof joseErrors.JWKSNoMatchingKey) return 'Token was signed by a key this gateway does not know.';
  if (error instanceof joseErrors.JOSEError) return 'Token is malformed.';
  return 'Token could not be verified.';
}

export function createAuthenticator(options: AuthOptions): Authenticator {
  const key: KeyObject | JWTVerifyGetKey | undefined = options.jwtSecret
    ? createSecretKey(Buffer.from(options.jwtSecret, 'utf8'))
    : options.jwksUrl
      ? createRemoteJWKSet(new URL(options.jwksUrl))
      : undefined;
  if (!key) return { verifiesTokens: false, authenticate: async () => developmentIdentity, session: async () => ({ identity: developmentIdentity }) };
  const algorithms = options.jwtSecret ? ['HS256'] : ['RS256', 'ES256', 'PS256', 'EdDSA'];
  // Clients send the same token with every request: verify it once, trust it until it expires.
  const verified = new LRUCache<string, { identity: Identity; expiresAt: number }>({ max: 50_000 });
  const lookups = options.registry && cacheRequests(options.registry);
  const [hit, miss] = [lookups?.labels({ cache: 'verified_tokens', result: 'hit' }), lookups?.labels({ cache: 'verified_tokens', result: 'miss' })];

  async function session(authorization: string | null | undefined): Promise<{ identity: Identity; expiresAt: number }> {
    const token = bearerToken(authorization);
    const known = verified.get(token);
    if (known && known.expiresAt > Date.now()) {
      hit?.inc();
      return known;
    }
    miss?.inc();
    let payload: { exp?: number };
    try {
      ({ payload } = await jwtVerify(token, key as KeyObject, {
        algorithms,
        requiredClaims: ['exp'],
        issuer: options.issuer,
        audience: options.audience,
      }));
    } catch (error) {
      throw unauthenticated(explain(error), error instanceof joseErrors.JWTExpired ? 'expired' : 'invalid');
    }
    const claims = claimsSchema.safeParse(payload);
    if (!claims.success) throw unauthenticated(`Token rejected: ${claims.error.issues.map((issue) => issue.message).join('; ')}.`);
    const granted = claims.data.roles.filter((role): role is Role => (roles as readonly string[]).includes(role));
    const identity = { userId: claims.data.sub, tenantId: claims.data.tenant_id, roles: granted };
    const expiresAt = (payload.exp ?? 0) * 1000;
    verified.set(token, { identity, expiresAt }, { ttl: Math.max(1, expiresAt - Date.now()) });
    return { identity, expiresAt };
  }

  return {
    verifiesTokens: true,
    authenticate: async (authorization) => (await session(authorization)).identity,
    session,
  };
}
