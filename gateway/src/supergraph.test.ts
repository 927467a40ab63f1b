import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { CompositionError, composeSupergraph } from './supergraph.ts';

const link = 'extend schema @link(url: "https://specs.apollo.dev/federation/v2.6", import: ["@key"])';

function project(files: Record<string, string>): string {
  const dir = mkdtempSync(join(tmpdir(), 'judgify-compose-'));
  for (const [name, content] of Object.entries(files)) writeFileSync(join(dir, name), content);
  return join(dir, 'supergraph.yaml');
}

const yaml = (subgraphs: string[]) =>
  `federation_version: =2.14.4\nsubgraphs:\n${subgraphs
    .map((name) => `  ${name}:\n    routing_url: http://${name}:4000/graphql\n    schema:\n      file: ./${name}.graphql\n`)
    .join('')}`;

function compositionProblems(configPath: string): string[] {
  try {
    composeSupergraph(configPath);
  } catch (error) {
    if (error instanceof CompositionError) return error.problems;
    throw error;
  }
  throw new Error('composition unexpectedly succeeded');
}

describe('supergraph composition', () => {
  it('composes subgraph schema files into a supergraph with routing URLs', () => {
    const config = project({
      'supergraph.yaml': yaml(['orders', 'people']),
      'orders.graphql': `${link}\ntype Order @key(fields: "id") { id: ID! buyer: Person! }\ntype Person @key(fields: "id", resolvable: false) { id: ID! }\ntype Query { order(id: ID!): Order }`,
      'people.graphql': `${link}\ntype Person @key(fields: "id") { id: ID! name: String! }\ntype Query { me: Person }`,
    });
    const sdl = composeSupergraph(config);
    expect(sdl).toContain('ORDERS @join__graph(name: "orders", url: "http://orders:4000/graphql")');
    expect(sdl).toContain('PEOPLE @join__graph(name: "people", url: "http://people:4000/graphql")');
  });

  it('applies routing URL overrides', () => {
    const config = project({
      'supergraph.yaml': yaml(['people']),
      'people.graphql': `${link}\ntype Query { me: String }`,
    });
    expect(composeSupergraph(config, { people: 'http://10.0.0.7:9000/graphql' })).toContain('url: "http://10.0.0.7:9000/graphql"');
  });

  it('names the subgraphs and type when their definitions conflict', () => {
    const config = project({
      'supergraph.yaml': yaml(['orders', 'people']),
      'orders.graphql': `${link}\ntype Person @key(fields: "id") { id: ID! age: Int }\ntype Query { a: Person }`,
      'people.graphql': `${link}\ntype Person @key(fields: "id") { id: ID! age: String }\ntype Query { b: Person }`,
    });
    const problems = compositionProblems(config);
    expect(problems.join('\n')).toMatch(/Person\.age/);
    expect(problems.join('\n')).toMatch(/"orders"/);
    expect(problems.join('\n')).toMatch(/"people"/);
  });

  it('names the subgraph whose schema file is missing or does not parse', () => {
    const config = project({
      'supergraph.yaml': yaml(['orders', 'people']),
      'orders.graphql': 'type Query { broken(: }',
    });
    const problems = compositionProblems(config);
    expect(problems).toHaveLength(2);
    expect(problems[0]).toMatch(/^\[orders\] .*orders\.graphql: Syntax Error/);
    expect(problems[1]).toMatch(/^\[people\] .*people\.graphql: ENOENT/);
  });

  it('explains a malformed supergraph.yaml', () => {
    const config = project({ 'supergraph.yaml': 'federation_version: 2\nsubgraphs:\n  orders:\n    routing_url: not a url\n' });
    const problems = compositionProblems(config);
    expect(problems.join('\n')).toContain('subgraphs.orders.routing_url');
    expect(problems.join('\n')).toContain('subgraphs.orders.schema');
  });
});
