import { createSchema, createYoga } from 'graphql-yoga';
import { describe, expect, it } from 'vitest';
import { isSimpleRequest, useCsrfPrevention } from './use-csrf-prevention.ts';

const yoga = createYoga({
  logging: false,
  graphiql: { title: 'explorer' },
  schema: createSchema({ typeDefs: 'type Query { ok: Boolean } type Mutation { act: Boolean }', resolvers: { Query: { ok: () => true }, Mutation: { act: () => true } } }),
  plugins: [useCsrfPrevention()],
});

const post = (contentType: string | undefined, body: string, headers: Record<string, string> = {}) =>
  yoga.fetch('http://gateway/graphql', { method: 'POST', headers: { ...(contentType ? { 'content-type': contentType } : {}), ...headers }, body });

describe('CSRF prevention', () => {
  it('tells simple requests (sendable cross-site without a preflight) from the rest', () => {
    const request = (method: string, contentType?: string) => new Request('http://x/graphql', { method, headers: contentType ? { 'content-type': contentType } : {} });
    expect(isSimpleRequest(request('GET'))).toBe(true);
    expect(isSimpleRequest(request('POST'))).toBe(true);
    expect(isSimpleRequest(request('POST', 'text/plain;charset=UTF-8'))).toBe(true);
    expect(isSimpleRequest(request('POST', 'application/x-www-form-urlencoded'))).toBe(true);
    expect(isSimpleRequest(request('POST', 'multipart/form-data; boundary=x'))).toBe(true);
    expect(isSimpleRequest(request('POST', 'application/json'))).toBe(false);
    expect(isSimpleRequest(request('POST', 'application/graphql-response+json'))).toBe(false);
  });

  it('refuses a GET or a form or text POST without a preflight-forcing header, with 403 and what to do', async () => {
    const get = await yoga.fetch(`http://gateway/graphql?query=${encodeURIComponent('{ ok }')}`, { headers: { accept: 'application/json' } });
    expect(get.status).toBe(403);
    const [error] = (await get.json()).errors;
    expect(error.extensions.code).toBe('CSRF_PREVENTED');
    expect(error.message).toContain('add a non-empty "apollo-require-preflight" header');
    const text = await post('text/plain', JSON.stringify({ query: 'mutation { act }' }));
    expect(text.status).toBe(403);
    expect((await post('application/x-www-form-urlencoded', 'query=mutation%20%7B%20act%20%7D')).status).toBe(403);
    expect((await post(undefined, JSON.stringify({ query: 'mutation { act }' }))).status).toBe(403);
  });

  it('lets JSON POSTs, requests with the header and the explorer page through', async () => {
    expect(await (await post('application/json', JSON.stringify({ query: 'mutation { act }' }))).json()).toEqual({ data: { act: true } });
    for (const header of ['apollo-require-preflight', 'x-apollo-operation-name', 'x-graphql-yoga-csrf']) {
      const get = await yoga.fetch(`http://gateway/graphql?query=${encodeURIComponent('{ ok }')}`, { headers: { [header]: '1', accept: 'application/json' } });
      expect(await get.json(), header).toEqual({ data: { ok: true } });
    }
    const page = await yoga.fetch('http://gateway/graphql', { headers: { accept: 'text/html' } });
    expect(page.status).toBe(200);
    expect(await page.text()).toContain('explorer');
  });
});
