import { identities } from '@judgify/runtime/testing';
import { createClient, type Client } from 'graphql-ws';
import WebSocket from 'ws';
import { createExampleWorkflow, graphql, signToken } from '../e2e/client.ts';
import { evaluateMessages } from '../subgraphs/chat/src/domain/assistant/evaluate.ts';
import { LatencyHistogram } from './latency-histogram.ts';
import { scoreSet } from './load.ts';
import { startBenchPlatform } from './platform.ts';

const STREAM = `subscription($s: ID!) { chatMessageStream(sessionId: $s) { messageId done } }`;
const SEND = `mutation($s: ID!, $t: String!) { sendChatMessage(sessionId: $s, text: $t) { replyId } }`;
const JUDGE = `mutation($input: ExecuteJudgmentInput!) { executeJudgment(input: $input) { id decision } }`;

/**
 * `conversations` operators, each in a session of their own with its stream open, asking one
 * question after another (run a judgment, explain it, help) for `seconds`, no LLM. Time to the
 * first chunk and to the final message run from sending the message. Beside it, in the same run,
 * the same judgments sent straight to executeJudgment: what the assistant adds to the call it routes.
 */
export async function benchChat(options: { conversations: number; seconds: number }): Promise<string> {
  const { platform, shape } = await startBenchPlatform();
  const clients: Client[] = [];
  try {
    const url = platform.gateway.url;
    const admin = await signToken(identities.acmeAdmin, platform.jwtSecret, '1h');
    const name = `Bench line ${Math.floor(Math.random() * 900) + 100}`;
    const workflowId = await createExampleWorkflow(url, admin, name);
    const firstChunk = new LatencyHistogram();
    const final = new LatencyHistogram();
    const direct = new LatencyHistogram();
    const questions = [`${name} 온도 91 진동 61이면 어떻게 돼?`, 'why was the last judgment STOP_LINE?', `run ${name} with temperature 40 and vibration 10`, '도움말'];
    let answered = 0;
    let failed = 0;
    const conversations = await Promise.all(
      Array.from({ length: options.conversations }, async (_, index) => {
        const token = await signToken({ userId: `operator-${index}`, tenantId: 'acme', roles: ['operator'] }, platform.jwtSecret, '1h');
        const created = await graphql(url, `mutation { createChatSession(input: { title: "Bench" }) { id } }`, { token });
        const sessionId = created.body.data!.createChatSession.id as string;
        const waiting = new Map<string, { sent: number; chunked: boolean; resolve: () => void }>();
        const early = new Map<string, Array<{ done: boolean; at: number }>>();
        const client = createClient({ url: `${url.replace(/^http/, 'ws')}/graphql`, webSocketImpl: WebSocket, connectionParams: { authorization: `Bearer ${token}` }, retryAttempts: 0, lazy: false });
        clients.push(client);
        const handle = (messageId: string, done: boolean, at: number) => {
          const wait = waiting.get(messageId);
          if (!wait) return void early.set(messageId, [...(early.get(messageId) ?? []), { done, at }]);
          if (!wait.chunked) {
            wait.chunked = true;
            firstChunk.record(at - wait.sent);
          }
          if (done) {
            final.record(at - wait.sent);
            waiting.delete(messageId);
            wait.resolve();
          }
        };
        client.subscribe<{ chatMessageStream: { messageId: string; done: boolean } }>(
          { query: STREAM, variables: { s: sessionId } },
          { next: (message) => handle(message.data!.chatMessageStream.messageId, message.data!.chatMessageStream.done, performance.now()), error: () => {}, complete: () => {} },
        );
        return { token, sessionId, waiting, early, handle };
      }),
    );
    await new Promise((resolve) => setTimeout(resolve, 1000));
    const deadline = performance.now() + options.seconds * 1000;
    await Promise.all(
      conversations.map(async (conversation, index) => {
        for (let turn = index; performance.now() < deadline; turn++) {
          const sent = performance.now();
          const result = await graphql(url, SEND, { token: conversation.token, variables: { s: conversation.sessionId, t: questions[turn % questions.length] } });
          const replyId = result.body.data?.sendChatMessage?.replyId as string | undefined;
          if (!replyId) {
            failed++;
            continue;
          }
          await new Promise<void>((resolve) => {
            conversation.waiting.set(replyId, { sent, chunked: false, resolve });
            for (const event of conversation.early.get(replyId) ?? []) conversation.handle(replyId, event.done, event.at);
            conversation.early.delete(replyId);
            setTimeout(resolve, 10_000).unref();
          });
          answered++;
          // The reference: the call a judgment question routes, sent straight to the gateway.
          if (turn % questions.length === 0) {
            const started = performance.now();
            await graphql(url, JUDGE, { token: conversation.token, variables: { input: { workflowId, inputData: { temperature: 91, vibration: 61 } } } });
            direct.record(performance.now() - started);
          }
        }
      }),
    );
    const line = (label: string, histogram: LatencyHistogram) => `${label.padEnd(34)} p50 ${histogram.percentile(50).toFixed(0).padStart(5)} ms   p99 ${histogram.percentile(99).toFixed(0).padStart(5)} ms   (${histogram.count})`;
    return [
      `${shape}; ${options.conversations} conversations for ${options.seconds} s, no LLM; ${answered} answers (${(answered / options.seconds).toFixed(0)}/s), ${failed} sends refused`,
      line('message → first chunk', firstChunk),
      line('message → final message', final),
      line('executeJudgment sent directly (ref)', direct),
      `final ÷ direct executeJudgment p50: ${(final.percentile(50) / direct.percentile(50)).toFixed(1)} (an answer also lists the workflows and writes the reply)`,
    ].join('\n');
  } finally {
    await Promise.all(clients.map((client) => client.dispose()));
    await platform.stop();
  }
}

/** The embedded classifier on its own message set, repeated: per-message latency, and how many it reads right (intent and entities). */
export const benchChatClassifier = (rounds = 50): string => scoreSet('messages', rounds, () => evaluateMessages());
