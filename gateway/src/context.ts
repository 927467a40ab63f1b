import type { Identity } from '@judgify/runtime/identity';
import type { Logger } from '@judgify/runtime/logger';

export interface GatewayContext {
  identity?: Identity;
  /** When the caller's token expires (ms since the epoch); none in development-identity mode. */
  tokenExpiresAt?: number;
  requestId?: string;
  log?: Logger;
  /** On a delegated call: the request id of the user's request it serves, and when its grant ends. */
  delegation?: { onBehalfOf: string; expiresAt: number };
  /** Delegation grants minted for this request, one per subgraph it reaches. */
  grants?: Map<string, string>;
}
