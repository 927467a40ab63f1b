import { createSchema, createYoga } from 'graphql-yoga';
import { describe, expect, it } from 'vitest';
import { useHealth } from './use-health.ts';

const schema = createSchema({ typeDefs: 'type Query { ok: Boolean }' });

function app(checks: Parameters<typeof useHealth>[1], degradable: Parameters<typeof useHealth>[2] = {}) {
  return createYoga({ schema, plugins: [useHealth('test', checks, degradable)], logging: false, healthCheckEndpoint: '/health/live' });
}

describe('health endpoints', () => {
  it('is live and ready when every dependency answers', async () => {
    const yoga = app({ database: async () => {} });
    expect((await yoga.fetch('http://x/health/live')).status).toBe(200);
    const ready = await yoga.fetch('http://x/health/ready');
    expect(ready.status).toBe(200);
    expect(await ready.json()).toEqual({ status: 'ok', service: 'test', checks: { database: 'ok' } });
  });

  it('is not ready (503) and names the failing dependency, yet stays live', async () => {
    const yoga = app({ database: async () => {}, redis: async () => Promise.reject(new Error('connection refused')) });
    const ready = await yoga.fetch('http://x/health/ready');
    expect(ready.status).toBe(503);
    expect(await ready.json()).toEqual({
      status: 'unavailable',
      service: 'test',
      checks: { database: 'ok', redis: 'connection refused' },
    });
    expect((await yoga.fetch('http://x/health')).status).toBe(200);
    expect((await yoga.fetch('http://x/health/live')).status).toBe(200);
  });

  it('stays ready, reporting itself degraded, when only a degradable dependency fails', async () => {
    const yoga = app({ database: async () => {} }, { redis: async () => Promise.reject(new Error('connection refused')) });
    const ready = await yoga.fetch('http://x/health/ready');
    expect(ready.status).toBe(200);
    expect(await ready.json()).toEqual({ status: 'degraded', service: 'test', checks: { database: 'ok', redis: 'connection refused' } });
  });
});
