import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { createLogger, redactedError } from './logger.ts';

function capture() {
  const lines: string[] = [];
  const destination = new Writable({
    write(chunk: Buffer, _encoding, done) {
      lines.push(chunk.toString());
      done();
    },
  });
  return { lines, logger: createLogger('test', 'debug', { destination }) };
}

const jwt = 'eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJhZGEiLCJ0ZW5hbnRfaWQiOiJhY21lIn0.c2lnbmF0dXJlLXNpZ25hdHVyZQ';
const apiKey = 'sk-live-0123456789abcdefABCDEF';
const privateKey = '-----BEGIN PRIVATE KEY-----\nMC4CAQAwBQYDK2VwBCIEIH3xq0Zc5ksN6V4dbQ5j\n-----END PRIVATE KEY-----';

describe('log redaction', () => {
  it('cuts secrets by key: authorization headers, API keys, signing keys, tokens', () => {
    const { lines, logger } = capture();
    logger.info(
      {
        headers: { authorization: `Bearer ${jwt}`, 'x-judgify-identity': 'signed-identity', cookie: 'session=abc', accept: 'application/json' },
        req: { headers: { authorization: 'Basic dXNlcjpwYXNzd29yZA==' } },
        config: { OPENAI_API_KEY: apiKey, JWT_SECRET: 'a'.repeat(40), GATEWAY_SIGNING_KEY: privateKey, LOG_LEVEL: 'info' },
        target: { token: 'opaque-partner-token', secret: 'hmac-signing-secret' },
      },
      'request',
    );
    const line = JSON.parse(lines[0]!);
    expect(line.headers).toEqual({ authorization: '[redacted]', 'x-judgify-identity': '[redacted]', cookie: '[redacted]', accept: 'application/json' });
    expect(line.req.headers.authorization).toBe('[redacted]');
    expect(line.config).toEqual({ OPENAI_API_KEY: '[redacted]', JWT_SECRET: '[redacted]', GATEWAY_SIGNING_KEY: '[redacted]', LOG_LEVEL: 'info' });
    expect(line.target).toEqual({ token: '[redacted]', secret: '[redacted]' });
  });

  it('cuts secrets by shape in messages, fields and errors', () => {
    const { lines, logger } = capture();
    logger.warn({ detail: `called with Authorization: Bearer ${jwt}`, url: 'postgres://judgify:hunter2@db:5432/judgify' }, `token ${jwt} and key ${apiKey} refused`);
    const failure = new Error(`LLM call failed for key ${apiKey}`, { cause: new Error(`signing with ${privateKey}`) });
    logger.error({ err: failure }, 'failed');
    const text = lines.join('\n');
    for (const secret of [jwt, apiKey, 'hunter2', 'MC4CAQAwBQYDK2VwBCIEIH3xq0Zc5ksN6V4dbQ5j']) expect(text).not.toContain(secret);
    const warned = JSON.parse(lines[0]!);
    expect(warned.msg).toBe('token [redacted] and key [redacted] refused');
    expect(warned.url).toBe('postgres://judgify:[redacted]@db:5432/judgify');
    expect(warned.detail).toBe('called with Authorization: Bearer [redacted]');
    expect(JSON.parse(lines[1]!).err.message).toMatch(/^LLM call failed for key \[redacted\]/);
  });

  it('cuts secrets under any key case and depth, in child loggers, and in URLs without a user name', () => {
    const { lines, logger } = capture();
    logger
      .child({ db: 'postgres://judgify:hunter2@db/judgify' })
      .info({ Authorization: 'opaque', request: { headers: { 'X-Api-Key': 'k-123', 'Proxy-Authorization': 'p' } }, a: { b: { c: { apiKey: 'deep' } } }, clientSecret: 'cs', redis: 'redis://:s3cret@redis:6379', odd: 'https://u:p@ss@host/x' }, 'bound');
    const line = JSON.parse(lines[0]!);
    expect(line.db).toBe('postgres://judgify:[redacted]@db/judgify');
    expect(line).toMatchObject({ Authorization: '[redacted]', request: { headers: { 'X-Api-Key': '[redacted]', 'Proxy-Authorization': '[redacted]' } }, a: { b: { c: { apiKey: '[redacted]' } } }, clientSecret: '[redacted]' });
    expect(line.redis).toBe('redis://:[redacted]@redis:6379');
    expect(line.odd).toBe('https://u:[redacted]@host/x');
  });

  it('scrubs in linear time, even text built to make it backtrack', () => {
    const { lines, logger } = capture();
    const hostile = '-----BEGIN RSA PRIVATE KEY-----\n'.repeat(8_000);
    const started = performance.now();
    logger.error({ err: new Error(hostile) }, hostile);
    expect(performance.now() - started).toBeLessThan(1_000);
    // Each text is cut to 64 KB before scrubbing.
    expect(lines[0]!.length).toBeLessThan(600_000);
  });

  it('keeps what is not a secret, and cuts query parameters from database errors', () => {
    const { lines, logger } = capture();
    logger.info({ workflowId: 'w-1', decision: 'STOP_LINE', count: 3 }, 'judged');
    expect(JSON.parse(lines[0]!)).toMatchObject({ workflowId: 'w-1', decision: 'STOP_LINE', count: 3, msg: 'judged', service: 'test' });
    expect(redactedError(new Error('insert failed\nparams: ada@example.com,42'))).toMatchObject({ message: 'insert failed\nparams: [redacted]' });
  });

  it('writes readable lines when asked, still redacted', () => {
    const lines: string[] = [];
    const logger = createLogger('gateway', 'info', { format: 'pretty', destination: new Writable({ write: (chunk: Buffer, _encoding, done) => (lines.push(chunk.toString()), done()) }) });
    logger.info({ headers: { authorization: `Bearer ${jwt}` } }, 'ready');
    const text = lines.join('');
    expect(text).toMatch(/INFO.*gateway · ready/);
    expect(() => JSON.parse(text)).toThrow();
    expect(text).not.toContain(jwt);
  });
});
