import { createServer, type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { ChatCompletion, ChatCompletionCreateParamsNonStreaming } from 'openai/resources/chat/completions';

export interface ScriptedResponse {
  /** HTTP status; default 200. Non-2xx statuses answer with an OpenAI-style error body. */
  status?: number;
  /** The assistant message content (status 200) or the error message (otherwise). */
  content?: string;
  /** Wait this long before answering, to provoke client timeouts. */
  delayMs?: number;
  /** e.g. `retry-after-ms`, which the SDK honours instead of its half-second backoff. */
  headers?: Record<string, string>;
  /** For a streaming request (`stream: true`): the content in these pieces, as server-sent events, `chunkDelayMs` apart. */
  chunks?: string[];
  chunkDelayMs?: number;
}

export type ScriptedHandler = (body: ChatCompletionCreateParamsNonStreaming) => ScriptedResponse;

export interface OpenAiTestServer {
  /** Ends with `/v1`, as the SDK's `baseURL` expects. */
  baseUrl: string;
  /** Every request body received, in order, including ones answered with an error. */
  requests: ChatCompletionCreateParamsNonStreaming[];
  /** How many times the model list (`GET /v1/models`, what `LlmClient.ping` asks) was asked for. */
  readonly modelListings: number;
  respondWith(handler: ScriptedHandler): void;
  close(): Promise<void>;
}

export const defaultJudgeAnswer = { decision: 'true', confidence: 0.9, explanation: 'The input meets the criteria.' };

async function readJson(req: IncomingMessage): Promise<unknown> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return JSON.parse(Buffer.concat(chunks).toString('utf8'));
}

function completion(model: string, content: string, sequence: number): ChatCompletion {
  return {
    id: `chatcmpl-test-${sequence}`,
    object: 'chat.completion',
    created: Math.floor(Date.now() / 1000),
    model,
    choices: [{ index: 0, message: { role: 'assistant', content, refusal: null }, finish_reason: 'stop', logprobs: null }],
    usage: { prompt_tokens: 1, completion_tokens: 1, total_tokens: 2 },
  };
}

/** A streamed completion as the API sends it: one `chat.completion.chunk` event per piece, then `[DONE]`. */
async function streamCompletion(res: import('node:http').ServerResponse, model: string, pieces: string[], delayMs: number, sequence: number): Promise<void> {
  res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache', connection: 'keep-alive' });
  const event = (delta: Record<string, unknown>, finish: string | null) =>
    `data: ${JSON.stringify({ id: `chatcmpl-test-${sequence}`, object: 'chat.completion.chunk', created: Math.floor(Date.now() / 1000), model, choices: [{ index: 0, delta, finish_reason: finish, logprobs: null }] })}\n\n`;
  res.write(event({ role: 'assistant', content: '' }, null));
  for (const piece of pieces) {
    if (res.destroyed) return;
    await new Promise((resolve) => setTimeout(resolve, delayMs));
    res.write(event({ content: piece }, null));
  }
  res.write(event({}, 'stop'));
  res.end('data: [DONE]\n\n');
}

/**
 * A real HTTP server speaking the Chat Completions wire format on 127.0.0.1, so tests drive the
 * real `openai` SDK (retries, timeouts, parsing) without reaching the internet.
 */
export async function startOpenAiTestServer(): Promise<OpenAiTestServer> {
  const requests: ChatCompletionCreateParamsNonStreaming[] = [];
  let handler: ScriptedHandler = () => ({ content: JSON.stringify(defaultJudgeAnswer) });
  const pending = new Set<NodeJS.Timeout>();
  let modelListings = 0;

  const server = createServer((req, res) => {
    if (req.method === 'GET' && req.url === '/v1/models') {
      modelListings += 1;
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ object: 'list', data: [{ id: 'test-model', object: 'model', created: 0, owned_by: 'judgify-tests' }] }));
      return;
    }
    if (req.method !== 'POST' || req.url !== '/v1/chat/completions') {
      res.writeHead(404, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ error: { message: `No route for ${req.method} ${req.url}`, type: 'invalid_request_error' } }));
      return;
    }
    readJson(req).then(
      (body) => {
        const request = body as ChatCompletionCreateParamsNonStreaming;
        requests.push(request);
        const { status = 200, content, delayMs = 0, headers = {}, chunks, chunkDelayMs = 5 } = handler(request);
        if (status === 200 && (request as { stream?: boolean }).stream) {
          const timer = setTimeout(() => {
            pending.delete(timer);
            void streamCompletion(res, request.model, chunks ?? [content ?? ''], chunkDelayMs, requests.length);
          }, delayMs);
          pending.add(timer);
          return;
        }
        const payload =
          status === 200
            ? completion(request.model, content ?? JSON.stringify(defaultJudgeAnswer), requests.length)
            : { error: { message: content ?? `Scripted failure with HTTP ${status}`, type: 'server_error', code: null } };
        const timer = setTimeout(() => {
          pending.delete(timer);
          if (res.destroyed) return;
          res.writeHead(status, { 'content-type': 'application/json', ...headers });
          res.end(JSON.stringify(payload));
        }, delayMs);
        pending.add(timer);
      },
      () => {
        res.writeHead(400, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ error: { message: 'Request body is not JSON', type: 'invalid_request_error' } }));
      },
    );
  });

  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;

  return {
    baseUrl: `http://127.0.0.1:${port}/v1`,
    requests,
    get modelListings() {
      return modelListings;
    },
    respondWith(next) {
      handler = next;
    },
    close() {
      for (const timer of pending) clearTimeout(timer);
      pending.clear();
      return new Promise<void>((resolve, reject) => {
        server.close((error) => (error ? reject(error) : resolve()));
        // Keep-alive sockets from the SDK would otherwise hold close() open.
        server.closeAllConnections();
      });
    },
  };
}
