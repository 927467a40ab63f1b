import { jwtVerify } from 'jose';
import { afterEach, describe, expect, it, vi } from 'vitest';
import {
  audienceOf,
  createIdentityMinter,
  createIdentityVerifier,
  hasRole,
  mintForwardedIdentity,
  verifyForwardedIdentity,
  type Identity,
} from './identity.ts';

vi.mock('jose', async (importOriginal) => {
  const actual = await importOriginal<typeof import('jose')>();
  return { ...actual, jwtVerify: vi.fn(actual.jwtVerify) };
});

const secret = 'a'.repeat(32);
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
    const token = await mintForwardedIdentity(alice, secret, workflow);
    expect(await verifyForwardedIdentity(token, secret, workflow)).toEqual({ ok: true, identity: alice, expiresAt: expect.any(Number) });
  });

  it('is refused when signed with another secret', async () => {
    const token = await mintForwardedIdentity(alice, 'b'.repeat(32), workflow);
    expect(await verifyForwardedIdentity(token, secret, workflow)).toEqual({ ok: false, reason: 'forwarded identity signature is invalid' });
  });

  it('is refused by a subgraph it was not minted for', async () => {
    const token = await mintForwardedIdentity(alice, secret, audienceOf('judgment'));
    expect(await verifyForwardedIdentity(token, secret, workflow)).toEqual({
      ok: false,
      reason: 'forwarded identity was minted for another subgraph',
    });
  });

  it('is refused once expired', async () => {
    const token = await mintForwardedIdentity(alice, secret, workflow, -10);
    expect(await verifyForwardedIdentity(token, secret, workflow)).toEqual({ ok: false, reason: 'forwarded identity has expired' });
  });

  it('is refused when tampered with', async () => {
    const token = await mintForwardedIdentity(alice, secret, workflow);
    const [header, , signature] = token.split('.');
    const forgedPayload = Buffer.from(JSON.stringify({ sub: 'alice', tid: 'other', roles: ['admin'] })).toString('base64url');
    const result = await verifyForwardedIdentity(`${header}.${forgedPayload}.${signature}`, secret, workflow);
    expect(result.ok).toBe(false);
  });
});

describe('cached minting and verification', () => {
  it('reuses one token per subgraph, user, tenant and roles', async () => {
    const mint = createIdentityMinter(secret);
    const first = await mint(alice, 'workflow');
    expect(await mint({ ...alice }, 'workflow')).toBe(first);
    expect(await mint(alice, 'judgment')).not.toBe(first);
    expect(await mint({ ...alice, roles: ['viewer'] }, 'workflow')).not.toBe(first);
    expect(await mint({ ...alice, tenantId: 'globex' }, 'workflow')).not.toBe(first);
  });

  it('verifies a token once and trusts it until it expires', async () => {
    vi.useFakeTimers({ toFake: ['Date'] });
    const verify = createIdentityVerifier(secret, workflow);
    const token = await mintForwardedIdentity(alice, secret, workflow, 60);
    expect(await verify(token)).toMatchObject({ ok: true, identity: alice });
    expect(await verify(token)).toMatchObject({ ok: true, identity: alice });
    expect(jwtVerify).toHaveBeenCalledTimes(1);

    vi.setSystemTime(Date.now() + 61_000);
    expect(await verify(token)).toEqual({ ok: false, reason: 'forwarded identity has expired' });
    expect(jwtVerify).toHaveBeenCalledTimes(2);
  });

  it('never caches a refusal', async () => {
    const verify = createIdentityVerifier(secret, workflow);
    const forged = await mintForwardedIdentity(alice, 'b'.repeat(32), workflow);
    expect(await verify(forged)).toEqual({ ok: false, reason: 'forwarded identity signature is invalid' });
    expect(await verify(forged)).toEqual({ ok: false, reason: 'forwarded identity signature is invalid' });
    expect(jwtVerify).toHaveBeenCalledTimes(2);
  });
});
