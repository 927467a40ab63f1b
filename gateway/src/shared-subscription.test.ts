import { boundedStream } from '@judgify/runtime/bounded-stream';
import { silentLogger } from '@judgify/runtime/testing';
import { parse, type ExecutionResult } from 'graphql';
import { describe, expect, it } from 'vitest';
import type { SubscriptionRequest } from './federated-subscriptions.ts';
import { createSharedSubscriber, SHARED_STREAM_USER, sharing } from './shared-subscription.ts';
import { SubscriptionHub } from './subscription-hub.ts';

type Role = 'viewer' | 'operator' | 'admin';
const request = (overrides: { userId?: string; tenantId?: string; roles?: Role[]; query?: string; variables?: Record<string, unknown> } = {}): SubscriptionRequest => ({
  document: parse(overrides.query ?? 'subscription($w: ID) { judgmentCompleted(workflowId: $w) { id } }'),
  variables: overrides.variables ?? { w: 'w-1' },
  context: { identity: { userId: overrides.userId ?? 'ada', tenantId: overrides.tenantId ?? 'acme', roles: overrides.roles ?? ['viewer'] }, requestId: `request-of-${overrides.userId ?? 'ada'}` },
});

describe('sharing', () => {
  it('gives users of one tenant with the same roles, operation and variables one key, however the query is spaced', () => {
    const ada = sharing(request({ userId: 'ada', roles: ['viewer', 'operator'] }));
    const bob = sharing(request({ userId: 'bob', roles: ['operator', 'viewer', 'viewer'], query: 'subscription ($w: ID) {\n  judgmentCompleted(workflowId: $w) { id }\n}' }));
    expect(bob.key).toBe(ada.key);
  });

  it('keeps tenants, roles, variables and operations apart', () => {
    const base = sharing(request()).key;
    for (const other of [
      request({ tenantId: 'globex' }),
      request({ roles: ['admin'] }),
      request({ variables: { w: 'w-2' } }),
      request({ query: 'subscription($w: ID) { judgmentCompleted(workflowId: $w) { id decision } }' }),
    ]) {
      expect(sharing(other).key).not.toBe(base);
    }
  });

  it("never shares a per-user stream (a chat session's answers) between users, and acts as the user", () => {
    const chat = (userId: string) => sharing(request({ userId, query: 'subscription($s: ID!) { chatMessageStream(sessionId: $s) { chunk } }', variables: { s: 'session-1' } }));
    expect(chat('ada').key).not.toBe(chat('bob').key);
    expect(chat('ada').key).toBe(chat('ada').key);
    expect(chat('ada').identity).toEqual({ userId: 'ada', tenantId: 'acme', roles: ['viewer'] });
    const throughFragment = sharing(request({ userId: 'ada', query: 'subscription($s: ID!) { ...Mine } fragment Mine on Subscription { chatMessageStream(sessionId: $s) { chunk } }', variables: { s: 'session-1' } }));
    expect(throughFragment.identity.userId).toBe('ada');
    const inline = sharing(request({ userId: 'bob', query: 'subscription($s: ID!) { ... on Subscription { chatMessageStream(sessionId: $s) { chunk } } }', variables: { s: 'session-1' } }));
    expect(inline.identity.userId).toBe('bob');
    expect(sharing(request()).identity.userId).toBe(SHARED_STREAM_USER);
  });
});

describe('createSharedSubscriber', () => {
  it('opens one upstream for two users, acting as the tenant with their roles under a request id of its own, and gives both every event', async () => {
    const opened: SubscriptionRequest[] = [];
    const upstream = boundedStream<ExecutionResult>({ limit: 10, overflow: () => new Error('too slow'), detach: () => undefined });
    const subscribe = createSharedSubscriber({
      hub: new SubscriptionHub(),
      logger: silentLogger,
      open: (upstreamRequest) => {
        opened.push(upstreamRequest);
        return upstream.stream;
      },
    });
    const ada = subscribe(request({ userId: 'ada', roles: ['operator', 'viewer'] }));
    const bob = subscribe(request({ userId: 'bob', roles: ['viewer', 'operator'] }));
    const next = [ada.next(), bob.next()];
    await new Promise((resolve) => setTimeout(resolve, 5));
    upstream.push({ data: { judgmentCompleted: { id: 'e-1' } } });
    expect((await Promise.all(next)).map((result) => result.value)).toEqual([
      { data: { judgmentCompleted: { id: 'e-1' } } },
      { data: { judgmentCompleted: { id: 'e-1' } } },
    ]);
    expect(opened).toHaveLength(1);
    expect(opened[0]!.context.identity).toEqual({ userId: SHARED_STREAM_USER, tenantId: 'acme', roles: ['operator', 'viewer'] });
    expect(opened[0]!.context.requestId).not.toMatch(/^request-of-/);
    await Promise.all([ada.return(undefined), bob.return(undefined)]);
  });
});
