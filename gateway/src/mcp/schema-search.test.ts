import { buildSchema } from 'graphql';
import { describe, expect, it } from 'vitest';
import { searchSchema, shortDescription } from './schema-search.ts';

const schema = buildSchema(`
  "A decision described as a graph. It has nodes."
  type Workflow {
    id: ID!
    "Share of executions that succeeded, 0–1; null before the first."
    successRate: Float
    executions(first: Int = 20, after: String): [Execution!]!
  }
  type Execution { id: ID!, decision: String!, "0–1." confidence: Float! }
  enum Verdict { CORRECT INCORRECT }
  input WorkflowFilter { "Case-insensitive part of the name." nameContains: String }
  type Query {
    "A workflow of your tenant."
    workflow(id: ID!): Workflow
    workflows(first: Int = 20, filter: WorkflowFilter): [Workflow!]!
    executions: [Execution!]!
  }
`);

describe('schema search', () => {
  it('lists a matching type with all its fields, and other types with only their matching fields, exact names first', () => {
    expect(searchSchema(schema, 'workflow')).toBe(
      [
        'type Workflow — A decision described as a graph.',
        '  id: ID!',
        '  successRate: Float — Share of executions that succeeded, 0–1; null before the first.',
        '  executions(first: Int = 20, after: String): [Execution!]!',
        '',
        'input WorkflowFilter',
        '  nameContains: String — Case-insensitive part of the name.',
        '',
        'type Query',
        '  workflow(id: ID!): Workflow — A workflow of your tenant.',
        '  workflows(first: Int = 20, filter: WorkflowFilter): [Workflow!]!',
      ].join('\n'),
    );
  });

  it('finds fields by description and enum values by name', () => {
    expect(searchSchema(schema, 'succeeded')).toBe('type Workflow — A decision described as a graph.\n  successRate: Float — Share of executions that succeeded, 0–1; null before the first.');
    expect(searchSchema(schema, 'incorrect')).toBe('enum Verdict\n  INCORRECT');
  });

  it('caps the types shown and says how many more matched', () => {
    const text = searchSchema(schema, 'i', 2);
    expect(text.split('\n\n')).toHaveLength(3);
    expect(text).toMatch(/\n\n2 of \d+ matching types shown\. Narrow the search/);
  });

  it('says so when nothing matches', () => {
    expect(searchSchema(schema, 'zebra')).toMatch(/^No type or field matches "zebra"/);
  });

  it('keeps descriptions to their first sentence on one line', () => {
    expect(shortDescription('One line.\n  Then more.')).toBe('One line.');
    expect(shortDescription('x'.repeat(300))).toHaveLength(140);
  });
});
