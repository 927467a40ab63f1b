import { getOperationAST, getVariableValues, GraphQLError, parse, validate, type DocumentNode, type GraphQLSchema } from 'graphql';
import { ArgumentCheck } from './arguments.ts';
import { ToolError, type GraphQLErrorResult, type GraphQLExecutor, type GraphQLResponse } from './executor.ts';
import type { ObjectJsonSchema } from './json-schema.ts';
import type { ToolOperation } from './operations.ts';
import { MAX_SEARCH_LIMIT, searchSchema } from './schema-search.ts';

/** A tool as `tools/list` describes it (the MCP `Tool` shape). */
export interface ToolDescription {
  name: string;
  title: string;
  description: string;
  inputSchema: ObjectJsonSchema;
  annotations: { title: string; readOnlyHint: boolean; destructiveHint: boolean; idempotentHint: boolean; openWorldHint: boolean };
}

/** A `tools/call` result (the MCP `CallToolResult` shape). */
export interface ToolResult {
  content: Array<{ type: 'text'; text: string }>;
  isError?: boolean;
  [key: string]: unknown;
}

/** How a call ended, for the `mcp_tool_calls_total{result}` metric. */
export type ToolOutcome = 'ok' | 'invalid_arguments' | 'refused' | 'graphql_error' | 'unavailable' | 'internal_error';

export interface ToolsetOptions {
  /** The supergraph's API schema: what clients may ask. */
  schema: GraphQLSchema;
  operations: readonly ToolOperation[];
  /** Whether run_query may run mutations. */
  allowMutations: boolean;
  /** Characters of result text beyond which it is cut, with a note. */
  maxResultChars: number;
  /** Sends operations as text, not by documentId (the gateway runs with TRUSTED_DOCUMENTS=off). */
  documentsAsText?: boolean;
  /** Whether search_schema is offered: not where the gateway hides its schema (INTROSPECTION=false). */
  schemaSearch?: boolean;
}

export interface Toolset {
  readonly tools: readonly ToolDescription[];
  has(name: string): boolean;
  call(name: string, args: unknown, executor: GraphQLExecutor): Promise<{ result: ToolResult; outcome: ToolOutcome }>;
}

/** Codes for which a hint says what to do next. */
const HINTS: Record<string, string> = {
  UNAUTHENTICATED: 'Send a valid token: the Authorization header of the MCP request (HTTP), or JUDGIFY_TOKEN (stdio).',
  FORBIDDEN: 'Your roles do not allow this; the agent can do only what its user can.',
  PERSISTED_QUERY_REQUIRED: 'This gateway runs only trusted documents: use the operation tools (list_workflows, get_workflow, …), which send registered documents.',
  RATE_LIMITED: 'Your budget for this operation is spent; wait and try again.',
  GRAPHQL_VALIDATION_FAILED: 'Use search_schema to find the types, fields and arguments that exist.',
};

function textResult(text: string, isError = false): ToolResult {
  return { content: [{ type: 'text', text }], ...(isError ? { isError: true } : {}) };
}

function errorLine(error: GraphQLErrorResult): string {
  const code = error.extensions?.code ?? 'INTERNAL_SERVER_ERROR';
  const path = error.path?.length ? ` (at ${error.path.join('.')})` : '';
  return `${code}: ${error.message}${path}`;
}

/** The GraphQL errors as a tool error's text, each with its code, and a hint for the first that has one. */
function describeErrors(errors: GraphQLErrorResult[]): string {
  const lines = errors.slice(0, 10).map(errorLine);
  if (errors.length > 10) lines.push(`and ${errors.length - 10} more errors`);
  const hint = errors.map((error) => HINTS[error.extensions?.code ?? '']).find(Boolean);
  return [...lines, ...(hint ? [hint] : [])].join('\n');
}

/**
 * Cuts text to the budget, with a note saying how much there was and how to ask for less.
 * The note is inside the budget, so the result never exceeds it.
 */
export function truncate(text: string, maxChars: number, narrow: string): string {
  if (text.length <= maxChars) return text;
  const note = `\n\n[Truncated: the result is ${text.length.toLocaleString('en-US')} characters, over this server's budget of ${maxChars.toLocaleString('en-US')} (MCP_MAX_RESULT_CHARS); the text above is cut and is no longer valid JSON. ${narrow}]`;
  return `${text.slice(0, Math.max(0, maxChars - note.length))}${note}`;
}

const NARROW_OPERATION = 'Ask for fewer items (a smaller "first"), page with "after", or filter; or use run_query to select only the fields you need.';
const NARROW_QUERY = 'Select fewer fields, ask for fewer items ("first"), page with "after", or add a filter.';

/** Answers with the result, or a tool error carrying the gateway's messages and codes. */
function responseResult(response: GraphQLResponse, options: { unwrap?: string[]; notFound?: string }): { result: ToolResult; outcome: ToolOutcome } {
  const { data, errors } = response;
  const roots = data ? Object.values(data) : [];
  if (errors?.length && (!data || roots.every((value) => value === null))) {
    const refused = errors.some((error) => ['UNAUTHENTICATED', 'FORBIDDEN', 'PERSISTED_QUERY_REQUIRED', 'RATE_LIMITED'].includes(error.extensions?.code ?? ''));
    return { result: textResult(describeErrors(errors), true), outcome: refused ? 'refused' : 'graphql_error' };
  }
  if (!errors?.length && options.notFound && roots.length === 1 && roots[0] === null) {
    return { result: textResult(`NOT_FOUND: ${options.notFound}`, true), outcome: 'graphql_error' };
  }
  const value = options.unwrap?.length === 1 && data && !errors?.length ? data[options.unwrap[0]!] : data;
  const payload = errors?.length ? { data, errors: errors.map(errorLine) } : value;
  return { result: textResult(JSON.stringify(payload ?? null)), outcome: 'ok' };
}

const invalidArguments = (tool: string, problems: string[]) =>
  new ToolError('BAD_USER_INPUT', `The arguments do not match ${tool}'s input schema:\n${problems.map((problem) => `- ${problem}`).join('\n')}`);

interface ToolImplementation extends ToolDescription {
  check: ArgumentCheck;
  run(args: Record<string, unknown>, executor: GraphQLExecutor): Promise<{ result: ToolResult; outcome: ToolOutcome }>;
}

const notFoundMessage = (operation: ToolOperation, args: Record<string, unknown>) => {
  const [field] = operation.rootFields;
  const given = Object.entries(args)
    .map(([name, value]) => `${name}: ${JSON.stringify(value)}`)
    .join(', ');
  return `${field}(${given}) is null: there is none with these arguments in your tenant (or it was deleted).`;
};

function operationTool(operation: ToolOperation, options: ToolsetOptions): ToolImplementation {
  const title = operation.tool.replace(/_/g, ' ').replace(/^./, (first) => first.toUpperCase());
  const readOnly = operation.type === 'query';
  return {
    name: operation.tool,
    title,
    description: operation.description,
    inputSchema: operation.inputSchema,
    annotations: { title, readOnlyHint: readOnly, destructiveHint: false, idempotentHint: readOnly, openWorldHint: false },
    check: new ArgumentCheck(operation.inputSchema),
    async run(args, executor) {
      const byText = { query: operation.body, operationName: operation.operationName, variables: args };
      let response = await executor.execute(options.documentsAsText ? byText : { documentId: operation.documentId, operationName: operation.operationName, variables: args });
      // A gateway with persisted documents off, or whose manifest predates this operation, gets the text.
      const code = response.errors?.[0]?.extensions?.code;
      if (!options.documentsAsText && !response.data && (code === 'PERSISTED_QUERY_NOT_FOUND' || (code === 'BAD_REQUEST' && /TRUSTED_DOCUMENTS=off/.test(response.errors?.[0]?.message ?? '')))) {
        response = await executor.execute(byText);
      }
      const { result, outcome } = responseResult(response, { unwrap: operation.rootFields, notFound: readOnly ? notFoundMessage(operation, args) : undefined });
      if (!result.isError) result.content[0]!.text = truncate(result.content[0]!.text, options.maxResultChars, NARROW_OPERATION);
      return { result, outcome };
    },
  };
}

const SEARCH_SCHEMA: ObjectJsonSchema = {
  type: 'object',
  properties: {
    query: { type: 'string', description: 'A word or part of a name to look for in type names, field names and descriptions (case-insensitive), e.g. "workflow", "confidence", "dashboard".' },
    limit: { type: 'integer', minimum: 1, maximum: MAX_SEARCH_LIMIT, default: 15, description: `Types to show at most, 1–${MAX_SEARCH_LIMIT}.` },
  },
  required: ['query'],
  additionalProperties: false,
};

function searchSchemaTool(options: ToolsetOptions): ToolImplementation {
  return {
    name: 'search_schema',
    title: 'Search schema',
    description:
      "Search the supergraph's types and fields by name or description. Answers compact SDL-like lines: each type with its kind and a short description, then its fields' signatures (arguments and types). Use it before run_query.",
    inputSchema: SEARCH_SCHEMA,
    annotations: { title: 'Search schema', readOnlyHint: true, destructiveHint: false, idempotentHint: true, openWorldHint: false },
    check: new ArgumentCheck(SEARCH_SCHEMA),
    async run(args) {
      const query = String(args.query);
      if (!query.trim()) throw invalidArguments('search_schema', ['"query" must not be empty: give a word to look for']);
      const text = searchSchema(options.schema, query, typeof args.limit === 'number' ? args.limit : 15);
      return { result: textResult(truncate(text, options.maxResultChars, 'Search a longer or more exact name, or lower "limit".')), outcome: 'ok' };
    },
  };
}

const RUN_QUERY: ObjectJsonSchema = {
  type: 'object',
  properties: {
    query: { type: 'string', description: 'A GraphQL document with one query operation (or several, with operationName), valid against the supergraph.' },
    variables: { type: ['object', 'null'], description: "The operation's variables, as a JSON object." },
    operationName: { type: ['string', 'null'], description: 'Which operation of the document to run, when it holds more than one.' },
  },
  required: ['query'],
  additionalProperties: false,
};

const location = (error: GraphQLError) => (error.locations?.[0] ? ` (line ${error.locations[0].line}, column ${error.locations[0].column})` : '');

function runQueryTool(options: ToolsetOptions): ToolImplementation {
  return {
    name: 'run_query',
    title: 'Run query',
    description: `Validate a GraphQL query against the supergraph and run it as you (your tenant and roles). ${
      options.allowMutations ? 'Mutations are allowed on this server.' : 'Read-only: mutations are refused on this server (MCP_ALLOW_MUTATIONS is off).'
    } Subscriptions are not supported. Find fields with search_schema.`,
    inputSchema: RUN_QUERY,
    annotations: { title: 'Run query', readOnlyHint: !options.allowMutations, destructiveHint: options.allowMutations, idempotentHint: false, openWorldHint: false },
    check: new ArgumentCheck(RUN_QUERY),
    async run(args, executor) {
      const query = String(args.query);
      const operationName = typeof args.operationName === 'string' ? args.operationName : undefined;
      const variables = (args.variables ?? {}) as Record<string, unknown>;
      let document: DocumentNode;
      try {
        document = parse(query, { maxTokens: 20_000 });
      } catch (error) {
        const reason = error instanceof GraphQLError ? `${error.message}${location(error)}` : String(error);
        throw new ToolError('GRAPHQL_PARSE_FAILED', `"query" is not a GraphQL document: ${reason}`);
      }
      const problems = validate(options.schema, document);
      if (problems.length) {
        const lines = problems.slice(0, 10).map((problem) => `- ${problem.message}${location(problem)}`);
        throw new ToolError('GRAPHQL_VALIDATION_FAILED', `"query" does not validate against the supergraph:\n${lines.join('\n')}\n${HINTS.GRAPHQL_VALIDATION_FAILED}`);
      }
      const operation = getOperationAST(document, operationName);
      if (!operation) {
        throw new ToolError(
          'BAD_USER_INPUT',
          operationName ? `"operationName" names no operation of the document: there is none called ${operationName}.` : 'The document holds several operations: name the one to run in "operationName".',
        );
      }
      if (operation.operation === 'subscription') {
        throw new ToolError('OPERATION_NOT_SUPPORTED', 'run_query runs queries; a subscription streams events and cannot answer one tool call. Subscribe over the gateway\'s GraphQL endpoint (graphql-ws or SSE) instead.');
      }
      if (operation.operation === 'mutation' && !options.allowMutations) {
        throw new ToolError(
          'MUTATIONS_DISABLED',
          `run_query is read-only on this server: mutation${operation.name ? ` ${operation.name.value}` : ''} was not run. Use the platform's tools for changes (execute_judgment, record_feedback, generate_view), or ask the operator to set MCP_ALLOW_MUTATIONS=true.`,
        );
      }
      // graphql-js's own coercion, as the gateway will do it: each problem names the variable.
      const coerced = getVariableValues(options.schema, operation.variableDefinitions ?? [], variables, { maxErrors: 5 });
      if (coerced.errors?.length) {
        throw new ToolError('BAD_USER_INPUT', `"variables" do not fit the operation's variable definitions:\n${coerced.errors.map((problem) => `- ${problem.message}`).join('\n')}`);
      }
      const response = await executor.execute({ query, operationName, variables });
      const { result, outcome } = responseResult(response, {});
      if (!result.isError) result.content[0]!.text = truncate(result.content[0]!.text, options.maxResultChars, NARROW_QUERY);
      return { result, outcome };
    },
  };
}

/** The platform's operation tools and the generic ones, one layer both transports serve. */
export function createToolset(options: ToolsetOptions): Toolset {
  const implementations = [...options.operations.map((operation) => operationTool(operation, options)), ...(options.schemaSearch === false ? [] : [searchSchemaTool(options)]), runQueryTool(options)];
  const byName = new Map(implementations.map((tool) => [tool.name, tool]));
  const tools = implementations.map(({ name, title, description, inputSchema, annotations }) => ({ name, title, description, inputSchema, annotations }));
  return {
    tools,
    has: (name) => byName.has(name),
    async call(name, args, executor) {
      const tool = byName.get(name);
      if (!tool) throw new ToolError('NOT_FOUND', `There is no tool "${name}". The tools are: ${[...byName.keys()].join(', ')}.`);
      const given = args ?? {};
      try {
        const problems = tool.check.check(given);
        if (problems) throw invalidArguments(name, problems);
        return await tool.run(given as Record<string, unknown>, executor);
      } catch (error) {
        if (!(error instanceof ToolError)) throw error;
        const outcome: ToolOutcome =
          error.code === 'BAD_USER_INPUT' || error.code.startsWith('GRAPHQL_') ? 'invalid_arguments' : error.code === 'DOWNSTREAM_SERVICE_ERROR' ? 'unavailable' : 'refused';
        return { result: textResult(`${error.code}: ${error.message}`, true), outcome };
      }
    },
  };
}
