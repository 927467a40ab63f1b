import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ConsumerLag } from './events.ts';
import { freePort } from './free-port.ts';
import { consumersCheck, llmCheck, outboxCheck, packageVersion, subgraphCheck } from './health-checks.ts';
import { createLlmClient } from './llm.ts';
import { silentLogger } from './testing/index.ts';
import { startOpenAiTestServer, type OpenAiTestServer } from './testing/openai-server.ts';
import { createServiceHealth, type HealthCheck } from './use-health.ts';

/** The report of one check, as /health shows it. */
async function reportOf(name: string, check: HealthCheck, required = false) {
  const health = createServiceHealth({ service: 'test', version: '1', required: required ? { [name]: check } : {}, degradable: required ? {} : { [name]: check } });
  return (await health.report()).checks[name]!;
}

describe('outbox and consumer checks', () => {
  it('reports the outbox backlog, degraded above the threshold', async () => {
    expect(await reportOf('outbox', outboxCheck({ backlog: async () => 12 }))).toMatchObject({ status: 'healthy', backlog: 12, threshold: 10_000 });
    expect(await reportOf('outbox', outboxCheck({ backlog: async () => 10_001 }))).toMatchObject({
      status: 'degraded',
      backlog: 10_001,
      error: '10001 events wait in the outbox, more than 10000',
    });
    expect(await reportOf('outbox', outboxCheck({ backlog: async () => Promise.reject(new Error('relation "outbox" does not exist')) }))).toMatchObject({ status: 'unhealthy' });
  });

  it('reports lag by event type and group, degraded when one group is behind by more than the threshold', async () => {
    const lags: ConsumerLag[] = [
      { eventType: 'judgment.completed', group: 'learning', lag: 3 },
      { eventType: 'workflow.created', group: 'learning', lag: 40 },
      { eventType: 'workflow.created', group: 'judgment', lag: 5_000 },
    ];
    const inProcess = { kind: 'in-process' as const, consumerLag: async () => lags };
    // In-process, the bus is shared by every service in the process: each reports its own group.
    expect(await reportOf('consumers', consumersCheck(inProcess, 'learning', 10))).toMatchObject({
      status: 'degraded',
      threshold: 10,
      lags: [
        { eventType: 'judgment.completed', group: 'learning', lag: 3 },
        { eventType: 'workflow.created', group: 'learning', lag: 40 },
      ],
      error: 'consumers behind by more than 10 events: workflow.created/learning (40)',
    });
    expect(await reportOf('consumers', consumersCheck(inProcess, 'learning'))).toMatchObject({ status: 'healthy', threshold: 1_000 });
    const redis = { kind: 'redis' as const, consumerLag: async () => lags };
    expect((await reportOf('consumers', consumersCheck(redis, 'learning'))).lags).toHaveLength(3);
  });
});

describe('LLM check', () => {
  let server: OpenAiTestServer;
  beforeAll(async () => {
    server = await startOpenAiTestServer();
  });
  afterAll(() => server.close());

  it('is healthy when the endpoint lists its models, asking it at most every 10 s', async () => {
    let now = 1_000_000;
    const llm = createLlmClient({ baseUrl: server.baseUrl, model: 'judge-test', logger: silentLogger, now: () => now })!;
    const before = server.modelListings;
    const report = await reportOf('llm', llmCheck(llm));
    expect(report).toMatchObject({ status: 'healthy', required: false, model: 'judge-test', breaker: 'closed' });
    expect(report.responseTimeMs).toEqual(expect.any(Number));
    await llm.ping();
    await llm.ping();
    expect(server.modelListings - before).toBe(1);
    now += 10_000;
    await llm.ping();
    expect(server.modelListings - before).toBe(2);
    // Health polling never reaches the completions endpoint.
    expect(server.requests).toHaveLength(0);
  });

  it('is unhealthy (the service degraded) when nothing listens at the endpoint', async () => {
    const port = await freePort();
    const llm = createLlmClient({ apiKey: 'sk-test-0123456789abcdefghij', baseUrl: `http://127.0.0.1:${port}/v1`, model: 'judge-test', logger: silentLogger })!;
    const health = createServiceHealth({ service: 'test', version: '1', required: { database: async () => {} }, degradable: { llm: llmCheck(llm) } });
    const report = await health.report();
    expect(report.status).toBe('degraded');
    expect(report.checks.llm).toMatchObject({ status: 'unhealthy', required: false, model: 'judge-test', error: `LLM endpoint http://127.0.0.1:${port}/v1 could not be reached: connect ECONNREFUSED 127.0.0.1:${port}` });
    expect(JSON.stringify(report)).not.toContain('sk-test');
    // An endpoint URL with credentials in it is reported without them.
    const withCredentials = createLlmClient({ baseUrl: `http://proxy-user:proxy-pass@127.0.0.1:${port}/v1?key=abc`, model: 'judge-test', logger: silentLogger })!;
    const failed = await reportOf('llm', llmCheck(withCredentials));
    expect(failed.status).toBe('unhealthy');
    expect(failed.error).toContain(`LLM endpoint http://127.0.0.1:${port}/v1 could not be reached`);
    expect(JSON.stringify(failed)).not.toMatch(/proxy-user|proxy-pass|key=abc/);
  });

  it('is degraded while the circuit breaker is open', async () => {
    const open = { model: 'm', ping: async () => {}, breakerState: () => 'open' as const };
    expect(await reportOf('llm', llmCheck(open))).toMatchObject({ status: 'degraded', breaker: 'open', error: expect.stringContaining('circuit breaker is open') });
  });
});

describe('subgraph check', () => {
  let server: Server;
  let url: string;
  let liveStatus = 200;
  beforeAll(async () => {
    server = createServer((req, res) => {
      res.writeHead(req.url === '/health/live' ? liveStatus : 404).end();
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/graphql`;
  });
  afterAll(() => new Promise((resolve) => server.close(resolve)));

  it("asks the subgraph's liveness route, naming the subgraph and not its address", async () => {
    expect(await reportOf('subgraph:chat', subgraphCheck('chat', url))).toMatchObject({ status: 'healthy', subgraph: 'chat' });
    liveStatus = 503;
    expect(await reportOf('subgraph:chat', subgraphCheck('chat', url))).toMatchObject({ status: 'unhealthy', subgraph: 'chat', error: 'subgraph chat answered HTTP 503' });
    liveStatus = 200;
    const down = await reportOf('subgraph:chat', subgraphCheck('chat', `http://127.0.0.1:${await freePort()}/graphql`));
    expect(down).toMatchObject({ status: 'unhealthy', required: false, subgraph: 'chat', error: 'subgraph chat is unreachable: ECONNREFUSED' });
  });
});

it("reads the version of the package a file is in", () => {
  expect(packageVersion(import.meta.url)).toMatch(/^\d+\.\d+\.\d+/);
  expect(packageVersion('/')).toBe('unknown');
});
