/**
 * `npm run mcp`: the MCP server over stdio, for agents that start it as a process (Claude
 * Desktop, IDE agents). Every tool call goes over HTTP to a running gateway
 * (JUDGIFY_GATEWAY_URL) as the user whose token is JUDGIFY_TOKEN. Logs go to stderr: stdout
 * carries the protocol.
 */
import { readFileSync } from 'node:fs';
import { Supergraph } from '@apollo/federation-internals';
import { createLogger } from '@judgify/runtime/logger';
import { StdioServerTransport } from '@modelcontextprotocol/sdk/server/stdio.js';
import { loadMcpStdioConfig } from '../config.ts';
import { createExecutor } from './executor.ts';
import { loadToolOperations } from './operations.ts';
import { createMcpServer } from './server.ts';
import { createToolset } from './tools.ts';

const config = loadMcpStdioConfig(process.env);
const logger = createLogger('mcp', config.LOG_LEVEL, { stderr: true, format: config.LOG_FORMAT });

function readSchema(path: string) {
  try {
    return Supergraph.build(readFileSync(path, 'utf8')).apiSchema().toGraphQLJSSchema();
  } catch (error) {
    process.stderr.write(`[mcp] cannot read the supergraph at ${path} (SUPERGRAPH_PATH): ${error instanceof Error ? error.message : String(error)}\n`);
    process.exit(1);
  }
}

const schema = readSchema(config.SUPERGRAPH_PATH);
const toolset = createToolset({ schema, operations: loadToolOperations(schema, { skip: (problem) => process.stderr.write(`[mcp] tool left out: ${problem}\n`) }), allowMutations: config.MCP_ALLOW_MUTATIONS, maxResultChars: config.MCP_MAX_RESULT_CHARS });
const executor = createExecutor({
  url: config.JUDGIFY_GATEWAY_URL,
  fetch: (request) => fetch(request),
  authorization: config.JUDGIFY_TOKEN ? `Bearer ${config.JUDGIFY_TOKEN}` : undefined,
  unreachable: (reason) => `Cannot reach the gateway at ${config.JUDGIFY_GATEWAY_URL} (${reason}): is it running? Point JUDGIFY_GATEWAY_URL at its /graphql endpoint.`,
});
const server = createMcpServer({ toolset, executor, logger });
const transport = new StdioServerTransport();
// The agent stops us by closing stdin: calls in flight still answer, then nothing holds the process.
await server.connect(transport);
logger.info({ gateway: config.JUDGIFY_GATEWAY_URL, tools: toolset.tools.length, token: Boolean(config.JUDGIFY_TOKEN) }, 'mcp server ready on stdio');
