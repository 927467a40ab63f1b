import { createSchema, createYoga } from 'graphql-yoga';
import { describe, expect, it } from 'vitest';
import { audienceOf, IDENTITY_HEADER, mintForwardedIdentity } from './identity.ts';
import { identities, TEST_INTERNAL_SECRET } from './testing/index.ts';
import { forwardedIdentityOf, useForwardedIdentity } from './use-forwarded-identity.ts';

const yoga = createYoga({
  logging: false,
  schema: createSchema({
    typeDefs: 'type Query { me: String! }',
    resolvers: { Query: { me: (_root: unknown, _args: unknown, context: { request: Request }) => forwardedIdentityOf(context.request).userId } },
  }),
  plugins: [useForwardedIdentity({ secret: TEST_INTERNAL_SECRET, audience: audienceOf('test') })],
});

const ask = (headers: Record<string, string>) =>
  yoga.fetch('http://subgraph/graphql', {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: JSON.stringify({ query: '{ me }' }),
  });

describe('gateway-only access', () => {
  it('hands the verified identity to resolvers', async () => {
    const response = await ask({ [IDENTITY_HEADER]: await mintForwardedIdentity(identities.acmeViewer, TEST_INTERNAL_SECRET, audienceOf('test')) });
    expect(await response.json()).toEqual({ data: { me: 'vera' } });
  });

  it('refuses a request without the forwarded identity with 401', async () => {
    const response = await ask({});
    expect(response.status).toBe(401);
    const body = await response.json();
    expect(body.errors[0].extensions.code).toBe('UNAUTHENTICATED');
    expect(body.errors[0].message).toContain('only answers requests forwarded by the Judgify gateway');
  });

  it('refuses an identity minted with another secret, or expired, with 403 and the reason', async () => {
    const forged = await ask({ [IDENTITY_HEADER]: await mintForwardedIdentity(identities.acmeAdmin, 'another-secret-of-sufficient-length', audienceOf('test')) });
    expect(forged.status).toBe(403);
    expect((await forged.json()).errors[0].message).toBe('Request refused: forwarded identity signature is invalid.');
    const expired = await ask({ [IDENTITY_HEADER]: await mintForwardedIdentity(identities.acmeAdmin, TEST_INTERNAL_SECRET, audienceOf('test'), -5) });
    expect(expired.status).toBe(403);
    expect((await expired.json()).errors[0].message).toBe('Request refused: forwarded identity has expired.');
  });

  it('guards every path yoga could route to GraphQL, not only /graphql', async () => {
    for (const path of ['/graphql/', '//graphql', '/x?a=/graphql', '/graphql?query={me}']) {
      const response = await yoga.fetch(`http://subgraph${path}`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ query: '{ me }' }),
      });
      expect(response.status, path).toBe(401);
    }
  });

  it('leaves the probe routes open', async () => {
    const response = await yoga.fetch('http://subgraph/health');
    expect(response.status).toBe(200);
  });
});
