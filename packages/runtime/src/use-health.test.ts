import { createSchema, createYoga } from 'graphql-yoga';
import { Registry } from 'prom-client';
import { describe, expect, it } from 'vitest';
import { createServiceHealth, healthErrorText, HealthCheckError, registerHealthMetric, useHealth, type ReadinessChecks } from './use-health.ts';

const schema = createSchema({ typeDefs: 'type Query { ok: Boolean }' });

function app(required: ReadinessChecks, degradable: ReadinessChecks = {}, timeoutMs?: number) {
  const health = createServiceHealth({ service: 'test', version: '1.2.3', required, degradable, timeoutMs });
  return createYoga({ schema, plugins: [useHealth(health)], logging: false, healthCheckEndpoint: '/health/live' });
}

const check = (responseTimeMs = expect.any(Number)) => ({ responseTimeMs });
const refused = async () => Promise.reject(new Error('connection refused'));

describe('health endpoints', () => {
  it('shares one round of checks among callers within a second, then checks again', async () => {
    let rounds = 0;
    const health = createServiceHealth({ service: 'test', version: '1', required: { database: async () => void rounds++ }, reuseMs: 200 });
    await Promise.all(Array.from({ length: 20 }, () => health.report()));
    await health.report();
    expect(rounds).toBe(1);
    await new Promise((resolve) => setTimeout(resolve, 250));
    await health.report();
    expect(rounds).toBe(2);
  });

  it('is healthy, live and ready when every dependency answers, with version, uptime and response times', async () => {
    const yoga = app({ database: async () => {} }, { redis: async () => {} });
    expect((await yoga.fetch('http://x/health/live')).status).toBe(200);
    const health = await yoga.fetch('http://x/health');
    expect(health.status).toBe(200);
    const report = await health.json();
    expect(report).toEqual({
      status: 'healthy',
      service: 'test',
      version: '1.2.3',
      uptimeSeconds: expect.any(Number),
      checks: {
        database: { status: 'healthy', required: true, ...check() },
        redis: { status: 'healthy', required: false, ...check() },
      },
    });
    expect(report.uptimeSeconds).toBeGreaterThanOrEqual(0);
    expect(report.checks.database.responseTimeMs).toBeGreaterThanOrEqual(0);
  });

  it('is unhealthy and not ready (503, same shape) when a required dependency fails, yet stays live', async () => {
    const yoga = app({ database: refused }, { redis: async () => {} });
    const ready = await yoga.fetch('http://x/health/ready');
    expect(ready.status).toBe(503);
    expect(await ready.json()).toEqual({
      status: 'unhealthy',
      service: 'test',
      version: '1.2.3',
      uptimeSeconds: expect.any(Number),
      checks: { database: { status: 'unhealthy', required: true, error: 'connection refused', ...check() } },
    });
    const health = await yoga.fetch('http://x/health');
    expect(health.status).toBe(200);
    expect(await health.json()).toMatchObject({ status: 'unhealthy', checks: { database: { status: 'unhealthy' }, redis: { status: 'healthy' } } });
    expect((await yoga.fetch('http://x/health/live')).status).toBe(200);
  });

  it('is degraded yet ready when only a degradable dependency fails; readiness does not even ask it', async () => {
    let asked = 0;
    const yoga = app({ database: async () => {} }, {
      redis: async () => {
        asked += 1;
      },
    });
    const redisDown = app({ database: async () => {} }, { redis: refused });
    expect(await (await redisDown.fetch('http://x/health')).json()).toMatchObject({
      status: 'degraded',
      checks: { database: { status: 'healthy', required: true }, redis: { status: 'unhealthy', required: false, error: 'connection refused' } },
    });
    const ready = await redisDown.fetch('http://x/health/ready');
    expect(ready.status).toBe(200);
    expect(await ready.json()).toMatchObject({ status: 'healthy', checks: { database: { status: 'healthy' } } });
    expect(Object.keys((await (await yoga.fetch('http://x/health/ready')).json()).checks)).toEqual(['database']);
    expect(asked).toBe(0);
  });

  it('reports a check that answers below par as degraded, with its details and why', async () => {
    const yoga = app({ database: async () => {} }, { outbox: async () => ({ degraded: '12000 events wait', details: { backlog: 12_000, threshold: 10_000 } }) });
    expect(await (await yoga.fetch('http://x/health')).json()).toMatchObject({
      status: 'degraded',
      checks: { outbox: { status: 'degraded', required: false, error: '12000 events wait', backlog: 12_000, threshold: 10_000 } },
    });
  });

  it('gives up on a check after its timeout, running checks in parallel', async () => {
    const hang = () => new Promise<void>(() => {});
    const yoga = app({ database: hang }, { redis: hang }, 100);
    const started = performance.now();
    const ready = await yoga.fetch('http://x/health');
    expect(performance.now() - started).toBeLessThan(1_000);
    const report = await ready.json();
    expect(report.checks.database).toMatchObject({ status: 'unhealthy', error: 'no answer within 100 ms' });
    expect(report.checks.database.responseTimeMs).toBeGreaterThanOrEqual(90);
  });

  it('keeps the details of a failed check, and never shows credentials or query strings', async () => {
    const yoga = app(
      { database: async () => Promise.reject(new Error('connect to postgres://judgify:s3cret@db.internal:5432/app?sslpassword=hunter2 failed')) },
      { 'subgraph:chat': async () => Promise.reject(new HealthCheckError('subgraph chat is unreachable: ECONNREFUSED', { subgraph: 'chat' })) },
    );
    const report = await (await yoga.fetch('http://x/health')).json();
    expect(report.checks.database.error).toBe('connect to postgres://db.internal:5432/app failed');
    expect(report.checks['subgraph:chat']).toMatchObject({ status: 'unhealthy', subgraph: 'chat', error: 'subgraph chat is unreachable: ECONNREFUSED' });
    expect(healthErrorText(new Error('redis://default@cache:6379 and Bearer abcdefghijklmnop'))).toBe('redis://cache:6379 and Bearer [redacted]');
  });
});

describe('service_health_status', () => {
  it('reports each check and the whole (1 healthy, 0.5 degraded, 0 unhealthy), one health round per few seconds however many scrape', async () => {
    let rounds = 0;
    const registry = new Registry();
    const health = createServiceHealth({
      service: 'test',
      version: '1',
      required: { database: async () => void rounds++ },
      degradable: { redis: refused, outbox: async () => ({ degraded: 'behind' }) },
    });
    registerHealthMetric(registry, health);
    const text = await registry.metrics();
    expect(text).toContain('service_health_status{check="overall"} 0.5');
    expect(text).toContain('service_health_status{check="database"} 1');
    expect(text).toContain('service_health_status{check="outbox"} 0.5');
    expect(text).toContain('service_health_status{check="redis"} 0');
    await registry.metrics();
    await registry.metrics();
    expect(rounds).toBe(1);
  });

  it('is replaced, not duplicated, when an app is built again on the same registry', async () => {
    const registry = new Registry();
    registerHealthMetric(registry, createServiceHealth({ service: 'test', version: '1', required: { database: refused } }));
    registerHealthMetric(registry, createServiceHealth({ service: 'test', version: '1', required: { database: async () => {} } }));
    expect(await registry.metrics()).toContain('service_health_status{check="overall"} 1');
  });
});
