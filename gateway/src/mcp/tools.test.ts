import { freePort } from '@judgify/runtime/free-port';
import { createSchema, createYoga } from 'graphql-yoga';
import { describe, expect, it } from 'vitest';
import { createExecutor } from './executor.ts';
import { toolOperation } from './operations.ts';
import { createToolset, truncate } from './tools.ts';

/** A small real GraphQL server: the tool layer runs against it as it runs against the gateway. */
const yoga = createYoga({
  schema: createSchema({
    typeDefs: `
      type Item { id: ID!, name: String! }
      type Query { item(id: ID!): Item, items(first: Int = 2): [Item!]!, secret: String }
      type Mutation { rename(id: ID!, name: String!): Item }
      type Subscription { renamed: Item }
    `,
    resolvers: {
      Query: {
        item: (_: unknown, { id }: { id: string }) => (id === '1' ? { id, name: 'one' } : null),
        items: (_: unknown, { first }: { first: number }) => Array.from({ length: first }, (_, index) => ({ id: String(index), name: `item ${index}` })),
        secret: () => {
          throw Object.assign(new Error('no'), {});
        },
      },
      Mutation: { rename: (_: unknown, { id, name }: { id: string; name: string }) => ({ id, name }) },
    },
  }),
  logging: false,
});
const { schema } = yoga.getEnveloped();
const executor = createExecutor({ url: 'http://test/graphql', fetch: (request) => yoga.fetch(request) });
const operations = [
  toolOperation(schema, 'mcp-get-item.graphql', '# One item.\nquery GetItem($id: ID!) { item(id: $id) { id name } }\n'),
  toolOperation(schema, 'mcp-list-items.graphql', '# Some items.\nquery ListItems($first: Int = 2) { items(first: $first) { id name } }\n'),
];
const toolset = (overrides: { allowMutations?: boolean; maxResultChars?: number; schemaSearch?: boolean } = {}) =>
  createToolset({ schema, operations, allowMutations: false, maxResultChars: 20_000, documentsAsText: true, ...overrides });
const text = (result: { content: Array<{ text: string }> }) => result.content[0]!.text;

describe('the MCP tool layer', () => {
  it('describes each operation as a tool, with its comment and a schema from its variables', () => {
    const [getItem] = toolset().tools;
    expect(getItem).toMatchObject({
      name: 'get_item',
      description: 'One item.',
      inputSchema: { type: 'object', properties: { id: { type: 'string', description: 'The id of the Item.' } }, required: ['id'], additionalProperties: false },
      annotations: { readOnlyHint: true },
    });
    expect(toolset().tools.map((tool) => tool.name)).toEqual(['get_item', 'list_items', 'search_schema', 'run_query']);
  });

  it('offers no schema search where the gateway hides its schema (INTROSPECTION=false)', () => {
    expect(toolset({ schemaSearch: false }).tools.map((tool) => tool.name)).toEqual(['get_item', 'list_items', 'run_query']);
  });

  it('runs an operation and answers its root field as JSON; a missing entity is a NOT_FOUND tool error', async () => {
    expect(await toolset().call('get_item', { id: '1' }, executor)).toEqual({ result: { content: [{ type: 'text', text: '{"id":"1","name":"one"}' }] }, outcome: 'ok' });
    const missing = await toolset().call('get_item', { id: '9' }, executor);
    expect(missing.result.isError).toBe(true);
    expect(text(missing.result)).toBe('NOT_FOUND: item(id: "9") is null: there is none with these arguments in your tenant (or it was deleted).');
  });

  it('refuses arguments that do not match before anything runs', async () => {
    const { result, outcome } = await toolset().call('list_items', { first: 'many', colour: 1 }, executor);
    expect(outcome).toBe('invalid_arguments');
    expect(text(result)).toBe(
      'BAD_USER_INPUT: The arguments do not match list_items\'s input schema:\n- "colour" is not an argument here; expected only first\n- "first" must be an integer, got "many"',
    );
  });

  it('runs read-only queries with run_query and refuses mutations unless allowed', async () => {
    const read = await toolset().call('run_query', { query: 'query($n: Int) { items(first: $n) { name } }', variables: { n: 1 } }, executor);
    expect(text(read.result)).toBe('{"items":[{"name":"item 0"}]}');
    const mutation = await toolset().call('run_query', { query: 'mutation Rename { rename(id: "1", name: "x") { name } }' }, executor);
    expect(mutation.outcome).toBe('refused');
    expect(text(mutation.result)).toMatch(/^MUTATIONS_DISABLED: run_query is read-only on this server: mutation Rename was not run\./);
    const subscription = await toolset({ allowMutations: true }).call('run_query', { query: 'subscription { renamed { id } }' }, executor);
    expect(text(subscription.result)).toMatch(/^OPERATION_NOT_SUPPORTED: run_query runs queries; a subscription streams events/);
    const allowed = await toolset({ allowMutations: true }).call('run_query', { query: 'mutation { rename(id: "1", name: "x") { name } }' }, executor);
    expect(text(allowed.result)).toBe('{"rename":{"name":"x"}}');
  });

  it('says why a query does not parse or validate, and what its variables should be', async () => {
    expect(text((await toolset().call('run_query', { query: '{ items {' }, executor)).result)).toMatch(/^GRAPHQL_PARSE_FAILED: "query" is not a GraphQL document: Syntax Error: .* \(line 1, column 10\)$/);
    expect(text((await toolset().call('run_query', { query: '{ items { nam } }' }, executor)).result)).toMatch(/^GRAPHQL_VALIDATION_FAILED: .*Cannot query field "nam" on type "Item"\. Did you mean "name"\? \(line 1, column 11\)/s);
    expect(text((await toolset().call('run_query', { query: 'query($n: Int!) { items(first: $n) { id } }' }, executor)).result)).toBe(
      'BAD_USER_INPUT: "variables" do not fit the operation\'s variable definitions:\n- Variable "$n" of required type "Int!" was not provided.',
    );
  });

  it('turns GraphQL errors into tool errors with their code', async () => {
    const { result, outcome } = await toolset().call('run_query', { query: '{ secret }' }, executor);
    expect(outcome).toBe('graphql_error');
    expect(result.isError).toBe(true);
    expect(text(result)).toBe('INTERNAL_SERVER_ERROR: Unexpected error. (at secret)');
  });

  it('truncates an oversized result with a note, within the budget', async () => {
    const { result } = await toolset({ maxResultChars: 1000 }).call('list_items', { first: 200 }, executor);
    expect(text(result)).toHaveLength(1000);
    expect(text(result)).toMatch(/\[Truncated: the result is [\d,]+ characters, over this server's budget of 1,000 \(MCP_MAX_RESULT_CHARS\).*smaller "first".*\]$/s);
    expect(truncate('short', 1000, '')).toBe('short');
  });

  it('says plainly when the gateway cannot be reached', async () => {
    const port = await freePort();
    const offline = createExecutor({ url: `http://127.0.0.1:${port}/graphql`, fetch: (request) => fetch(request), unreachable: (reason) => `Cannot reach the gateway (${reason}).` });
    const { result, outcome } = await toolset().call('get_item', { id: '1' }, offline);
    expect(outcome).toBe('unavailable');
    expect(text(result)).toBe(`DOWNSTREAM_SERVICE_ERROR: Cannot reach the gateway (connect ECONNREFUSED 127.0.0.1:${port}).`);
  });
});
