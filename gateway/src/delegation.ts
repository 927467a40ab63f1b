import { createHmac, hkdfSync, timingSafeEqual } from 'node:crypto';
import { AppError } from '@judgify/runtime/errors';
import type { GatewayKey } from '@judgify/runtime/gateway-keys';
import { hasRole, roles as knownRoles, type Identity, type Role } from '@judgify/runtime/identity';
import { z } from 'zod';

/** How many services deep a delegated call may go: chat → bi → (the query bi runs) is two. */
export const MAX_DELEGATION_DEPTH = 3;

const FORMAT = 'jd1';

const grantClaims = z.object({
  sub: z.string().min(1),
  tid: z.string().min(1),
  roles: z.array(z.enum(knownRoles)),
  /** The services the request had already come through when this grant was minted. */
  via: z.array(z.string().min(1)),
  /** The subgraph the grant was minted for: the service that will act. */
  azp: z.string().min(1),
  /** The request it serves, so delegated calls can be followed back to it. */
  rid: z.string().min(1),
  exp: z.number().int(),
});

export interface DelegatedCaller {
  /** The user's identity, never wider: the grant's tenant and roles (fewer if asked), and the services it came through. */
  identity: Identity;
  /** The request id of the user's request the call serves. */
  onBehalfOf: string;
  /** When the grant ends (ms since the epoch); grants minted for this call end no later. */
  expiresAt: number;
}

export interface Delegation {
  /**
   * A grant letting `subgraph` call the supergraph as `identity` while it serves `requestId`:
   * valid for the delegation lifetime, and never beyond `notAfter` (the grant this request itself
   * came with, if it was delegated).
   */
  mint(identity: Identity, subgraph: string, requestId: string, notAfter?: number): string;
  /** Checks a grant a delegated call brings; throws an UNAUTHENTICATED or FORBIDDEN error naming the problem. */
  accept(grant: string, requestedRoles: string | null): DelegatedCaller;
}

const refused = (message: string) => new AppError('UNAUTHENTICATED', `Delegated call refused: ${message}`, { http: { status: 401 } });

/**
 * Grants are MACed with a key only gateways can derive, from their signing key, rather than
 * signed: no subgraph ever verifies one, and a MAC costs a few microseconds where a JWT
 * signature through jose costs hundreds, paid on every request that reaches a subgraph.
 */
function macKeyOf(key: GatewayKey): Buffer {
  const secret = key.privateKey.export({ format: 'der', type: 'pkcs8' });
  return Buffer.from(hkdfSync('sha256', secret, 'judgify-gateway', 'delegation-grant', 32));
}

export function createDelegation(options: { keys: readonly GatewayKey[]; ttlSeconds: number; now?: () => number }): Delegation {
  const now = options.now ?? Date.now;
  const [current] = options.keys;
  if (!current) throw new Error('delegation needs the gateway signing key');
  const macKeys = new Map(options.keys.map((key) => [key.kid, macKeyOf(key)]));
  const mac = (kid: string, payload: string) => createHmac('sha256', macKeys.get(kid)!).update(`${FORMAT}.${kid}.${payload}`).digest();

  return {
    mint(identity, subgraph, requestId, notAfter) {
      const claims: z.infer<typeof grantClaims> = {
        sub: identity.userId,
        tid: identity.tenantId,
        roles: identity.roles,
        via: identity.via ?? [],
        azp: subgraph,
        rid: requestId,
        exp: Math.min(now() + options.ttlSeconds * 1000, notAfter ?? Number.POSITIVE_INFINITY),
      };
      const payload = Buffer.from(JSON.stringify(claims)).toString('base64url');
      return `${FORMAT}.${current.kid}.${payload}.${mac(current.kid, payload).toString('base64url')}`;
    },

    accept(grant, requestedRoles) {
      const [format, kid, payload, signature, ...rest] = grant.split('.');
      if (format !== FORMAT || !kid || !payload || !signature || rest.length) throw refused('the delegation grant is malformed.');
      if (!macKeys.has(kid)) throw refused('the delegation grant was minted with a key this gateway does not hold (rotated out, or forged).');
      const given = Buffer.from(signature, 'base64url');
      const expected = mac(kid, payload);
      if (given.length !== expected.length || !timingSafeEqual(given, expected)) {
        throw refused('the delegation grant is invalid: it was not minted by this gateway, or it was altered.');
      }
      let decoded: unknown;
      try {
        decoded = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8'));
      } catch {
        throw refused('the delegation grant is malformed.');
      }
      const claims = grantClaims.safeParse(decoded);
      if (!claims.success) throw refused('the delegation grant is malformed.');
      const { sub, tid, via, azp, rid, exp } = claims.data;
      const late = now() - exp;
      if (late >= 0) {
        throw refused(
          `the delegation grant expired ${Math.ceil(late / 1000)} s ago. A service may act for a user only while, or shortly after, serving that user's request.`,
        );
      }
      const path = [...via, azp];
      if (path.length > MAX_DELEGATION_DEPTH) {
        throw refused(`it came through ${path.join(' → ')}, deeper than ${MAX_DELEGATION_DEPTH} services; a delegated call may not loop back on itself.`);
      }
      const held: Identity = { userId: sub, tenantId: tid, roles: claims.data.roles };
      let acting: Role[] = held.roles;
      if (requestedRoles !== null) {
        const asked = requestedRoles.split(',').map((role) => role.trim()).filter(Boolean);
        const unknown = asked.filter((role) => !(knownRoles as readonly string[]).includes(role));
        const wider = asked.filter((role) => (knownRoles as readonly string[]).includes(role) && !hasRole(held, role as Role));
        if (unknown.length || wider.length || !asked.length) {
          throw new AppError(
            'FORBIDDEN',
            `Delegated call refused: a delegation can narrow the user's roles but never widen them; the user holds [${held.roles.join(', ')}], the call asked for [${asked.join(', ')}].`,
            { http: { status: 403 } },
          );
        }
        acting = asked as Role[];
      }
      return { identity: { ...held, roles: acting, via: path }, onBehalfOf: rid, expiresAt: exp };
    },
  };
}
