import type { Identity } from '@judgify/runtime/identity';
import type { Logger } from '@judgify/runtime/logger';

export interface GatewayContext {
  identity?: Identity;
  requestId?: string;
  log?: Logger;
}
