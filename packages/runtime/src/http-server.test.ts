import { afterEach, describe, expect, it } from 'vitest';
import { serve, type RunningServer } from './http-server.ts';
import { silentLogger } from './testing/index.ts';

let running: RunningServer | undefined;
afterEach(async () => {
  await running?.close();
  running = undefined;
});


async function startEcho(limit: number, closers: Array<() => Promise<void>> = []) {
  running = await serve({
    name: 'echo',
    port: 0,
    host: '127.0.0.1',
    logger: silentLogger,
    maxBodyBytes: limit,
    closers,
    handler: (req, res) => {
      const body = (req as typeof req & { body?: Buffer }).body;
      res.end(JSON.stringify({ received: body?.length ?? 0 }));
    },
  });
  return running;
}

describe('HTTP server', () => {
  it('passes bodies within the limit through intact', async () => {
    const server = await startEcho(1000);
    const response = await fetch(`${server.url}/`, { method: 'POST', body: 'x'.repeat(1000) });
    expect(await response.json()).toEqual({ received: 1000 });
  });

  it('refuses a body declared over the limit with 413 and a GraphQL error', async () => {
    const server = await startEcho(1000);
    const response = await fetch(`${server.url}/`, { method: 'POST', body: 'x'.repeat(1001) });
    expect(response.status).toBe(413);
    expect(await response.json()).toEqual({
      errors: [{ message: 'Request body exceeds the 1000 byte limit.', extensions: { code: 'PAYLOAD_TOO_LARGE' } }],
    });
  });

  it('refuses a streamed body without a declared length once it passes the limit', async () => {
    const server = await startEcho(1000);
    const chunks = new ReadableStream({
      start(controller) {
        for (let i = 0; i < 10; i++) controller.enqueue(new TextEncoder().encode('y'.repeat(500)));
        controller.close();
      },
    });
    const response = await fetch(`${server.url}/`, { method: 'POST', body: chunks, duplex: 'half' } as RequestInit);
    expect(response.status).toBe(413);
  });

  it('lets in-flight requests finish on close, then runs the closers', async () => {
    const events: string[] = [];
    running = await serve({
      name: 'slow',
      port: 0,
      host: '127.0.0.1',
      logger: silentLogger,
      closers: [async () => void events.push('closed pools')],
      handler: (_req, res) => {
        setTimeout(() => {
          events.push('answered');
          res.end('done');
        }, 200);
      },
    });
    const inFlight = fetch(`${running.url}/`);
    await new Promise((resolve) => setTimeout(resolve, 50));
    const closing = running.close();
    expect(await (await inFlight).text()).toBe('done');
    await closing;
    running = undefined;
    expect(events).toEqual(['answered', 'closed pools']);
  });
});
