import { parse } from 'graphql';
import { describe, expect, it } from 'vitest';
import type { SubscriptionRequest } from './federated-subscriptions.ts';
import { SHARED_STREAM_USER, sharedSubscription } from './shared-subscription.ts';

const request = (overrides: { userId?: string; tenantId?: string; roles?: Array<'viewer' | 'operator' | 'admin'>; query?: string; variables?: Record<string, unknown> } = {}) => {
  const identity = { userId: overrides.userId ?? 'ada', tenantId: overrides.tenantId ?? 'acme', roles: overrides.roles ?? ['viewer'] };
  return {
    document: parse(overrides.query ?? 'subscription($w: ID) { judgmentCompleted(workflowId: $w) { id } }'),
    variables: overrides.variables ?? { w: 'w-1' },
    context: { identity, requestId: 'r-1' },
  } satisfies SubscriptionRequest;
};

describe('sharedSubscription', () => {
  it('gives users of one tenant with the same roles, operation and variables one key, however the query is spaced', () => {
    const ada = sharedSubscription(request({ userId: 'ada', roles: ['viewer', 'operator'] }));
    const bob = sharedSubscription(request({ userId: 'bob', roles: ['operator', 'viewer', 'viewer'], query: 'subscription ($w: ID) {\n  judgmentCompleted(workflowId: $w) { id }\n}' }));
    expect(bob.key).toBe(ada.key);
  });

  it('keeps tenants, roles, variables and operations apart', () => {
    const base = sharedSubscription(request()).key;
    for (const other of [
      request({ tenantId: 'globex' }),
      request({ roles: ['admin'] }),
      request({ variables: { w: 'w-2' } }),
      request({ query: 'subscription($w: ID) { judgmentCompleted(workflowId: $w) { id decision } }' }),
    ]) {
      expect(sharedSubscription(other).key).not.toBe(base);
    }
  });

  it('runs the shared stream as the tenant with those roles, not as the subscriber who opened it', () => {
    const shared = sharedSubscription(request({ userId: 'ada', roles: ['operator', 'viewer'] }));
    expect(shared.request.context.identity).toEqual({ userId: SHARED_STREAM_USER, tenantId: 'acme', roles: ['operator', 'viewer'] });
    expect(shared.request.context.requestId).toBe('r-1');
  });
});
