import { readFileSync } from 'node:fs';
import { Supergraph } from '@apollo/federation-internals';
import { buildSchema, parse, type OperationDefinitionNode } from 'graphql';
import { describe, expect, it } from 'vitest';
import { inputTypeSchema, variablesSchema } from './json-schema.ts';
import { loadToolOperations } from './operations.ts';

const supergraph = Supergraph.build(readFileSync(new URL('../../../supergraph.graphql', import.meta.url), 'utf8')).apiSchema().toGraphQLJSSchema();
const operationOf = (text: string) => parse(text).definitions[0] as OperationDefinitionNode;

describe('variables → JSON Schema', () => {
  it('maps scalars, enums, lists and input objects, with required fields, defaults and descriptions from the schema', () => {
    const schema = buildSchema(`
      scalar DateTime
      scalar JSON
      "How hard to look."
      enum Depth { "On the surface." SHALLOW DEEP }
      "What to find."
      input Search {
        "Words to look for."
        text: String!
        tags: [String!]
        since: DateTime
        depth: Depth = SHALLOW
        extra: JSON
      }
      type Query {
        find(
          "The search."
          search: Search!
          "Page size."
          first: Int = 10
          ratio: Float
          exact: Boolean!
          ids: [ID!]!
        ): [String!]!
      }
    `);
    const operation = operationOf('query Find($search: Search!, $first: Int = 5, $ratio: Float, $exact: Boolean!, $ids: [ID!]!) { find(search: $search, first: $first, ratio: $ratio, exact: $exact, ids: $ids) }');
    expect(variablesSchema(schema, operation)).toEqual({
      type: 'object',
      properties: {
        search: {
          type: 'object',
          description: 'The search.',
          properties: {
            text: { type: 'string', description: 'Words to look for.' },
            tags: { type: ['array', 'null'], items: { type: 'string' } },
            since: { type: ['string', 'null'], format: 'date-time' },
            depth: { type: ['string', 'null'], enum: ['SHALLOW', 'DEEP', null], description: 'How hard to look. · SHALLOW: On the surface.', default: 'SHALLOW' },
            extra: {},
          },
          required: ['text'],
          additionalProperties: false,
        },
        first: { type: ['integer', 'null'], description: 'Page size.', default: 5 },
        ratio: { type: ['number', 'null'] },
        exact: { type: 'boolean' },
        ids: { type: 'array', items: { type: 'string' } },
      },
      required: ['search', 'exact', 'ids'],
      additionalProperties: false,
    });
  });

  it('describes a variable by the input field it fills, and an undocumented id by what its field returns', () => {
    const search = operationOf('query S($name: String!, $id: ID!) { workflows(filter: { nameContains: $name }) { id } workflow(id: $id) { id } }');
    const { properties } = variablesSchema(supergraph, search);
    expect(properties.name).toEqual({ type: 'string', description: 'Case-insensitive part of the name.' });
    expect(properties.id).toEqual({ type: 'string', description: 'The id of the Workflow.' });
  });

  it('describes a recursive input type once, not forever', () => {
    const schema = buildSchema('input Node { value: Int!, next: Node } type Query { walk(node: Node!): Int }');
    const node = inputTypeSchema(schema.getType('Node') as never);
    expect(node.properties?.next).toEqual({ type: ['object', 'null'], description: 'A Node (the same shape as its enclosing one).' });
  });

  it('on another supergraph, leaves out the tools it cannot run and says which and why, or refuses to start without a way to report them', () => {
    const other = buildSchema('type Query { workflows(first: Int): [Workflow!]! } type Workflow { id: ID! name: String! }');
    const problems: string[] = [];
    const operations = loadToolOperations(other, { skip: (problem) => problems.push(problem) });
    expect(operations.map((operation) => operation.tool)).not.toContain('execute_judgment');
    expect(problems).toContainEqual(expect.stringMatching(/^gateway\/operations\/mcp-execute-judgment\.graphql: /));
    expect(problems.length + operations.length).toBe(loadToolOperations(supergraph).length);
    expect(() => loadToolOperations(other)).toThrow(/gateway\/operations\/mcp-[a-z-]+\.graphql: /);
  });

  it('gives every platform MCP operation a schema from the supergraph', () => {
    const operations = loadToolOperations(supergraph);
    expect(operations.map((operation) => operation.tool)).toEqual([
      'execute_judgment',
      'explain_execution',
      'generate_view',
      'get_workflow',
      'list_dashboards',
      'list_workflows',
      'record_feedback',
      'run_dashboard',
      'search_workflows',
    ]);
    const execute = operations.find((operation) => operation.tool === 'execute_judgment')!;
    expect(execute.description).toMatch(/^Decide one record with a workflow/);
    expect(execute.documentId).toMatch(/^sha256:[0-9a-f]{64}$/);
    expect(execute.inputSchema.properties.input).toMatchObject({
      type: 'object',
      required: ['workflowId', 'inputData'],
      additionalProperties: false,
      properties: { workflowId: { type: 'string' }, method: { enum: ['RULE', 'LLM', 'HYBRID', null], default: 'HYBRID' } },
    });
  });
});
