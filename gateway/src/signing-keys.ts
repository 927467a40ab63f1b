import { loadGatewayKey, type GatewayKey } from '@judgify/runtime/gateway-keys';

export interface SigningKeys {
  /** Signs every forwarded identity and delegation grant. */
  current: GatewayKey;
  /** Published and accepted during a rotation, never used to sign. */
  previous?: GatewayKey;
}

async function load(text: string, variable: string): Promise<GatewayKey> {
  try {
    return await loadGatewayKey(text);
  } catch (error) {
    throw new Error(`${variable}: ${error instanceof Error ? error.message : String(error)}`);
  }
}

/**
 * Rotation: make a new key the current one and the old one the previous; subgraphs (through the
 * JWKS route, or given both public keys) accept either, so tokens minted just before the switch
 * stay valid for their few minutes. Drop the previous key once they have expired.
 */
export async function loadSigningKeys(config: { signingKey: string; previousSigningKey?: string }): Promise<SigningKeys> {
  const current = await load(config.signingKey, 'GATEWAY_SIGNING_KEY');
  const previous = config.previousSigningKey ? await load(config.previousSigningKey, 'GATEWAY_PREVIOUS_SIGNING_KEY') : undefined;
  if (previous?.kid === current.kid) throw new Error('GATEWAY_PREVIOUS_SIGNING_KEY is the same key as GATEWAY_SIGNING_KEY');
  return { current, previous };
}
