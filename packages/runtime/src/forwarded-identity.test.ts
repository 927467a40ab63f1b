import { jwtVerify } from 'jose';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { createIdentityMinter, createIdentityVerifier, mintForwardedIdentity, verifyForwardedIdentity } from './forwarded-identity.ts';
import { generateGatewayKeyPem, loadGatewayKey, parsePublicKeys, publicKeySet, verificationKeys } from './gateway-keys.ts';
import { audienceOf, hasRole, type Identity } from './identity.ts';

vi.mock('jose', async (importOriginal) => {
  const actual = await importOriginal<typeof import('jose')>();
  return { ...actual, jwtVerify: vi.fn(actual.jwtVerify) };
});

const key = await loadGatewayKey(generateGatewayKeyPem());
const other = await loadGatewayKey(generateGatewayKeyPem());
const keys = verificationKeys({ jwks: publicKeySet([key]) });
const workflow = audienceOf('workflow');
const alice: Identity = { userId: 'alice', tenantId: 'acme', roles: ['operator'] };

afterEach(() => {
  vi.useRealTimers();
  vi.mocked(jwtVerify).mockClear();
});

describe('roles', () => {
  it('are cumulative from viewer to admin', () => {
    expect(hasRole(alice, 'viewer')).toBe(true);
    expect(hasRole(alice, 'operator')).toBe(true);
    expect(hasRole(alice, 'admin')).toBe(false);
    expect(hasRole({ ...alice, roles: [] }, 'viewer')).toBe(false);
  });
});

describe('forwarded identity', () => {
  it('round-trips user, tenant and roles', async () => {
    const token = await mintForwardedIdentity(alice, key, workflow);
    expect(await verifyForwardedIdentity(token, keys, workflow)).toEqual({ ok: true, identity: alice, expiresAt: expect.any(Number) });
  });

  it('is refused when signed with a key the subgraph was not given', async () => {
    const token = await mintForwardedIdentity(alice, other, workflow);
    expect(await verifyForwardedIdentity(token, keys, workflow)).toEqual({ ok: false, reason: 'forwarded identity was signed by a key this subgraph does not know' });
  });

  it('is refused when it claims a known key but was signed by another (a subgraph forging one)', async () => {
    const token = await mintForwardedIdentity(alice, { ...other, kid: key.kid }, workflow);
    expect(await verifyForwardedIdentity(token, keys, workflow)).toEqual({ ok: false, reason: 'forwarded identity signature is invalid' });
  });

  it('is refused when signed with an HMAC over the public key (algorithm confusion)', async () => {
    const { SignJWT } = await import('jose');
    const forged = await new SignJWT({ tid: 'acme', roles: ['admin'] })
      .setProtectedHeader({ alg: 'HS256', kid: key.kid })
      .setSubject('mallory')
      .setIssuer('judgify-gateway')
      .setAudience(workflow)
      .setExpirationTime('5m')
      .sign(new TextEncoder().encode(JSON.stringify(key.publicJwk)));
    expect((await verifyForwardedIdentity(forged, keys, workflow)).ok).toBe(false);
  });

  it('carries the services a delegated call came through', async () => {
    const delegated = { ...alice, via: ['chat', 'bi'] };
    const token = await mintForwardedIdentity(delegated, key, workflow);
    expect(await verifyForwardedIdentity(token, keys, workflow)).toMatchObject({ ok: true, identity: delegated });
  });

  it('is refused by a subgraph it was not minted for', async () => {
    const token = await mintForwardedIdentity(alice, key, audienceOf('judgment'));
    expect(await verifyForwardedIdentity(token, keys, workflow)).toEqual({
      ok: false,
      reason: 'forwarded identity was minted for another subgraph',
    });
  });

  it('is refused once expired', async () => {
    const token = await mintForwardedIdentity(alice, key, workflow, -10);
    expect(await verifyForwardedIdentity(token, keys, workflow)).toEqual({ ok: false, reason: 'forwarded identity has expired' });
  });

  it('is refused when tampered with', async () => {
    const token = await mintForwardedIdentity(alice, key, workflow);
    const [header, , signature] = token.split('.');
    const forgedPayload = Buffer.from(JSON.stringify({ sub: 'alice', tid: 'other', roles: ['admin'] })).toString('base64url');
    const result = await verifyForwardedIdentity(`${header}.${forgedPayload}.${signature}`, keys, workflow);
    expect(result.ok).toBe(false);
  });
});

describe('key rotation', () => {
  it('accepts tokens of the current and the previous key while both are published, and neither once dropped', async () => {
    const previous = other;
    const both = verificationKeys({ jwks: publicKeySet([key, previous]) });
    for (const signer of [key, previous]) {
      expect((await verifyForwardedIdentity(await mintForwardedIdentity(alice, signer, workflow), both, workflow)).ok).toBe(true);
    }
    const currentOnly = verificationKeys({ jwks: publicKeySet([key]) });
    expect((await verifyForwardedIdentity(await mintForwardedIdentity(alice, previous, workflow), currentOnly, workflow)).ok).toBe(false);
  });

  it('reads public keys as PEM, a JWK or a JWKS, and P-256 keys as well as Ed25519', async () => {
    const { createPublicKey, generateKeyPairSync } = await import('node:crypto');
    const p256 = await loadGatewayKey(generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey.export({ format: 'pem', type: 'pkcs8' }) as string);
    expect(p256.alg).toBe('ES256');
    const pems = [key, p256].map((held) => createPublicKey(held.privateKey).export({ format: 'pem', type: 'spki' })).join('\n');
    for (const given of [pems, JSON.stringify(publicKeySet([key, p256]))]) {
      const set = verificationKeys({ jwks: await parsePublicKeys(given) });
      for (const signer of [key, p256]) expect((await verifyForwardedIdentity(await mintForwardedIdentity(alice, signer, workflow), set, workflow)).ok).toBe(true);
    }
    await expect(parsePublicKeys('not a key')).rejects.toThrow(/expected a JWKS, a JWK or PEM public keys/);
    await expect(loadGatewayKey('-----BEGIN PRIVATE KEY-----\nnope\n-----END PRIVATE KEY-----')).rejects.toThrow(/not a private key/);
    const rsa = generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey.export({ format: 'pem', type: 'pkcs8' }) as string;
    await expect(loadGatewayKey(rsa)).rejects.toThrow('an Ed25519 or P-256 key is required; got rsa');
  });
});

describe('cached minting and verification', () => {
  it('reuses one token per subgraph, user, tenant, roles and delegation path', async () => {
    const mint = createIdentityMinter(key);
    const first = await mint(alice, 'workflow');
    expect(await mint({ ...alice }, 'workflow')).toBe(first);
    expect(await mint(alice, 'judgment')).not.toBe(first);
    expect(await mint({ ...alice, roles: ['viewer'] }, 'workflow')).not.toBe(first);
    expect(await mint({ ...alice, tenantId: 'globex' }, 'workflow')).not.toBe(first);
    expect(await mint({ ...alice, via: ['learning'] }, 'workflow')).not.toBe(first);
  });

  it('verifies a token once and trusts it until it expires', async () => {
    vi.useFakeTimers({ toFake: ['Date'] });
    const verify = createIdentityVerifier(keys, workflow);
    const token = await mintForwardedIdentity(alice, key, workflow, 60);
    expect(await verify(token)).toMatchObject({ ok: true, identity: alice });
    expect(await verify(token)).toMatchObject({ ok: true, identity: alice });
    expect(jwtVerify).toHaveBeenCalledTimes(1);

    vi.setSystemTime(Date.now() + 61_000);
    expect(await verify(token)).toEqual({ ok: false, reason: 'forwarded identity has expired' });
    expect(jwtVerify).toHaveBeenCalledTimes(2);
  });

  it('never caches a refusal', async () => {
    const verify = createIdentityVerifier(keys, workflow);
    const forged = await mintForwardedIdentity(alice, { ...other, kid: key.kid }, workflow);
    expect(await verify(forged)).toEqual({ ok: false, reason: 'forwarded identity signature is invalid' });
    expect(await verify(forged)).toEqual({ ok: false, reason: 'forwarded identity signature is invalid' });
    expect(jwtVerify).toHaveBeenCalledTimes(2);
  });
});
