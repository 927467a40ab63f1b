import type { z } from 'zod';

/**
 * Who may share a cached answer. `user` (the default): the same user, tenant and roles.
 * `tenant`: anyone of the tenant with the same roles — for data that does not depend on who
 * asks within a tenant (every workflow read of this platform: tenants see their own workflows).
 */
export type ResponseCacheScope = 'user' | 'tenant';

export interface ResponseCacheRule {
  /** How long an answer may be served from the cache, in ms. */
  ttlMs: number;
  scope: ResponseCacheScope;
}

/** What may be cached: by type (`Workflow`) and by field (`Query.workflows`). Empty: the cache is off. */
export interface ResponseCachePolicy {
  enabled: boolean;
  rules: ReadonlyMap<string, ResponseCacheRule>;
}

const UNITS: Record<string, number> = { ms: 1, s: 1_000, m: 60_000, h: 3_600_000 };
const MAX_TTL_MS = 24 * 3_600_000;
const COORDINATE = /^[_A-Za-z][_0-9A-Za-z]*(\.[_A-Za-z][_0-9A-Za-z]*)?$/;
const TTL = /^(\d+)(ms|s|m|h)$/;
const EXAMPLE = 'e.g. "Workflow=30s@tenant,Query.workflows=10s"';

/**
 * `RESPONSE_CACHE`: comma-separated `<Type or Type.field>=<ttl>[@user|@tenant]` entries, TTLs as
 * `500ms`, `30s`, `5m` or `1h` (at most 24h); empty or `off` leaves the cache off. Each problem
 * is reported with the entry it is in; whether the names exist is checked against the
 * supergraph when the gateway starts (`checkPolicyAgainstSchema`).
 */
export function parseResponseCache(text: string, context?: z.RefinementCtx): ResponseCachePolicy {
  const rules = new Map<string, ResponseCacheRule>();
  const trimmed = text.trim();
  if (trimmed === '' || trimmed === 'off') return { enabled: false, rules };
  const problem = (message: string) => context?.addIssue({ code: 'custom', message: `RESPONSE_CACHE ${message}` });
  for (const entry of trimmed.split(',').map((part) => part.trim())) {
    if (!entry) {
      problem(`has an empty entry (two commas in a row, or one at an end): ${EXAMPLE}`);
      continue;
    }
    const equals = entry.indexOf('=');
    if (equals < 0) {
      problem(`entry "${entry}" has no TTL: write "${entry}=30s" (or 500ms, 5m, 1h)`);
      continue;
    }
    const coordinate = entry.slice(0, equals).trim();
    const [ttlText = '', scopeText, ...extra] = entry.slice(equals + 1).trim().split('@');
    if (!COORDINATE.test(coordinate)) {
      problem(`entry "${entry}": "${coordinate}" is not a type name ("Workflow") or a type and field ("Query.workflows")`);
      continue;
    }
    const ttl = TTL.exec(ttlText.trim());
    if (!ttl) {
      problem(`entry "${entry}": TTL "${ttlText}" is not a whole number with a unit: ms, s, m or h (e.g. 30s)`);
      continue;
    }
    const ttlMs = Number(ttl[1]) * UNITS[ttl[2]!]!;
    if (ttlMs < 1 || ttlMs > MAX_TTL_MS) {
      problem(`entry "${entry}": TTL must be more than 0 and at most 24h`);
      continue;
    }
    if (extra.length || (scopeText !== undefined && scopeText.trim() !== 'user' && scopeText.trim() !== 'tenant')) {
      problem(`entry "${entry}": the scope after "@" must be "user" (the default: one user's answers) or "tenant" (shared by the tenant's users with the same roles)`);
      continue;
    }
    if (rules.has(coordinate)) {
      problem(`names "${coordinate}" twice`);
      continue;
    }
    rules.set(coordinate, { ttlMs, scope: scopeText?.trim() === 'tenant' ? 'tenant' : 'user' });
  }
  return { enabled: rules.size > 0, rules };
}
