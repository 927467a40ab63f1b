import { createSchema, createYoga } from 'graphql-yoga';
import { describe, expect, it } from 'vitest';
import { mintForwardedIdentity } from './forwarded-identity.ts';
import { generateGatewayKeyPem, loadGatewayKey } from './gateway-keys.ts';
import { audienceOf, DELEGATION_HEADER, IDENTITY_HEADER } from './identity.ts';
import { identities, testGatewayKey, testGatewayKeys } from './testing/index.ts';
import { forwardedRequestOf, useForwardedIdentity } from './use-forwarded-identity.ts';

const yoga = createYoga({
  logging: false,
  schema: createSchema({
    typeDefs: 'type Query { me: String! grant: String }',
    resolvers: {
      Query: {
        me: (_root: unknown, _args: unknown, context: { request: Request }) => forwardedRequestOf(context.request).identity.userId,
        grant: (_root: unknown, _args: unknown, context: { request: Request }) => forwardedRequestOf(context.request).delegation ?? null,
      },
    },
  }),
  plugins: [useForwardedIdentity({ keys: testGatewayKeys, audience: audienceOf('test') })],
});

const ask = (headers: Record<string, string>, query = '{ me }') =>
  yoga.fetch('http://subgraph/graphql', {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: JSON.stringify({ query }),
  });

describe('gateway-only access', () => {
  it('hands the verified identity, and the delegation grant that came with it, to resolvers', async () => {
    const identity = await mintForwardedIdentity(identities.acmeViewer, testGatewayKey, audienceOf('test'));
    const response = await ask({ [IDENTITY_HEADER]: identity, [DELEGATION_HEADER]: 'jd1.grant' }, '{ me grant }');
    expect(await response.json()).toEqual({ data: { me: 'vera', grant: 'jd1.grant' } });
  });

  it('refuses a request without the forwarded identity with 401', async () => {
    const response = await ask({});
    expect(response.status).toBe(401);
    const body = await response.json();
    expect(body.errors[0].extensions.code).toBe('UNAUTHENTICATED');
    expect(body.errors[0].message).toContain('only answers requests forwarded by the Judgify gateway');
  });

  it('refuses an identity minted with another key, or expired, with 403 and the reason', async () => {
    const otherKey = await loadGatewayKey(generateGatewayKeyPem());
    const forged = await ask({ [IDENTITY_HEADER]: await mintForwardedIdentity(identities.acmeAdmin, otherKey, audienceOf('test')) });
    expect(forged.status).toBe(403);
    expect((await forged.json()).errors[0].message).toBe('Request refused: forwarded identity was signed by a key this subgraph does not know.');
    const expired = await ask({ [IDENTITY_HEADER]: await mintForwardedIdentity(identities.acmeAdmin, testGatewayKey, audienceOf('test'), -5) });
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
