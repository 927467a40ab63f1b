import { builder } from '../builder.ts';
import type { ChatSessionRow } from '../db/schema.ts';
import { chatSessionCursor, createChatSession, listChatSessions } from '../domain/chat-session.ts';

export const ChatSession = builder.objectRef<ChatSessionRow>('ChatSession').implement({
  description: 'A conversation with Judgify, visible only to the user who started it.',
  // Entities are also reached through `_entities`, which no root field guards.
  authScopes: { viewer: true },
  fields: (t) => ({
    id: t.exposeID('id'),
    title: t.exposeString('title'),
    createdAt: t.expose('createdAt', { type: 'DateTime' }),
    updatedAt: t.expose('updatedAt', { type: 'DateTime', description: 'When the last message was posted, or the session started.' }),
    cursor: t.string({
      description: 'Pass as `after` to `chatSessions` to continue after this session.',
      resolve: chatSessionCursor,
    }),
  }),
});

builder.asEntity(ChatSession, {
  key: builder.selection<{ id: string }>('id'),
  // Representations are input too: one without an id resolves to nothing rather than failing.
  resolveReference: (reference, context) => context.loaders.chatSession.load(String(reference.id ?? '')),
});

const CreateChatSessionInput = builder.inputType('CreateChatSessionInput', {
  fields: (t) => ({
    title: t.string({ description: '1–120 characters; "New chat" when omitted.' }),
  }),
});

builder.queryFields((t) => ({
  chatSession: t.field({
    type: ChatSession,
    nullable: true,
    authScopes: { viewer: true },
    description: 'One of your chat sessions, or null if you have none with this id.',
    args: { id: t.arg.id({ required: true }) },
    resolve: (_root, { id }, context) => context.loaders.chatSession.load(String(id)),
  }),
  chatSessions: t.field({
    type: [ChatSession],
    authScopes: { viewer: true },
    description: 'Your chat sessions, most recently active first. Posting a message moves its session to the top.',
    args: {
      first: t.arg.int({ defaultValue: 20, description: 'Page size, 1–100.' }),
      after: t.arg.string({ description: 'The `cursor` of the last session of the previous page.' }),
    },
    resolve: (_root, args, context) => listChatSessions(context.deps, context.identity, args),
  }),
}));

builder.mutationFields((t) => ({
  createChatSession: t.field({
    type: ChatSession,
    // Viewers talk to the assistant too: what it runs for them is bound by their roles, not by the session.
    authScopes: { viewer: true },
    args: { input: t.arg({ type: CreateChatSessionInput, required: true }) },
    resolve: (_root, { input }, context) => createChatSession(context.deps, context.identity, input),
  }),
}));
