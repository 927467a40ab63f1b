import { createPrivateKey, createPublicKey, generateKeyPairSync, type KeyObject } from 'node:crypto';
import { calculateJwkThumbprint, createLocalJWKSet, createRemoteJWKSet, type JSONWebKeySet, type JWK, type JWTVerifyGetKey } from 'jose';

/**
 * The gateway's signing key: Ed25519 (EdDSA) or P-256 (ES256). Only gateways hold it; subgraphs
 * verify forwarded identities with its public half, so no subgraph can mint one.
 */
export interface GatewayKey {
  /** The RFC 7638 thumbprint of the public key: tokens name the key they were signed with. */
  kid: string;
  alg: 'EdDSA' | 'ES256';
  privateKey: KeyObject;
  publicJwk: JWK;
}

export const FORWARDED_IDENTITY_ALGORITHMS = ['EdDSA', 'ES256'];

/** A fresh Ed25519 private key as PKCS#8 PEM (embedded mode and tests; `openssl genpkey -algorithm ed25519` does the same). */
export function generateGatewayKeyPem(): string {
  return generateKeyPairSync('ed25519').privateKey.export({ format: 'pem', type: 'pkcs8' }) as string;
}

function privateKeyFrom(text: string): KeyObject {
  const trimmed = text.trim();
  if (trimmed.startsWith('{')) return createPrivateKey({ key: JSON.parse(trimmed) as JWK & { kty: string }, format: 'jwk' });
  return createPrivateKey(trimmed);
}

/** Reads a private key given as PKCS#8 PEM or as a JWK; throws a message naming what is wrong. */
export async function loadGatewayKey(text: string): Promise<GatewayKey> {
  let privateKey: KeyObject;
  try {
    privateKey = privateKeyFrom(text);
  } catch (error) {
    throw new Error(`not a private key in PKCS#8 PEM or JWK form (${error instanceof Error ? error.message : String(error)})`);
  }
  const type = privateKey.asymmetricKeyType;
  const curve = privateKey.asymmetricKeyDetails?.namedCurve;
  const alg = type === 'ed25519' ? 'EdDSA' : type === 'ec' && curve === 'prime256v1' ? 'ES256' : undefined;
  if (!alg) throw new Error(`an Ed25519 or P-256 key is required; got ${type}${curve ? ` (${curve})` : ''}`);
  const jwk = createPublicKey(privateKey).export({ format: 'jwk' }) as JWK;
  const kid = await calculateJwkThumbprint(jwk);
  return { kid, alg, privateKey, publicJwk: { ...jwk, kid, alg, use: 'sig' } };
}

/** The public keys subgraphs verify with, as served on the gateway's `/.well-known/jwks.json`. */
export function publicKeySet(keys: readonly GatewayKey[]): JSONWebKeySet {
  return { keys: keys.map((key) => key.publicJwk) };
}

/**
 * Reads public keys given inline: a JWKS (`{"keys":[…]}`), one JWK, or one or more PEM public
 * keys. Several keys are how rotation works: the current one and the previous one.
 */
export async function parsePublicKeys(text: string): Promise<JSONWebKeySet> {
  const trimmed = text.trim();
  if (trimmed.startsWith('{')) {
    const parsed = JSON.parse(trimmed) as JSONWebKeySet | JWK;
    const keys = 'keys' in parsed && Array.isArray(parsed.keys) ? parsed.keys : [parsed as JWK];
    if (!keys.length) throw new Error('the key set has no keys');
    return { keys: await Promise.all(keys.map(async (jwk) => ({ ...jwk, kid: jwk.kid ?? (await calculateJwkThumbprint(jwk)) }))) };
  }
  const pems = trimmed.match(/-----BEGIN PUBLIC KEY-----[\s\S]+?-----END PUBLIC KEY-----/g);
  if (!pems) throw new Error('expected a JWKS, a JWK or PEM public keys ("-----BEGIN PUBLIC KEY-----")');
  return {
    keys: await Promise.all(
      pems.map(async (pem) => {
        const jwk = createPublicKey(pem).export({ format: 'jwk' }) as JWK;
        return { ...jwk, kid: await calculateJwkThumbprint(jwk) };
      }),
    ),
  };
}

/** Where a subgraph finds the gateway's public keys: a key set it was given, or the gateway's JWKS route. */
export type GatewayKeySource = { jwks: JSONWebKeySet } | { jwksUrl: string };

export function verificationKeys(source: GatewayKeySource): JWTVerifyGetKey {
  if ('jwks' in source) return createLocalJWKSet(source.jwks);
  // A token naming a key not yet seen (a rotation) refetches the set, at most every 30 s.
  return createRemoteJWKSet(new URL(source.jwksUrl), { cooldownDuration: 30_000, cacheMaxAge: 10 * 60_000, timeoutDuration: 5_000 });
}
