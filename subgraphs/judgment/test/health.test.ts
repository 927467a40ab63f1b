import { createLlmClient } from '@judgify/runtime/llm';
import { silentLogger } from '@judgify/runtime/testing';
import { startOpenAiTestServer, type OpenAiTestServer } from '@judgify/runtime/testing/openai-server';
import { createTestSubgraph, type TestSubgraph } from '@judgify/runtime/testing/subgraph';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApp } from '../src/app.ts';
import * as tables from '../src/db/schema.ts';
import { migrationsFolder } from '../src/service.ts';

let subgraph: TestSubgraph<typeof tables>;
let llmServer: OpenAiTestServer;

beforeAll(async () => {
  llmServer = await startOpenAiTestServer();
  const llm = createLlmClient({ baseUrl: llmServer.baseUrl, model: 'judge-test', timeoutMs: 2_000, maxRetries: 0, logger: silentLogger });
  subgraph = await createTestSubgraph({ service: 'judgment', tables, migrationsFolder, outbox: tables.outbox, createApp: (infrastructure) => createApp(infrastructure, { llm }) });
});
afterAll(async () => {
  await subgraph?.close();
  await llmServer?.close();
});

describe('judgment health', () => {
  it('reports its database (required), outbox, consumers and LLM with response times, version and uptime', async () => {
    const response = await subgraph.yoga.fetch('http://subgraph/health');
    expect(response.status).toBe(200);
    const report = await response.json();
    expect(report).toEqual({
      status: 'healthy',
      service: 'judgment',
      version: '0.1.0',
      uptimeSeconds: expect.any(Number),
      checks: {
        database: { status: 'healthy', required: true, responseTimeMs: expect.any(Number) },
        outbox: { status: 'healthy', required: false, responseTimeMs: expect.any(Number), backlog: expect.any(Number), threshold: 10_000 },
        consumers: { status: 'healthy', required: false, responseTimeMs: expect.any(Number), threshold: 1_000, lags: expect.any(Array) },
        llm: { status: 'healthy', required: false, responseTimeMs: expect.any(Number), model: 'judge-test', breaker: 'closed' },
      },
    });
    // Judgment consumes the workflow events: each of its groups is listed.
    expect(report.checks.consumers.lags).toContainEqual({ eventType: 'workflow.created', group: 'judgment', lag: 0 });
  });

  it('is ready on its database alone, and reports service_health_status on /metrics', async () => {
    const ready = await subgraph.yoga.fetch('http://subgraph/health/ready');
    expect(ready.status).toBe(200);
    expect(Object.keys((await ready.json()).checks)).toEqual(['database']);
    const metrics = await (await subgraph.yoga.fetch('http://subgraph/metrics')).text();
    for (const check of ['overall', 'database', 'outbox', 'consumers', 'llm']) {
      expect(metrics).toMatch(new RegExp(`^service_health_status\\{check="${check}",service="judgment"\\} 1$`, 'm'));
    }
  });
});
