export const roles = ['viewer', 'operator', 'admin'] as const;
export type Role = (typeof roles)[number];

export interface Identity {
  userId: string;
  tenantId: string;
  roles: Role[];
  /**
   * Set when a platform service called the supergraph on this user's behalf: the services the
   * call came through, outermost first (`['chat', 'bi']`: chat asked, bi ran the query).
   */
  via?: string[];
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

/**
 * Header carrying a delegation grant: the gateway sends one to each subgraph a request reaches,
 * and a subgraph sends it back to call the supergraph as that request's user.
 */
export const DELEGATION_HEADER = 'x-judgify-delegation';

/** Optional on a delegated call: the roles to act with, a subset of the user's (least privilege). */
export const DELEGATION_ROLES_HEADER = 'x-judgify-delegation-roles';

/** Each token is minted for one subgraph, so one subgraph cannot replay it against another. */
export const audienceOf = (subgraph: string) => `judgify-subgraph:${subgraph}`;
