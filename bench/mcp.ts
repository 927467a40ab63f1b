import { readFileSync } from 'node:fs';
import { identities } from '@judgify/runtime/testing';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { createExampleWorkflow, signToken } from '../e2e/client.ts';
import { sha256Hex } from '../gateway/src/trusted-documents.ts';
import { LatencyHistogram } from './latency-histogram.ts';
import { startBenchPlatform } from './platform.ts';

const GET_WORKFLOW = readFileSync(new URL('../gateway/operations/mcp-get-workflow.graphql', import.meta.url), 'utf8');

/**
 * get_workflow through the SDK's client over /mcp (one stateless POST per call: a fresh MCP
 * server and transport, argument validation, then the gateway's pipeline in-process) against
 * the same registered operation POSTed straight to /graphql by documentId, by one client and by
 * `concurrency`, alternating quarters of `seconds` so both see the same machine. A few
 * executions first, so the answer carries some.
 */
export async function benchMcp(options: { concurrency: number; seconds: number }): Promise<string> {
  const { platform, shape } = await startBenchPlatform();
  const clients: Client[] = [];
  try {
    const url = platform.gateway.url;
    const admin = await signToken(identities.acmeAdmin, platform.jwtSecret, '1h');
    const viewer = await signToken(identities.acmeViewer, platform.jwtSecret, '1h');
    const workflowId = await createExampleWorkflow(url, admin, `Bench MCP ${Math.floor(Math.random() * 900) + 100}`);
    const variables = { id: workflowId, recentExecutions: 5 };
    for (let index = 0; index < 5; index++) {
      await fetch(`${url}/graphql`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${admin}` },
        body: JSON.stringify({ query: 'mutation($input: ExecuteJudgmentInput!) { executeJudgment(input: $input) { id } }', variables: { input: { workflowId, inputData: { temperature: 70 + index * 5, vibration: 60 } } } }),
      });
    }
    for (let index = 0; index < options.concurrency; index++) {
      const client = new Client({ name: 'judgify-bench', version: '1.0.0' });
      await client.connect(new StreamableHTTPClientTransport(new URL(`${url}/mcp`), { requestInit: { headers: { authorization: `Bearer ${viewer}` } } }));
      clients.push(client);
    }
    const documentId = `sha256:${sha256Hex(GET_WORKFLOW)}`;
    const direct = async () => {
      const response = await fetch(`${url}/graphql`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', accept: 'application/graphql-response+json', authorization: `Bearer ${viewer}` },
        body: JSON.stringify({ documentId, variables }),
      });
      const body = (await response.json()) as { data?: { workflow?: unknown }; errors?: unknown[] };
      return Boolean(body.data?.workflow) && !body.errors;
    };
    const viaMcp = async (client: Client) => {
      const result = (await client.callTool({ name: 'get_workflow', arguments: variables })) as { isError?: boolean };
      return !result.isError;
    };
    const measure = async (concurrency: number) => {
      const histograms = { mcp: new LatencyHistogram(), direct: new LatencyHistogram() };
      const failures = { mcp: 0, direct: 0 };
      const run = async (kind: 'mcp' | 'direct', ms: number, record = true) => {
        const deadline = performance.now() + ms;
        await Promise.all(
          clients.slice(0, concurrency).map(async (client) => {
            while (performance.now() < deadline) {
              const started = performance.now();
              const ok = kind === 'mcp' ? await viaMcp(client) : await direct();
              if (!record) continue;
              histograms[kind].record(performance.now() - started);
              if (!ok) failures[kind]++;
            }
          }),
        );
      };
      await run('direct', 300, false);
      await run('mcp', 300, false);
      const quarter = (options.seconds * 1000) / 4;
      for (const kind of ['direct', 'mcp', 'direct', 'mcp'] as const) await run(kind, quarter);
      const line = (label: string, histogram: LatencyHistogram, failed: number) =>
        `  ${label.padEnd(42)} p50 ${histogram.percentile(50).toFixed(1).padStart(6)} ms   p99 ${histogram.percentile(99).toFixed(1).padStart(6)} ms   ${(histogram.count / (options.seconds / 2)).toFixed(0).padStart(5)}/s   (${histogram.count}, ${failed} failed)`;
      const ratio = (p: number) => (histograms.mcp.percentile(p) / histograms.direct.percentile(p)).toFixed(2);
      return [
        `${concurrency} concurrent client${concurrency === 1 ? '' : 's'}:`,
        line('get_workflow over /mcp (SDK client)', histograms.mcp, failures.mcp),
        line('McpGetWorkflow to /graphql by documentId', histograms.direct, failures.direct),
        `  MCP ÷ direct: p50 ${ratio(50)}, p99 ${ratio(99)}; MCP adds ${(histograms.mcp.percentile(50) - histograms.direct.percentile(50)).toFixed(1)} ms at p50`,
      ];
    };
    return [
      `${shape}; ${options.seconds} s per scenario (alternating quarters), viewer token, a workflow with 5 executions`,
      ...(await measure(1)),
      ...(options.concurrency > 1 ? await measure(options.concurrency) : []),
    ].join('\n');
  } finally {
    await Promise.allSettled(clients.map((client) => client.close()));
    await platform.stop();
  }
}
