import type { Identity } from '@judgify/runtime/identity';
import type { Logger } from '@judgify/runtime/logger';

export interface GatewayContext {
  identity?: Identity;
  /** When the caller's token expires (ms since the epoch); none in development-identity mode. */
  tokenExpiresAt?: number;
  requestId?: string;
  log?: Logger;
}
