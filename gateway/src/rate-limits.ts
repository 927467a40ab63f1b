import { AppError } from '@judgify/runtime/errors';
import type { Identity } from '@judgify/runtime/identity';
import type { Counter } from '@judgify/runtime/metrics';
import type { LimitCheck, RateLimit, RateLimiter } from '@judgify/runtime/rate-limiter';
import {
  getDirectiveValues,
  getOperationAST,
  GraphQLIncludeDirective,
  GraphQLSkipDirective,
  Kind,
  type DocumentNode,
  type FragmentDefinitionNode,
  type SelectionSetNode,
} from 'graphql';
import type { Plugin } from 'graphql-yoga';
import { z } from 'zod';
import type { GatewayContext } from './context.ts';

/** Per root field, the budget each user has; fields not named share the `*` budget's size (each its own count). */
export interface RateLimitPolicy {
  enabled: boolean;
  byField: ReadonlyMap<string, RateLimit>;
  fallback?: RateLimit;
}

const UNITS: Record<string, number> = { s: 1_000, m: 60_000, h: 3_600_000, d: 86_400_000 };
const ENTRY = /^([_A-Za-z][_0-9A-Za-z]*|\*)=(\d+)\/(\d*)([smhd])$/;

/**
 * `RATE_LIMITS`: comma-separated `field=points/window` entries, windows as `30s`, `1m`, `1h`,
 * `1d`; `*` sets the default for every other root field; `off` turns limiting off.
 */
export function parseRateLimits(text: string, context?: z.RefinementCtx): RateLimitPolicy {
  const byField = new Map<string, RateLimit>();
  if (text.trim() === 'off') return { enabled: false, byField };
  let fallback: RateLimit | undefined;
  for (const entry of text.split(',').map((part) => part.trim()).filter(Boolean)) {
    const match = ENTRY.exec(entry);
    const points = Number(match?.[2]);
    const windowMs = Number(match?.[3] || 1) * (UNITS[match?.[4] ?? ''] ?? 0);
    if (!match || points < 1 || windowMs < 1) {
      context?.addIssue({ code: 'custom', message: `RATE_LIMITS entry "${entry}" is not "<root field or *>=<points>/<window>", e.g. "executeJudgment=100/1m" or "*=1000/1h"` });
      continue;
    }
    if (match[1] === '*') fallback = { points, windowMs };
    else byField.set(match[1]!, { points, windowMs });
  }
  return { enabled: true, byField, fallback };
}

const META_FIELDS = new Set(['__typename', '__schema', '__type']);

/**
 * How often each root field runs in the operation: every response key (alias) counts once, in
 * fragments on the root too, unless `@skip`/`@include` leave it out; selections GraphQL merges
 * (the same alias twice) run once and count once. Meta fields (`__typename`, introspection) cost
 * nothing and are not counted.
 */
export function rootFieldCounts(document: DocumentNode, operationName: string | null | undefined, variables: Record<string, unknown> | undefined): Map<string, number> {
  const operation = getOperationAST(document, operationName);
  const responseKeys = new Map<string, Set<string>>();
  if (!operation) return new Map();
  const fragments = new Map(
    document.definitions.filter((definition): definition is FragmentDefinitionNode => definition.kind === Kind.FRAGMENT_DEFINITION).map((fragment) => [fragment.name.value, fragment]),
  );
  const included = (node: Parameters<typeof getDirectiveValues>[1]) =>
    getDirectiveValues(GraphQLSkipDirective, node, variables)?.if !== true && getDirectiveValues(GraphQLIncludeDirective, node, variables)?.if !== false;
  const visited = new Set<string>();
  const walk = (selectionSet: SelectionSetNode) => {
    for (const selection of selectionSet.selections) {
      if (!included(selection)) continue;
      if (selection.kind === Kind.FIELD) {
        const field = selection.name.value;
        if (META_FIELDS.has(field)) continue;
        const keys = responseKeys.get(field) ?? new Set<string>();
        responseKeys.set(field, keys.add(selection.alias?.value ?? field));
      } else if (selection.kind === Kind.INLINE_FRAGMENT) {
        walk(selection.selectionSet);
      } else {
        const fragment = fragments.get(selection.name.value);
        if (fragment && !visited.has(fragment.name.value)) {
          visited.add(fragment.name.value);
          walk(fragment.selectionSet);
        }
      }
    }
  };
  walk(operation.selectionSet);
  return new Map([...responseKeys].map(([field, keys]) => [field, keys.size]));
}

const describeWindow = (windowMs: number) =>
  windowMs % 86_400_000 === 0
    ? windowMs === 86_400_000 ? 'day' : `${windowMs / 86_400_000} days`
    : windowMs % 3_600_000 === 0
      ? windowMs === 3_600_000 ? 'hour' : `${windowMs / 3_600_000} hours`
      : windowMs % 60_000 === 0
        ? windowMs === 60_000 ? 'minute' : `${windowMs / 60_000} minutes`
        : `${windowMs / 1000} seconds`;

export function rateLimitedError(refused: LimitCheck, retryAfterMs: number): AppError {
  const retryAfterSeconds = Math.max(1, Math.ceil(retryAfterMs / 1000));
  const { points, windowMs } = refused.limit;
  const asks = refused.cost > 1 ? ` (this request asks for ${refused.cost})` : '';
  const impossible = refused.cost > points ? ' No single request may ask for more than that.' : ` Try again in ${retryAfterSeconds} s.`;
  return new AppError('RATE_LIMITED', `Rate limit reached for ${refused.key}: at most ${points} per ${describeWindow(windowMs)} per user${asks}.${impossible}`, {
    field: refused.key,
    limit: points,
    windowSeconds: windowMs / 1000,
    retryAfterSeconds,
    http: { status: 429, headers: { 'Retry-After': String(retryAfterSeconds) } },
  });
}

export interface OperationLimiter {
  /**
   * The refusal for this operation, if the user's budget for any of its root fields is spent. A
   * delegated call (a service acting for the user) draws only from the budgets named for its
   * fields: the request it serves was charged already, and the `*` default is for what clients send.
   */
  check(
    identity: Identity,
    document: DocumentNode,
    operationName: string | null | undefined,
    variables: Record<string, unknown> | undefined,
    options?: { delegated?: boolean },
  ): Promise<AppError | undefined>;
}

export function createOperationLimiter(options: { policy: RateLimitPolicy; limiter: RateLimiter; refusals: Counter<'operation'> }): OperationLimiter {
  const { policy } = options;
  return {
    async check(identity, document, operationName, variables, { delegated = false } = {}) {
      if (!policy.enabled) return undefined;
      const checks: LimitCheck[] = [];
      for (const [field, count] of rootFieldCounts(document, operationName, variables)) {
        const limit = policy.byField.get(field) ?? (delegated ? undefined : policy.fallback);
        if (limit) checks.push({ key: field, cost: count, limit });
      }
      if (!checks.length) return undefined;
      const decision = await options.limiter.consume(`${identity.tenantId}:${identity.userId}`, checks);
      if (decision.allowed) return undefined;
      options.refusals.inc({ operation: decision.refused.key });
      return rateLimitedError(decision.refused, decision.retryAfterMs);
    },
  };
}

/** Queries and mutations (over HTTP and WebSocket) and subscriptions over SSE draw from the user's budgets before anything runs. */
export function useRateLimits(limits: OperationLimiter): Plugin<GatewayContext> {
  const refuseIfSpent = async (args: { document: DocumentNode; operationName?: string | null; variableValues?: Record<string, unknown> | null; contextValue: unknown }) => {
    const { identity, delegation } = args.contextValue as GatewayContext;
    if (!identity) return undefined;
    return limits.check(identity, args.document, args.operationName, args.variableValues ?? undefined, { delegated: Boolean(delegation) });
  };
  return {
    async onExecute({ args, setResultAndStopExecution }) {
      const refusal = await refuseIfSpent(args);
      if (refusal) setResultAndStopExecution({ errors: [refusal] });
    },
    async onSubscribe({ args, setResultAndStopExecution }) {
      const refusal = await refuseIfSpent(args);
      if (refusal) setResultAndStopExecution({ errors: [refusal] });
    },
  };
}
