import { generateGatewayKeyPem, loadGatewayKey } from '@judgify/runtime/gateway-keys';
import type { Identity } from '@judgify/runtime/identity';
import { describe, expect, it } from 'vitest';
import { createDelegation, MAX_DELEGATION_DEPTH } from './delegation.ts';

const current = await loadGatewayKey(generateGatewayKeyPem());
const previous = await loadGatewayKey(generateGatewayKeyPem());
const operator: Identity = { userId: 'otto', tenantId: 'acme', roles: ['operator'] };

function at(now: number, keys = [current, previous]) {
  return createDelegation({ keys, ttlSeconds: 60, now: () => now });
}

const refusal = (run: () => unknown) => {
  try {
    run();
  } catch (error) {
    return error as Error & { extensions: Record<string, unknown> };
  }
  throw new Error('expected a refusal');
};

describe('delegation grants', () => {
  it('let the subgraph they were minted for act as the user, naming itself and the request', () => {
    const delegation = at(1_000_000);
    const grant = delegation.mint(operator, 'bi', 'req-1');
    expect(delegation.accept(grant, null)).toEqual({
      identity: { ...operator, via: ['bi'] },
      onBehalfOf: 'req-1',
      expiresAt: 1_000_000 + 60_000,
    });
  });

  it('expire a short while after the request, never later than the grant a delegated request came with', () => {
    const grant = at(0).mint(operator, 'chat', 'req-1');
    expect(at(59_999).accept(grant, null).identity.userId).toBe('otto');
    const late = refusal(() => at(72_000).accept(grant, null));
    expect(late.message).toBe(
      "Delegated call refused: the delegation grant expired 12 s ago. A service may act for a user only while, or shortly after, serving that user's request.",
    );
    expect(late.extensions).toMatchObject({ code: 'UNAUTHENTICATED' });
    // Chat's call reaches bi, which gets a grant of its own: it ends when chat's does.
    const chained = at(30_000).mint({ ...operator, via: ['chat'] }, 'bi', 'req-1', 60_000);
    expect(at(30_000).accept(chained, null)).toMatchObject({ identity: { via: ['chat', 'bi'] }, expiresAt: 60_000 });
  });

  it('are refused when forged, altered, or minted by a gateway key this one does not hold', async () => {
    const grant = at(0).mint(operator, 'bi', 'req-1');
    const [format, kid, payload, mac] = grant.split('.');
    const widened = Buffer.from(JSON.stringify({ ...JSON.parse(Buffer.from(payload!, 'base64url').toString()), tid: 'globex', roles: ['admin'] })).toString('base64url');
    expect(refusal(() => at(0).accept([format, kid, widened, mac].join('.'), null)).message).toBe(
      'Delegated call refused: the delegation grant is invalid: it was not minted by this gateway, or it was altered.',
    );
    const stranger = createDelegation({ keys: [await loadGatewayKey(generateGatewayKeyPem())], ttlSeconds: 60, now: () => 0 });
    expect(refusal(() => at(0).accept(stranger.mint(operator, 'bi', 'req-1'), null)).message).toBe(
      'Delegated call refused: the delegation grant was minted with a key this gateway does not hold (rotated out, or forged).',
    );
    const sameKid = createDelegation({ keys: [{ ...(await loadGatewayKey(generateGatewayKeyPem())), kid: current.kid }], ttlSeconds: 60, now: () => 0 });
    expect(refusal(() => at(0).accept(sameKid.mint(operator, 'bi', 'req-1'), null)).message).toMatch(/it was not minted by this gateway, or it was altered/);
    for (const garbage of ['', 'jd1', 'jd1.a.b', 'x.y.z.w', `jd1.${current.kid}.not-json.${mac}`]) {
      expect(refusal(() => at(0).accept(garbage, null)).extensions.code, garbage).toBe('UNAUTHENTICATED');
    }
  });

  it('minted with the previous key stay valid during a rotation', () => {
    const beforeRotation = createDelegation({ keys: [previous], ttlSeconds: 60, now: () => 0 });
    expect(at(0).accept(beforeRotation.mint(operator, 'learning', 'req-9'), null).identity.via).toEqual(['learning']);
  });

  it('can narrow the roles a call acts with, never widen them', () => {
    const admin: Identity = { userId: 'ada', tenantId: 'acme', roles: ['admin'] };
    const delegation = at(0);
    expect(delegation.accept(delegation.mint(admin, 'chat', 'r'), 'viewer').identity.roles).toEqual(['viewer']);
    const wider = refusal(() => delegation.accept(delegation.mint(operator, 'chat', 'r'), 'operator,admin'));
    expect(wider.message).toBe(
      "Delegated call refused: a delegation can narrow the user's roles but never widen them; the user holds [operator], the call asked for [operator, admin].",
    );
    expect(wider.extensions).toMatchObject({ code: 'FORBIDDEN', http: { status: 403 } });
    expect(refusal(() => delegation.accept(delegation.mint(operator, 'chat', 'r'), 'root')).extensions.code).toBe('FORBIDDEN');
    expect(refusal(() => delegation.accept(delegation.mint(operator, 'chat', 'r'), '')).extensions.code).toBe('FORBIDDEN');
  });

  it(`stop a call that has come through more than ${MAX_DELEGATION_DEPTH} services (a loop)`, () => {
    const delegation = at(0);
    const deep = delegation.mint({ ...operator, via: ['bi', 'bi', 'bi'] }, 'bi', 'r');
    expect(refusal(() => delegation.accept(deep, null)).message).toBe(
      `Delegated call refused: it came through bi → bi → bi → bi, deeper than ${MAX_DELEGATION_DEPTH} services; a delegated call may not loop back on itself.`,
    );
  });
});
