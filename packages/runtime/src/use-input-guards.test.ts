import { createSchema, createYoga } from 'graphql-yoga';
import { describe, expect, it } from 'vitest';
import { MAX_VARIABLE_DEPTH, useInputGuards, variablesProblem } from './use-input-guards.ts';

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
});
