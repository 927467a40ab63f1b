import type { Identity } from '@judgify/runtime/identity';
import { print } from 'graphql';
import type { SubscriptionRequest } from './federated-subscriptions.ts';

/**
 * Who a shared upstream acts as: the tenant with the subscribers' roles, never one of them — so
 * what a subgraph resolves for one user (her chat sessions, say) cannot reach another user who
 * shares the stream; a field that needs a user fails for every subscriber alike instead.
 */
export const SHARED_STREAM_USER = '@shared-subscription';

/**
 * Subscribers asking the same operation with the same variables, in one tenant with the same
 * roles, receive the same events: they share one upstream, keyed by exactly that.
 */
export function sharedSubscription(request: SubscriptionRequest & { context: { identity: Identity } }): { key: string; request: SubscriptionRequest } {
  const { tenantId } = request.context.identity;
  const roles = [...new Set(request.context.identity.roles)].sort();
  const identity: Identity = { userId: SHARED_STREAM_USER, tenantId, roles };
  return {
    key: JSON.stringify([tenantId, roles, print(request.document), request.operationName ?? null, request.variables ?? {}]),
    request: { ...request, context: { ...request.context, identity } },
  };
}
