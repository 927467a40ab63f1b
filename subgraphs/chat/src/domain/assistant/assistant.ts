import type { Identity } from '@judgify/runtime/identity';
import type { LlmClient } from '@judgify/runtime/llm';
import type { Logger } from '@judgify/runtime/logger';
import type { Cache } from '@judgify/runtime/cache';
import type { Counter, Histogram } from '@judgify/runtime/metrics';
import type { LiveUpdates } from '@judgify/runtime/pubsub';
import type { DelegatedRequest, SupergraphClient } from '@judgify/runtime/supergraph-client';
import { validateInput } from '@judgify/runtime/validation';
import { and, eq, lt } from 'drizzle-orm';
import { z } from 'zod';
import { chatMessages, chatSessions, type ChatMessageRow, type SessionContext } from '../../db/schema.ts';
import { touchSession } from '../chat-message.ts';
import type { ChatDeps } from '../chat-session.ts';
import { composedChunks } from './chunks.ts';
import { llmReplyStream, llmUnderstanding } from './llm.ts';
import { route, Router, type Answer } from './route.ts';
import { understand, type Understanding } from './understand.ts';
import { knownWorkflow, type KnownWorkflow } from './workflow-fields.ts';

export interface AssistantDeps extends ChatDeps {
  supergraph: SupergraphClient;
  /** Each user's workflows for a few seconds: a conversation's messages need not each list them again. */
  workflowLists: Cache;
  live: LiveUpdates;
  llm?: LlmClient;
  logger: Logger;
  metrics: { messages: Counter<'intent' | 'service_routed'>; firstChunk: Histogram<'source'>; answered: Histogram<'source'> };
}

/** The live channel of one session's answers, streamed in chunks; its topic is the tenant. */
export const streamChannel = (sessionId: string) => `chat.stream.${sessionId}`;

export interface StreamNotice {
  messageId: string;
  chunk?: string;
  done?: boolean;
}

const sendInput = z.object({
  sessionId: z.string(),
  text: z.string().trim().min(1, 'text must not be empty').max(4000, 'text must be at most 4000 characters'),
});

export interface SentMessage {
  message: ChatMessageRow;
  reply: ChatMessageRow;
  context: SessionContext;
}

/**
 * Stores the user's message and the assistant's reply-to-be (PENDING) in one transaction, in a
 * session the user owns; the session row is locked first, so a session's messages keep their order.
 */
export async function storeMessage(deps: ChatDeps, actor: Identity, input: { sessionId: string; text: string }): Promise<SentMessage> {
  const valid = validateInput(sendInput, input);
  return deps.db.transaction(async (tx) => {
    const { stamps, context } = await touchSession(tx, actor, valid.sessionId, 2);
    const owned = { tenantId: actor.tenantId, sessionId: valid.sessionId, createdBy: actor.userId, updatedBy: actor.userId };
    const [message, reply] = await tx
      .insert(chatMessages)
      .values([
        { ...owned, role: 'USER' as const, content: valid.text, createdAt: stamps[0]!, updatedAt: stamps[0]! },
        { ...owned, role: 'ASSISTANT' as const, content: '', status: 'PENDING' as const, createdAt: stamps[1]!, updatedAt: stamps[1]! },
      ])
      .returning();
    return { message: message!, reply: reply!, context };
  });
}

const WORKFLOW_LIST_TTL_SECONDS = 5;

/** The user's workflows, listed through the gateway as the user; from the last few seconds' list unless `fresh`. */
async function workflowsOf(deps: AssistantDeps, router: Router, actor: Identity, fresh = false): Promise<KnownWorkflow[]> {
  const key = JSON.stringify([actor.tenantId, actor.userId, [...actor.roles].sort()]);
  const cached = fresh ? undefined : await deps.workflowLists.get<KnownWorkflow[]>(key);
  if (cached) return cached;
  const listed = await router.call<{ workflows: Array<{ id: string; name: string; definition: unknown }> }>('ChatWorkflows', {}, () => []);
  if (!listed.data) return [];
  const workflows = listed.data.workflows.map(knownWorkflow);
  await deps.workflowLists.set(key, workflows, WORKFLOW_LIST_TTL_SECONDS);
  return workflows;
}

/**
 * Produces the reply to a stored message, after `sendChatMessage` has returned: understands it
 * (the LLM when configured, else or on failure the embedded classifier), routes it through the
 * gateway as the user, streams the answer on the session's live channel and stores the final
 * message with its routed calls and attachments. A failure to understand or route is the reply;
 * only failing to store the reply rejects.
 */
export async function produceReply(deps: AssistantDeps, on: DelegatedRequest, actor: Identity, sent: SentMessage): Promise<void> {
  const started = performance.now();
  const { sessionId } = sent.message;
  const publish = (notice: StreamNotice) => deps.live.publish(streamChannel(sessionId), actor.tenantId, notice);
  const router = new Router(deps.supergraph, on);
  let understanding: Understanding | undefined;
  let answer: Answer;
  let workflows: KnownWorkflow[] = [];
  let source = 'embedded';
  try {
    workflows = await workflowsOf(deps, router, actor);
    let understood = understand(sent.message.content, { workflows, context: sent.context });
    if (understood.unknownWorkflow) {
      // Named but not in the list of a few seconds ago: perhaps made since.
      workflows = await workflowsOf(deps, router, actor, true);
      understood = understand(sent.message.content, { workflows, context: sent.context });
    }
    if (deps.llm && !understood.impersonation) {
      try {
        understood = await llmUnderstanding(deps.llm, sent.message.content, { workflows, context: sent.context, embedded: understood });
        source = 'llm';
      } catch (error) {
        deps.logger.warn({ err: error }, 'LLM could not classify the chat message; the embedded classifier answers');
      }
    }
    understanding = understood;
    answer = await route(router, actor, understood, workflows, sent.context, sent.message.content);
  } catch (error) {
    deps.logger.error({ err: error, messageId: sent.reply.id }, 'chat reply failed');
    answer = { text: 'Sorry, something went wrong while answering; nothing more was done. Please try again.', calls: router.calls, attachments: [], context: sent.context };
  }

  let text = '';
  let first = true;
  const chunks = deps.llm && source === 'llm' ? llmReplyStream(deps.llm, sent.message.content, answer, deps.logger) : composedChunks(answer.text);
  for await (const chunk of chunks) {
    if (first) deps.metrics.firstChunk.observe({ source }, (performance.now() - started) / 1000);
    first = false;
    text += chunk;
    publish({ messageId: sent.reply.id, chunk });
  }
  const intent = understanding?.intent ?? 'HELP';
  await deps.db.transaction(async (tx) => {
    await tx
      .update(chatMessages)
      .set({ content: text || answer.text, status: understanding ? 'COMPLETE' : 'FAILED', intent, routedCalls: answer.calls, attachments: answer.attachments, updatedAt: new Date() })
      .where(eq(chatMessages.id, sent.reply.id));
    await tx.update(chatSessions).set({ context: answer.context }).where(eq(chatSessions.id, sessionId));
  });
  const routed = [...new Set(answer.calls.filter((call) => call.operation !== 'ChatWorkflows').map((call) => call.service))];
  for (const service of routed.length ? routed : ['none']) deps.metrics.messages.inc({ intent, service_routed: service });
  deps.metrics.answered.observe({ source }, (performance.now() - started) / 1000);
  publish({ messageId: sent.reply.id, done: true });
}

/** How long a reply may stay PENDING: longer means the process answering it is gone. */
export const STALE_REPLY_MS = 2 * 60_000;

/**
 * Replies left PENDING by a process that stopped mid-answer are marked FAILED, saying so, so a
 * client reading the session never waits for an answer no one is writing. Returns how many.
 */
export async function failStaleReplies(deps: ChatDeps, now: Date): Promise<number> {
  const failed = await deps.db
    .update(chatMessages)
    .set({ status: 'FAILED', content: 'This answer was interrupted before it was finished. Please ask again.', updatedAt: now })
    .where(and(eq(chatMessages.status, 'PENDING'), lt(chatMessages.createdAt, new Date(now.getTime() - STALE_REPLY_MS))))
    .returning({ id: chatMessages.id });
  return failed.length;
}
