import { createSchema, createYoga } from 'graphql-yoga';
import { describe, expect, it } from 'vitest';
import { documentNesting, documentProblem, MAX_DOCUMENT_NESTING, MAX_VARIABLE_DEPTH, useInputGuards, variablesProblem } from './use-input-guards.ts';

const nested = (depth: number) => {
  let value: unknown = 'leaf';
  for (let level = 0; level < depth; level++) value = { next: value };
  return value;
};

describe('input guards', () => {
  it('accepts ordinary variables', () => {
    expect(variablesProblem({ input: { name: '온도 감시', tags: ['a', 'b'], nested: nested(10) } })).toBeUndefined();
  });

  it('refuses NUL characters in values and keys', () => {
    expect(variablesProblem({ name: 'a\u0000b' })).toBe('Text must not contain the NUL character (\\u0000).');
    expect(variablesProblem({ ['k\u0000']: 1 })).toBe('Text must not contain the NUL character (\\u0000).');
  });

  it('refuses variables nested too deeply without overflowing the stack itself', () => {
    expect(variablesProblem({ deep: nested(MAX_VARIABLE_DEPTH - 2) })).toBeUndefined();
    expect(variablesProblem({ deep: nested(100_000) })).toBe(`Variables are nested more than ${MAX_VARIABLE_DEPTH} levels deep.`);
  });

  it('answers 400 with BAD_USER_INPUT through yoga, for variables and inline text', async () => {
    const yoga = createYoga({
      logging: false,
      schema: createSchema({ typeDefs: 'type Query { echo(text: String): String }', resolvers: { Query: { echo: (_: unknown, { text }: { text: string }) => text } } }),
      plugins: [useInputGuards()],
    });
    const ask = (body: object) =>
      yoga.fetch('http://x/graphql', { method: 'POST', headers: { 'content-type': 'application/json', accept: 'application/graphql-response+json' }, body: JSON.stringify(body) });
    const inVariables = await ask({ query: 'query($t: String) { echo(text: $t) }', variables: { t: 'x\u0000' } });
    expect(inVariables.status).toBe(400);
    expect((await inVariables.json()).errors[0]).toMatchObject({ extensions: { code: 'BAD_USER_INPUT' } });
    const inline = await ask({ query: '{ echo(text: "x\\u0000") }' });
    expect(inline.status).toBe(400);
    expect(await (await ask({ query: '{ echo(text: "fine") }' })).json()).toEqual({ data: { echo: 'fine' } });
  });

  it('measures how deeply a document nests without parsing it, ignoring brackets in strings and comments', () => {
    expect(documentNesting('{ a { b(x: [1, {y: 2}]) } }')).toBe(5);
    expect(documentNesting('{ a(x: "{{{{ ((( [[[") }')).toBe(2);
    expect(documentNesting('{ a(x: """ {{{ \\""" {{{ """) }')).toBe(2);
    expect(documentNesting('# {{{{{{\n{ a }')).toBe(1);
    expect(documentNesting('{ a'.repeat(100_000))).toBe(MAX_DOCUMENT_NESTING + 1);
    expect(documentProblem('{ a'.repeat(3000))).toEqual({ code: 'BAD_REQUEST', message: `Document nests more than ${MAX_DOCUMENT_NESTING} levels of "{", "(" or "[": no operation needs that many.` });
    expect(documentProblem('{ a { b } }')).toBeUndefined();
  });

  it('answers a document of 3,000 unclosed selections with a 400 naming the limit, not a stack overflow', async () => {
    const yoga = createYoga({ logging: false, schema: createSchema({ typeDefs: 'type Query { a: String }' }), plugins: [useInputGuards()] });
    const response = await yoga.fetch('http://x/graphql', {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'application/graphql-response+json' },
      body: JSON.stringify({ query: '{ a'.repeat(3000) }),
    });
    expect(response.status).toBe(400);
    expect((await response.json()).errors[0]).toMatchObject({ extensions: { code: 'BAD_REQUEST' }, message: expect.stringContaining('nests more than 64 levels') });
  });
});
