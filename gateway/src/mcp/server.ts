import type { Logger } from '@judgify/runtime/logger';
import { redactedError } from '@judgify/runtime/logger';
import { Server } from '@modelcontextprotocol/sdk/server/index.js';
import { CallToolRequestSchema, ErrorCode, ListToolsRequestSchema, McpError } from '@modelcontextprotocol/sdk/types.js';
import type { GraphQLExecutor } from './executor.ts';
import type { ToolOutcome, Toolset } from './tools.ts';

const INSTRUCTIONS = `Judgify decides records with workflows: rules first, an LLM where they are unsure, explained and learned from.
Typical flow: list_workflows or search_workflows → get_workflow (its inputFields are the keys execute_judgment needs) → execute_judgment → explain_execution → record_feedback.
generate_view turns a plain-language request into a chart with data; list_dashboards and run_dashboard read saved ones.
For anything else, search_schema then run_query. Every call runs as your user: your tenant and roles apply.`;

export interface McpServerOptions {
  toolset: Toolset;
  executor: GraphQLExecutor;
  logger: Logger;
  /** Called once per tool call with how it ended (metrics). */
  onCall?(tool: string, outcome: ToolOutcome): void;
}

/**
 * The MCP server both transports connect: the SDK's low-level Server, so tools carry the raw
 * JSON Schemas derived from the operations. A tool that fails answers `isError` with the
 * reason; only an unknown tool is a protocol error. Nothing unexpected escapes as a stack.
 */
export function createMcpServer(options: McpServerOptions): Server {
  const { toolset, executor, logger } = options;
  const server = new Server({ name: 'judgify', title: 'Judgify', version: '0.1.0' }, { capabilities: { tools: { listChanged: false } }, instructions: INSTRUCTIONS });
  server.setRequestHandler(ListToolsRequestSchema, () => ({ tools: [...toolset.tools] }));
  server.setRequestHandler(CallToolRequestSchema, async (request) => {
    const { name, arguments: args } = request.params;
    if (!toolset.has(name)) {
      throw new McpError(ErrorCode.InvalidParams, `Unknown tool "${name}". The tools are: ${toolset.tools.map((tool) => tool.name).join(', ')}.`);
    }
    const started = performance.now();
    try {
      const { result, outcome } = await toolset.call(name, args ?? {}, executor);
      options.onCall?.(name, outcome);
      logger.debug({ tool: name, outcome, ms: Math.round(performance.now() - started) }, 'mcp tool call');
      return result;
    } catch (error) {
      options.onCall?.(name, 'internal_error');
      logger.error({ err: redactedError(error), tool: name }, 'mcp tool call failed unexpectedly');
      return { content: [{ type: 'text' as const, text: 'INTERNAL_SERVER_ERROR: the tool failed unexpectedly; the error is logged on the server. Try again, or use another tool.' }], isError: true };
    }
  });
  return server;
}
