import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createLlmClient, LlmUnavailableError, type LlmClient, type LlmJudgeRequest, type LlmOptions } from './llm.ts';
import { silentLogger } from './testing/index.ts';
import { startOpenAiTestServer, type OpenAiTestServer } from './testing/openai-server.ts';

let server: OpenAiTestServer;
beforeEach(async () => {
  server = await startOpenAiTestServer();
});
afterEach(async () => {
  await server.close();
});

const request: LlmJudgeRequest = {
  criteria: 'Stop the line when the machine runs hot and shakes.',
  input: { temperature: 91, vibration: 64, line: '라인 3' },
  outcomes: ['STOP_LINE', 'OK'],
  examples: [
    { input: { temperature: 95, vibration: 70 }, decision: 'STOP_LINE' },
    { input: { temperature: 60, vibration: 10 }, decision: 'OK' },
  ],
};

const answer = (value: unknown) => ({ content: JSON.stringify(value) });
// The SDK honours this header instead of its half-second backoff, which keeps retry tests fast.
const fastRetry = { 'retry-after-ms': '5' };

function client(options: Partial<LlmOptions> = {}): LlmClient {
  const llm = createLlmClient({ baseUrl: server.baseUrl, model: 'judge-test', maxRetries: 1, timeoutMs: 2_000, logger: silentLogger, ...options });
  if (!llm) throw new Error('expected an LLM client');
  return llm;
}

async function failure(promise: Promise<unknown>): Promise<LlmUnavailableError> {
  const error = await promise.then(
    () => undefined,
    (reason: unknown) => reason,
  );
  expect(error).toBeInstanceOf(LlmUnavailableError);
  return error as LlmUnavailableError;
}

describe('LLM judge client', () => {
  it('sends the criteria, outcomes, examples and input with a strict JSON schema and parses the answer', async () => {
    server.respondWith(() => answer({ decision: 'STOP_LINE', confidence: 0.82, explanation: 'Hot (91) and shaking (64).' }));
    const llm = client();

    await expect(llm.judge(request)).resolves.toEqual({ decision: 'STOP_LINE', confidence: 0.82, explanation: 'Hot (91) and shaking (64).' });

    expect(server.requests).toHaveLength(1);
    const sent = server.requests[0]!;
    expect(sent).toMatchObject({
      model: 'judge-test',
      temperature: 0,
      response_format: {
        type: 'json_schema',
        json_schema: {
          name: 'judgment',
          strict: true,
          schema: {
            type: 'object',
            required: ['decision', 'confidence', 'explanation'],
            additionalProperties: false,
            properties: { decision: { type: 'string', enum: ['STOP_LINE', 'OK'] }, confidence: { type: 'number', minimum: 0, maximum: 1 } },
          },
        },
      },
    });
    const [system, user] = sent.messages;
    expect(system).toMatchObject({ role: 'system', content: expect.stringContaining('careful') });
    expect(user?.role).toBe('user');
    const text = user?.content as string;
    expect(text).toContain(request.criteria);
    expect(text).toContain('Allowed outcomes: "STOP_LINE", "OK"');
    expect(text).toContain('Input: {"temperature":95,"vibration":70}\nDecision: "STOP_LINE"');
    expect(text).toContain('Input: {"temperature":60,"vibration":10}\nDecision: "OK"');
    expect(text).toContain('{"temperature":91,"vibration":64,"line":"라인 3"}');
    expect(llm.breakerState()).toBe('closed');
  });

  it('needs no API key for a local endpoint and leaves out the examples section when there are none', async () => {
    const llm = client({ apiKey: undefined });
    await expect(llm.judge({ criteria: 'Is it hot?', input: { temperature: 30 }, outcomes: ['true', 'false'], examples: [] })).resolves.toMatchObject({
      decision: 'true',
      confidence: 0.9,
    });
    expect(server.requests[0]?.messages[1]?.content).not.toContain('Example');
  });

  it('cuts explanations to 2000 characters', async () => {
    server.respondWith(() => answer({ decision: 'OK', confidence: 0.5, explanation: 'x'.repeat(5000) }));
    const { explanation } = await client().judge(request);
    expect(explanation).toHaveLength(2000);
  });

  it.each([
    ['not JSON', { content: 'STOP_LINE, I am quite sure' }, 'LLM answer is not JSON'],
    ['a decision outside the outcomes', answer({ decision: 'MAYBE', confidence: 0.6, explanation: 'Unsure.' }), 'decision must be one of "STOP_LINE", "OK"'],
    ['confidence 1.7', answer({ decision: 'OK', confidence: 1.7, explanation: 'Very sure.' }), 'confidence'],
    ['an empty explanation', answer({ decision: 'OK', confidence: 0.7, explanation: '  ' }), 'explanation'],
  ])('rejects %s as malformed', async (_, response, message) => {
    server.respondWith(() => response);
    const error = await failure(client().judge(request));
    expect(error.reason).toBe('malformed');
    expect(error.message).toContain(message);
    expect(server.requests).toHaveLength(1);
  });

  it('gives up with "timeout" when the answer takes longer than the budget', async () => {
    server.respondWith(() => ({ delayMs: 3_000 }));
    const started = performance.now();
    const error = await failure(client({ timeoutMs: 200 }).judge(request));
    expect(error.reason).toBe('timeout');
    expect(error.message).toBe('LLM did not answer within 200 ms');
    expect(performance.now() - started).toBeLessThan(1_500);
  });

  it('retries 5xx answers through the SDK, then fails with "failed"', async () => {
    server.respondWith(() => ({ status: 500, content: 'model overloaded', headers: fastRetry }));
    const error = await failure(client({ maxRetries: 2 }).judge(request));
    expect(error.reason).toBe('failed');
    expect(error.message).toBe('LLM request failed with HTTP 500: 500 model overloaded');
    expect(server.requests).toHaveLength(3);
  });

  it('succeeds when a retry gets through', async () => {
    server.respondWith(() => (server.requests.length === 1 ? { status: 503, headers: fastRetry } : answer({ decision: 'OK', confidence: 1, explanation: 'Cool and calm.' })));
    await expect(client().judge(request)).resolves.toMatchObject({ decision: 'OK' });
    expect(server.requests).toHaveLength(2);
  });

  it('reports an unreachable endpoint as "failed"', async () => {
    const { baseUrl } = server;
    await server.close();
    const error = await failure(client({ baseUrl, maxRetries: 0 }).judge(request));
    expect(error.reason).toBe('failed');
    expect(error.message).toMatch(new RegExp(`^LLM endpoint ${baseUrl} could not be reached: .*ECONNREFUSED`));
    server = await startOpenAiTestServer();
  });

  it('opens the circuit after 5 failed calls, refuses without a request, and closes after a successful trial', async () => {
    let clock = Date.parse('2026-03-01T12:00:00.000Z');
    const llm = client({ now: () => clock });
    server.respondWith(() => ({ content: 'not json' }));
    for (let i = 0; i < 5; i++) expect((await failure(llm.judge(request))).reason).toBe('malformed');
    expect(llm.breakerState()).toBe('open');
    expect(server.requests).toHaveLength(5);

    const refused = await failure(llm.judge(request));
    expect(refused.reason).toBe('circuit_open');
    expect(refused.message).toBe('LLM circuit is open after 5 consecutive failures; retrying after 2026-03-01T12:01:00.000Z');
    expect(server.requests).toHaveLength(5);

    clock += 60_000;
    expect(llm.breakerState()).toBe('half-open');
    server.respondWith(() => answer({ decision: 'OK', confidence: 0.75, explanation: 'Within limits.' }));
    await expect(llm.judge(request)).resolves.toMatchObject({ decision: 'OK' });
    expect(llm.breakerState()).toBe('closed');
    expect(server.requests).toHaveLength(6);
  });

  it('is not created when neither an API key nor an endpoint is configured', () => {
    expect(createLlmClient({ model: 'gpt-4o-mini', logger: silentLogger })).toBeUndefined();
    expect(createLlmClient({ apiKey: '', baseUrl: '', model: 'gpt-4o-mini', logger: silentLogger })).toBeUndefined();
    expect(createLlmClient({ apiKey: 'sk-test', model: 'gpt-4o-mini', logger: silentLogger })?.model).toBe('gpt-4o-mini');
  });
});

describe('streamed text', () => {
  const collect = async (stream: AsyncGenerator<string>) => {
    const pieces: string[] = [];
    for await (const piece of stream) pieces.push(piece);
    return pieces;
  };

  it('yields the pieces as the model streams them', async () => {
    server.respondWith(() => ({ chunks: ['Line 3 ', 'would ', 'stop.'] }));
    expect(await collect(client().streamText({ system: 'be brief', user: 'what happens?' }))).toEqual(['Line 3 ', 'would ', 'stop.']);
    expect(server.requests[0]).toMatchObject({ stream: true, model: 'judge-test' });
  });

  it('fails as unavailable, not with the SDK’s error, when the model errors or stalls', async () => {
    server.respondWith(() => ({ status: 400, content: 'bad request' }));
    expect((await failure(collect(client().streamText({ system: 's', user: 'u' })))).reason).toBe('failed');
    server.respondWith(() => ({ chunks: ['never'], delayMs: 3_000 }));
    expect((await failure(collect(client({ timeoutMs: 300 }).streamText({ system: 's', user: 'u' })))).reason).toBe('timeout');
  });
});
