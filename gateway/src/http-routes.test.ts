import { createServer, type RequestListener } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createLogger } from '@judgify/runtime/logger';
import { describe, expect, it } from 'vitest';
import { routeRequests } from './http-routes.ts';

const answer = (name: string): RequestListener => (_req, res) => res.end(name);

async function get(handler: RequestListener, path: string): Promise<{ status: number; body: string }> {
  const server = createServer(handler);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  try {
    const response = await fetch(`http://127.0.0.1:${(server.address() as AddressInfo).port}${path}`);
    return { status: response.status, body: await response.text() };
  } finally {
    server.close();
  }
}

describe('routing beside GraphQL', () => {
  const logger = createLogger('gateway', 'silent');
  const handler = routeRequests(
    [
      { prefix: '/', handle: answer('console') },
      { prefix: '/mcp', handle: answer('mcp') },
      {
        prefix: '/broken',
        handle: () => {
          throw new Error('boom');
        },
      },
    ],
    answer('graphql'),
    logger,
  );

  it('keeps GraphQL, health, metrics and keys for yoga, whatever else is routed', async () => {
    for (const path of ['/graphql', '/graphql?query=%7B__typename%7D', '/health/ready', '/metrics', '/.well-known/jwks.json']) expect((await get(handler, path)).body, path).toBe('graphql');
  });

  it('sends the rest to the longest matching prefix, on segment boundaries', async () => {
    expect((await get(handler, '/mcp')).body).toBe('mcp');
    expect((await get(handler, '/mcp/session')).body).toBe('mcp');
    expect((await get(handler, '/mcpx')).body).toBe('console');
    expect((await get(handler, '/')).body).toBe('console');
  });

  it('answers a route that fails with a plain 500, no stack', async () => {
    const failed = await get(handler, '/broken');
    expect(failed).toEqual({ status: 500, body: 'Internal error' });
  });
});
