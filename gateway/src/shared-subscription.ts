import { randomUUID } from 'node:crypto';
import type { Identity } from '@judgify/runtime/identity';
import type { Logger } from '@judgify/runtime/logger';
import { getOperationAST, Kind, print, type ExecutionResult, type SelectionSetNode } from 'graphql';
import type { SubscriptionRequest } from './federated-subscriptions.ts';
import type { SubscriptionHub } from './subscription-hub.ts';

/**
 * Who a shared upstream acts as: the tenant with the subscribers' roles, never one of them — so
 * what a subgraph resolves for one user (her chat sessions, say) cannot reach another user who
 * shares the stream; a field that needs a user fails for every subscriber alike instead. Client
 * tokens cannot name it (`auth.ts` reserves "@").
 */
export const SHARED_STREAM_USER = '@shared-subscription';

/**
 * Root fields whose every event is the whole current state (a live dashboard: every view's latest
 * data), so a subscriber joining a shared stream late is started with its latest event.
 */
export const STATE_SUBSCRIPTIONS: ReadonlySet<string> = new Set(['dashboardUpdated']);

/**
 * Root fields whose events belong to one user (an answer in her own chat session): their streams
 * are shared only by that user's own subscribers, and act as her.
 */
export const USER_SUBSCRIPTIONS: ReadonlySet<string> = new Set(['chatMessageStream']);

/** The subscription's one root field, through fragments too (`subscription { ...Mine }`). */
function rootFieldOf(request: SubscriptionRequest): string | undefined {
  const fragments = new Map(request.document.definitions.flatMap((definition) => (definition.kind === Kind.FRAGMENT_DEFINITION ? [[definition.name.value, definition.selectionSet] as const] : [])));
  const firstField = (set: SelectionSetNode | undefined, depth: number): string | undefined => {
    for (const selection of set?.selections ?? []) {
      if (selection.kind === Kind.FIELD) return selection.name.value;
      // Validation has refused fragment cycles before a subscription gets here; the depth bound is for safety.
      const inner = depth < 10 ? firstField(selection.kind === Kind.INLINE_FRAGMENT ? selection.selectionSet : fragments.get(selection.name.value), depth + 1) : undefined;
      if (inner) return inner;
    }
    return undefined;
  };
  return firstField(getOperationAST(request.document, request.operationName ?? undefined)?.selectionSet, 0);
}

/**
 * Subscribers asking the same operation with the same variables, in one tenant with the same
 * roles, receive the same events: what they share an upstream by, and who it acts as. For a
 * per-user field the user is part of the key, and the stream acts as her.
 */
export function sharing(request: SubscriptionRequest): { key: string; identity: Identity; replaysLatest: boolean } {
  const { tenantId, userId } = request.context.identity;
  const roles = [...new Set(request.context.identity.roles)].sort();
  const field = rootFieldOf(request) ?? '';
  const perUser = USER_SUBSCRIPTIONS.has(field);
  return {
    key: JSON.stringify([tenantId, roles, perUser ? userId : SHARED_STREAM_USER, print(request.document), request.operationName ?? null, request.variables ?? {}]),
    identity: perUser ? { userId, tenantId, roles } : { userId: SHARED_STREAM_USER, tenantId, roles },
    replaysLatest: STATE_SUBSCRIPTIONS.has(field),
  };
}

/**
 * Subscriptions through the hub: the first subscriber of a key opens the upstream, as the shared
 * identity and with a request id of its own (its logs and entity fetches outlive any one
 * subscriber); the others join it.
 */
export function createSharedSubscriber(options: { hub: SubscriptionHub; open: (request: SubscriptionRequest) => AsyncGenerator<ExecutionResult>; logger: Logger }) {
  return function subscribe(request: SubscriptionRequest): AsyncGenerator<ExecutionResult> {
    const { key, identity, replaysLatest } = sharing(request);
    return options.hub.subscribe(
      key,
      () => {
        const requestId = randomUUID();
        const log = options.logger.child({ requestId, userId: identity.userId, tenantId: identity.tenantId });
        return options.open({ ...request, context: { identity, requestId, log } });
      },
      { replaysLatest },
    );
  };
}
