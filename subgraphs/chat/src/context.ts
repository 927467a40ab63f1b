import type { Identity } from '@judgify/runtime/identity';
import type { RequestContext } from '@judgify/runtime/subgraph-yoga';
import DataLoader from 'dataloader';
import type { ChatMessageRow, ChatSessionRow } from './db/schema.ts';
import { findChatMessages, findMessagePages, messagePageCacheKey, type MessagePageKey } from './domain/chat-message.ts';
import type { AssistantDeps } from './domain/assistant/assistant.ts';
import { findChatSessions } from './domain/chat-session.ts';

export type Deps = AssistantDeps;

export interface Context extends RequestContext {
  deps: Deps;
  loaders: ReturnType<typeof createLoaders>;
}

/** Per request, so batching and caching never leak between users or tenants. */
export function createLoaders(deps: Deps, identity: Identity) {
  return {
    chatSession: new DataLoader<string, ChatSessionRow | null>((ids) => findChatSessions(deps, identity, ids)),
    chatMessage: new DataLoader<string, ChatMessageRow | null>((ids) => findChatMessages(deps, identity, ids)),
    messagePage: new DataLoader<MessagePageKey, ChatMessageRow[], string>((keys) => findMessagePages(deps, identity.tenantId, keys), {
      cacheKeyFn: messagePageCacheKey,
    }),
  };
}
