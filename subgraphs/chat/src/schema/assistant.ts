import { AppError } from '@judgify/runtime/errors';
import { liveReads } from '@judgify/runtime/live-reads';
import { builder } from '../builder.ts';
import type { Attachment, ChatMessageRow, RoutedCall } from '../db/schema.ts';
import { chatIntents } from '../db/schema.ts';
import { produceReply, storeMessage, streamChannel, type StreamNotice } from '../domain/assistant/assistant.ts';
import { findChatMessages } from '../domain/chat-message.ts';
import { findChatSessions } from '../domain/chat-session.ts';
import { ChatMessage } from './chat-message.ts';
import { Feedback, JudgmentExecution, Workflow } from './references.ts';

export const ChatIntent = builder.enumType('ChatIntent', {
  description: 'What a chat message asked, as the assistant understood it.',
  values: {
    WORKFLOW_INFO: { description: 'About a workflow: its rules, inputs, decisions, how it fares.' },
    RUN_JUDGMENT: { description: 'Judge these input values with a workflow.' },
    EXPLAIN_DECISION: { description: 'Why a judgment decided what it did.' },
    BUILD_VIEW: { description: 'A chart or metric (a BI view).' },
    GIVE_FEEDBACK: { description: 'A judgment was right or wrong.' },
    HELP: { description: 'Help or smalltalk.' },
  } as const satisfies Record<(typeof chatIntents)[number], unknown>,
});

export const MessageStatus = builder.enumType('ChatMessageStatus', {
  values: {
    PENDING: { description: 'An answer being produced: follow chatMessageStream.' },
    COMPLETE: { description: 'Finished.' },
    FAILED: { description: 'The answer could not be produced; its content says so.' },
  } as const,
});

const RoutedCallType = builder.objectRef<RoutedCall>('ChatRoutedCall').implement({
  description: 'A call the assistant made through the gateway as you.',
  fields: (t) => ({
    operation: t.exposeString('operation'),
    service: t.exposeString('service', { description: 'The subgraph the operation mainly went to.' }),
    entityIds: t.exposeStringList('entityIds', { description: 'The entities it read, made or changed.' }),
    error: t.exposeString('error', { nullable: true, description: 'The error code when the call was refused or failed, e.g. FORBIDDEN.' }),
  }),
});

const AttachmentKind = builder.enumType('ChatAttachmentKind', { values: ['JUDGMENT_EXECUTION', 'FEEDBACK', 'WORKFLOW', 'VIEW'] as const });

const AttachmentType = builder.objectRef<Attachment>('ChatAttachment').implement({
  description: 'A real result an answer carries; entities are federated like any other field.',
  fields: (t) => ({
    kind: t.expose('kind', { type: AttachmentKind }),
    execution: t.field({ type: JudgmentExecution, nullable: true, resolve: (attachment) => (attachment.kind === 'JUDGMENT_EXECUTION' ? { id: attachment.id } : null) }),
    feedback: t.field({ type: Feedback, nullable: true, resolve: (attachment) => (attachment.kind === 'FEEDBACK' ? { id: attachment.id } : null) }),
    workflow: t.field({ type: Workflow, nullable: true, resolve: (attachment) => (attachment.kind === 'WORKFLOW' ? { id: attachment.id } : null) }),
    view: t.field({ type: 'JSON', nullable: true, description: 'A BI view as generateView returned it: title, interpretation, query, variables, dataPath, chart, data.', resolve: (attachment) => (attachment.kind === 'VIEW' ? attachment.view : null) }),
  }),
});

builder.objectFields(ChatMessage, (t) => ({
  status: t.expose('status', { type: MessageStatus }),
  intent: t.expose('intent', { type: ChatIntent, nullable: true, description: 'For an assistant message: what it understood the question as.' }),
  routedCalls: t.field({ type: [RoutedCallType], description: 'The calls made for this answer, through the gateway as you.', resolve: (message) => message.routedCalls }),
  attachments: t.field({ type: [AttachmentType], resolve: (message) => message.attachments }),
}));

const SendChatMessagePayload = builder.objectRef<{ message: ChatMessageRow; reply: ChatMessageRow }>('SendChatMessagePayload').implement({
  fields: (t) => ({
    message: t.field({ type: ChatMessage, description: 'Your message, stored.', resolve: (payload) => payload.message }),
    replyId: t.id({ description: 'The assistant message that will answer it: streamed on chatMessageStream, then readable with the session’s messages.', resolve: (payload) => payload.reply.id }),
  }),
});

builder.mutationFields((t) => ({
  sendChatMessage: t.field({
    type: SendChatMessagePayload,
    authScopes: { viewer: true },
    description: 'Sends a message to the assistant in one of your sessions and returns at once; the answer follows on chatMessageStream. What it runs or reads, it does through the gateway as you, with your roles.',
    args: { sessionId: t.arg.id({ required: true }), text: t.arg.string({ required: true, description: '1–4000 characters after trimming.' }) },
    resolve: async (_root, args, context) => {
      const sent = await storeMessage(context.deps, context.identity, { sessionId: String(args.sessionId), text: args.text });
      // Answered after this request returns, with its grant: the reply acts as this user, for this request.
      const on = { delegation: context.delegation, requestId: context.requestId };
      setImmediate(() =>
        produceReply(context.deps, on, context.identity, sent).catch((error: unknown) =>
          // The reply stays PENDING until the sweep marks it FAILED: the question is kept, the client is told.
          context.deps.logger.error({ err: error, messageId: sent.reply.id }, 'chat reply could not be stored'),
        ),
      );
      return sent;
    },
  }),
}));

interface StreamEvent {
  sessionId: string;
  messageId: string;
  chunk: string | null;
  done: boolean;
  message: ChatMessageRow | null;
}

const ChatStreamEvent = builder.objectRef<StreamEvent>('ChatStreamEvent').implement({
  description: 'A piece of an answer as it is written, or (done) the finished message.',
  fields: (t) => ({
    sessionId: t.exposeID('sessionId'),
    messageId: t.exposeID('messageId'),
    chunk: t.exposeString('chunk', { nullable: true, description: 'The next piece of text; null on the final event.' }),
    done: t.exposeBoolean('done'),
    message: t.field({ type: ChatMessage, nullable: true, description: 'On the final event: the stored message with its attachments.', resolve: (event) => event.message }),
  }),
});

builder.subscriptionField('chatMessageStream', (t) =>
  t.field({
    type: ChatStreamEvent,
    authScopes: { viewer: true },
    description: "Answers in one of your sessions as they are written: chunks of text, then the final message. Only you receive your session's stream.",
    args: { sessionId: t.arg.id({ required: true }) },
    subscribe: async (_root, { sessionId }, context) => {
      const [session] = await findChatSessions(context.deps, context.identity, [String(sessionId)]);
      if (!session) throw new AppError('NOT_FOUND', `You have no chat session with id "${String(sessionId)}".`, { field: 'sessionId' });
      const notices = context.deps.live.subscribe<StreamNotice>(streamChannel(session.id), context.identity.tenantId);
      return liveReads(notices, {
        keyOf: (notice) => notice,
        readMany: async (batch) => {
          const finished = batch.filter((notice) => notice.done).map((notice) => notice.messageId);
          const rows = finished.length ? await findChatMessages(context.deps, context.identity, finished) : [];
          const byId = new Map(rows.filter((row): row is ChatMessageRow => row !== null).map((row) => [row.id, row]));
          return batch.map((notice) => ({ sessionId: session.id, messageId: notice.messageId, chunk: notice.chunk ?? null, done: Boolean(notice.done), message: byId.get(notice.messageId) ?? null }));
        },
      });
    },
    resolve: (event: StreamEvent) => event,
  }),
);
