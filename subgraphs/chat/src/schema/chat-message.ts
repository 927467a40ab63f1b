import { builder } from '../builder.ts';
import type { ChatMessageRow } from '../db/schema.ts';
import { chatMessageCursor, postChatMessage, sessionOfMessage } from '../domain/chat-message.ts';
import { ChatRole } from './chat-role.ts';
import { ChatSession } from './chat-session.ts';

export const ChatMessage = builder.objectRef<ChatMessageRow>('ChatMessage').implement({
  description: 'One message of a chat session.',
  // Entities are also reached through `_entities`, which no root field guards.
  authScopes: { viewer: true },
  fields: (t) => ({
    id: t.exposeID('id'),
    session: t.field({
      type: ChatSession,
      resolve: (message, _args, context) => sessionOfMessage(message, (id) => context.loaders.chatSession.load(id)),
    }),
    role: t.expose('role', { type: ChatRole }),
    content: t.exposeString('content'),
    createdAt: t.expose('createdAt', { type: 'DateTime' }),
    cursor: t.string({
      description: "Pass as `after` to its session's `messages` to continue after this message.",
      resolve: chatMessageCursor,
    }),
  }),
});

builder.asEntity(ChatMessage, {
  key: builder.selection<{ id: string }>('id'),
  // Representations are input too: one without an id resolves to nothing rather than failing.
  resolveReference: (reference, context) => context.loaders.chatMessage.load(String(reference.id ?? '')),
});

// Declared here rather than in chat-session.ts so the two type files do not import each other.
builder.objectField(ChatSession, 'messages', (t) =>
  t.field({
    type: [ChatMessage],
    description: 'Messages of this session, oldest first.',
    args: {
      first: t.arg.int({ defaultValue: 50, description: 'Page size, 1–100.' }),
      after: t.arg.string({ description: 'The `cursor` of the last message of the previous page.' }),
    },
    resolve: (session, { first, after }, context) => context.loaders.messagePage.load({ sessionId: session.id, first, after }),
  }),
);

const PostChatMessageInput = builder.inputType('PostChatMessageInput', {
  fields: (t) => ({
    sessionId: t.id({ required: true, description: 'A session you started.' }),
    content: t.string({ required: true, description: '1–4000 characters after trimming.' }),
  }),
});

builder.mutationFields((t) => ({
  postChatMessage: t.field({
    type: ChatMessage,
    authScopes: { operator: true },
    description: "Adds your message to one of your sessions and moves the session to the top of `chatSessions`.",
    args: { input: t.arg({ type: PostChatMessageInput, required: true }) },
    resolve: (_root, { input }, context) => postChatMessage(context.deps, context.identity, { ...input, sessionId: String(input.sessionId) }),
  }),
}));
