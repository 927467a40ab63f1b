import { describe, expect, it } from 'vitest';
import {
  createIdentityMinter,
  createIdentityVerifier,
  hasRole,
  mintForwardedIdentity,
  verifyForwardedIdentity,
  type Identity,
} from './identity.ts';

const secret = 'a'.repeat(32);
const alice: Identity = { userId: 'alice', tenantId: 'acme', roles: ['operator'] };

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
    const token = await mintForwardedIdentity(alice, secret);
    expect(await verifyForwardedIdentity(token, secret)).toEqual({ ok: true, identity: alice, expiresAt: expect.any(Number) });
  });

  it('is refused when signed with another secret', async () => {
    const token = await mintForwardedIdentity(alice, 'b'.repeat(32));
    expect(await verifyForwardedIdentity(token, secret)).toEqual({ ok: false, reason: 'forwarded identity signature is invalid' });
  });

  it('is refused once expired', async () => {
    const token = await mintForwardedIdentity(alice, secret, -10);
    expect(await verifyForwardedIdentity(token, secret)).toEqual({ ok: false, reason: 'forwarded identity has expired' });
  });

  it('is refused when tampered with', async () => {
    const token = await mintForwardedIdentity(alice, secret);
    const [header, , signature] = token.split('.');
    const forgedPayload = Buffer.from(JSON.stringify({ sub: 'alice', tid: 'other', roles: ['admin'] })).toString('base64url');
    const result = await verifyForwardedIdentity(`${header}.${forgedPayload}.${signature}`, secret);
    expect(result.ok).toBe(false);
  });
});

describe('cached minting and verification', () => {
  it('reuses one token per user, tenant and roles', async () => {
    const mint = createIdentityMinter(secret);
    const first = await mint(alice);
    expect(await mint({ ...alice })).toBe(first);
    expect(await mint({ ...alice, roles: ['viewer'] })).not.toBe(first);
    expect(await mint({ ...alice, tenantId: 'globex' })).not.toBe(first);
  });

  it('trusts a verified token until it expires, and never caches a refusal', async () => {
    const verify = createIdentityVerifier(secret);
    const token = await mintForwardedIdentity(alice, secret);
    expect(await verify(token)).toMatchObject({ ok: true, identity: alice });
    expect(await verify(token)).toMatchObject({ ok: true, identity: alice });
    const forged = await mintForwardedIdentity(alice, 'b'.repeat(32));
    expect(await verify(forged)).toEqual({ ok: false, reason: 'forwarded identity signature is invalid' });
    const expired = await mintForwardedIdentity(alice, secret, -1);
    expect(await verify(expired)).toEqual({ ok: false, reason: 'forwarded identity has expired' });
  });
});
