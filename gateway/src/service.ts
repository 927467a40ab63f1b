import { readFileSync } from 'node:fs';
import { serve } from '@judgify/runtime/http-server';
import { createLogger } from '@judgify/runtime/logger';
import { redisConnectionsReady } from '@judgify/runtime/redis';
import { createGatewayApp } from './app.ts';
import { routeRequests } from './http-routes.ts';
import type { GatewayConfig } from './config.ts';
import { loadSigningKeys } from './signing-keys.ts';
import { PLATFORM_MANIFEST_PATH } from './platform-operations.ts';
import { composeSupergraph } from './supergraph.ts';
import { readManifest } from './trusted-documents.ts';

function readSupergraph(path: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch (error) {
    throw new Error(`cannot read SUPERGRAPH_PATH ${path}: ${error instanceof Error ? error.message : String(error)}`);
  }
}

/**
 * Starts the gateway from SUPERGRAPH_PATH (any composed supergraph) or, by default, by
 * composing supergraph.yaml's subgraph schemas at start-up.
 */
export async function startGateway(config: GatewayConfig, options: { host?: string } = {}) {
  const logger = createLogger('gateway', config.LOG_LEVEL, { format: config.LOG_FORMAT });
  const supergraphSdl = config.SUPERGRAPH_PATH ? readSupergraph(config.SUPERGRAPH_PATH) : composeSupergraph(config.SUPERGRAPH_CONFIG, config.subgraphUrls);
  const keys = await loadSigningKeys(config);
  const trustedDocuments = [PLATFORM_MANIFEST_PATH, ...config.trustedDocumentManifests].flatMap(readManifest);
  const app = await createGatewayApp({ config, supergraphSdl, logger, keys, trustedDocuments });
  await redisConnectionsReady();
  let closeSockets: (() => Promise<void>) | undefined;
  const running = await serve({
    name: 'gateway',
    handler: routeRequests(app.routes, app.yoga, logger),
    onListening: (server) => {
      closeSockets = app.serveWebSocket(server);
    },
    drainers: [async () => closeSockets?.()],
    port: config.GATEWAY_PORT,
    host: options.host,
    logger,
    maxBodyBytes: config.MAX_BODY_BYTES,
    closers: [app.close],
  });
  logger.info({ url: `${running.url}/graphql` }, 'gateway ready: GraphiQL and the supergraph at /graphql');
  return { ...running, logger, app };
}
