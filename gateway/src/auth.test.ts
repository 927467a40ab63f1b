import { exportJWK, generateKeyPair, jwtVerify, SignJWT } from 'jose';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { Registry } from '@judgify/runtime/metrics';
import { testGatewayKey } from '@judgify/runtime/testing';
import { callerIdentifier } from './app.ts';
import { authenticationAttempts, createAuthenticator, refusalOf } from './auth.ts';
import { createDelegation } from './delegation.ts';

vi.mock('jose', async (importOriginal) => {
  const actual = await importOriginal<typeof import('jose')>();
  return { ...actual, jwtVerify: vi.fn(actual.jwtVerify) };
});

afterEach(() => {
  vi.useRealTimers();
  vi.mocked(jwtVerify).mockClear();
});

const secret = 's'.repeat(40);
const sign = (claims: Record<string, unknown>, key: Uint8Array = new TextEncoder().encode(secret), expiresIn = '5m') =>
  new SignJWT(claims).setProtectedHeader({ alg: 'HS256' }).setIssuedAt().setExpirationTime(expiresIn).sign(key);

const reason = async (promise: Promise<unknown>) => {
  try {
    await promise;
  } catch (error) {
    return { message: (error as Error).message, code: (error as { extensions?: { code?: string } }).extensions?.code };
  }
  throw new Error('expected authentication to fail');
};

describe('JWT authentication', () => {
  const auth = createAuthenticator({ jwtSecret: secret });

  it('maps sub, tenant_id and roles to an identity, dropping unknown roles', async () => {
    const token = await sign({ sub: 'ada', tenant_id: 'acme', roles: ['admin', 'superuser'] });
    expect(await auth.authenticate(`Bearer ${token}`)).toEqual({ userId: 'ada', tenantId: 'acme', roles: ['admin'] });
  });

  it.each([
    ['no header', undefined, 'Authentication required: send "Authorization: Bearer <JWT>".'],
    ['another scheme', 'Basic YWRhOnB3', 'Malformed Authorization header: expected "Bearer <JWT>".'],
    ['a non-JWT', 'Bearer not-a-jwt', 'Token is malformed.'],
  ])('refuses %s', async (_case, header, message) => {
    expect(await reason(auth.authenticate(header))).toEqual({ message, code: 'UNAUTHENTICATED' });
  });

  it('refuses expired, wrongly signed and claim-less tokens with the reason', async () => {
    const claims = { sub: 'ada', tenant_id: 'acme', roles: ['admin'] };
    expect((await reason(auth.authenticate(`Bearer ${await sign(claims, undefined, '-1m')}`))).message).toBe('Token has expired: sign in again.');
    expect((await reason(auth.authenticate(`Bearer ${await sign(claims, new TextEncoder().encode('x'.repeat(40)))}`))).message).toBe(
      'Token signature is invalid.',
    );
    expect((await reason(auth.authenticate(`Bearer ${await sign({ sub: 'ada', roles: [] })}`))).message).toBe(
      'Token rejected: token has no "tenant_id" claim.',
    );
    expect((await reason(auth.authenticate(`Bearer ${await sign({ ...claims, sub: '@shared-subscription' })}`))).message).toBe(
      'Token rejected: token "sub" must not start with "@" (reserved for the gateway).',
    );
    const eternal = await new SignJWT(claims).setProtectedHeader({ alg: 'HS256' }).sign(new TextEncoder().encode(secret));
    expect((await reason(auth.authenticate(`Bearer ${eternal}`))).message).toBe('Token rejected: missing required "exp" claim.');
  });

  it('verifies a token once, then trusts it until it expires', async () => {
    vi.useFakeTimers({ toFake: ['Date'] });
    const cached = createAuthenticator({ jwtSecret: secret });
    const token = await sign({ sub: 'ada', tenant_id: 'acme', roles: ['admin'] }, undefined, '60s');
    await cached.authenticate(`Bearer ${token}`);
    expect(await cached.authenticate(`Bearer ${token}`)).toEqual({ userId: 'ada', tenantId: 'acme', roles: ['admin'] });
    expect(jwtVerify).toHaveBeenCalledTimes(1);
    vi.setSystemTime(Date.now() + 61_000);
    expect((await reason(cached.authenticate(`Bearer ${token}`))).message).toBe('Token has expired: sign in again.');
    expect(jwtVerify).toHaveBeenCalledTimes(2);
  });

  it('acts as the documented development identity when no key is configured', async () => {
    const dev = createAuthenticator({});
    expect(dev.verifiesTokens).toBe(false);
    expect(await dev.authenticate(undefined)).toEqual({ userId: 'dev', tenantId: 'dev', roles: ['admin'] });
  });

  it('verifies RS256 tokens against a JWKS endpoint', async () => {
    const { publicKey, privateKey } = await generateKeyPair('RS256');
    const jwk = { ...(await exportJWK(publicKey)), kid: 'k1', alg: 'RS256', use: 'sig' };
    const server = createServer((_req, res) => res.end(JSON.stringify({ keys: [jwk] })));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    try {
      const jwks = createAuthenticator({ jwksUrl: `http://127.0.0.1:${(server.address() as AddressInfo).port}/jwks.json` });
      const token = await new SignJWT({ sub: 'otto', tenant_id: 'acme', roles: ['operator'] })
        .setProtectedHeader({ alg: 'RS256', kid: 'k1' })
        .setExpirationTime('5m')
        .sign(privateKey);
      expect(await jwks.authenticate(`Bearer ${token}`)).toEqual({ userId: 'otto', tenantId: 'acme', roles: ['operator'] });
      const hsToken = await sign({ sub: 'otto', tenant_id: 'acme', roles: [] });
      expect((await reason(jwks.authenticate(`Bearer ${hsToken}`))).message).toBe('Token uses an algorithm this gateway does not accept.');
    } finally {
      server.close();
    }
  });
});

describe('authentication_attempts_total and the verified-token cache', () => {
  const counts = async (registry: Registry, name: string) =>
    Object.fromEntries(((await registry.getSingleMetricAsString(name)).match(/\{[^}]*\} \d+/g) ?? []).map((line) => [line.replace(/ \d+$/, ''), Number(line.split(' ').at(-1))]));

  it('names why a token was refused', async () => {
    const auth = createAuthenticator({ jwtSecret: secret });
    const refusal = async (header: string | undefined) => refusalOf(await auth.authenticate(header).catch((error: unknown) => error));
    const claims = { sub: 'ada', tenant_id: 'acme', roles: ['admin'] };
    expect(await refusal(undefined)).toBe('missing');
    expect(await refusal('Basic YWRhOnB3')).toBe('malformed');
    expect(await refusal(`Bearer ${await sign(claims, undefined, '-1m')}`)).toBe('expired');
    expect(await refusal(`Bearer ${await sign(claims, new TextEncoder().encode('x'.repeat(40)))}`)).toBe('invalid');
    expect(await refusal('Bearer not-a-jwt')).toBe('invalid');
  });

  it('counts each request once, however many plugins ask who it is, and each token-cache lookup', async () => {
    const registry = new Registry();
    const attempts = authenticationAttempts(registry);
    const auth = createAuthenticator({ jwtSecret: secret, registry });
    const identify = callerIdentifier(auth, createDelegation({ keys: [testGatewayKey], ttlSeconds: 60 }), (result) => attempts.inc({ result }));
    const token = await sign({ sub: 'ada', tenant_id: 'acme', roles: ['admin'] });
    const request = (headers: Record<string, string>) => new Request('http://gateway/graphql', { method: 'POST', headers });
    const signedIn = request({ authorization: `Bearer ${token}` });
    await Promise.all([identify(signedIn), identify(signedIn)]);
    await identify(request({ authorization: `Bearer ${token}` }));
    await identify(request({})).catch(() => undefined);
    await identify(request({ authorization: 'Bearer nope' })).catch(() => undefined);
    await identify(request({ 'x-judgify-delegation': 'forged' })).catch(() => undefined);
    await new Promise((resolve) => setImmediate(resolve));
    expect(await counts(registry, 'authentication_attempts_total')).toEqual({
      '{result="success"}': 2,
      '{result="missing"}': 1,
      '{result="invalid"}': 1,
      '{result="delegation_refused"}': 1,
    });
    expect(await counts(registry, 'cache_requests_total')).toEqual({
      '{cache="verified_tokens",result="hit"}': 1,
      '{cache="verified_tokens",result="miss"}': 2,
    });
  });

  it('counts the development identity as such', async () => {
    const registry = new Registry();
    const attempts = authenticationAttempts(registry);
    const identify = callerIdentifier(createAuthenticator({}), createDelegation({ keys: [testGatewayKey], ttlSeconds: 60 }), (result) => attempts.inc({ result }));
    await identify(new Request('http://gateway/graphql'));
    await new Promise((resolve) => setImmediate(resolve));
    expect(await counts(registry, 'authentication_attempts_total')).toEqual({ '{result="development"}': 1 });
  });
});
