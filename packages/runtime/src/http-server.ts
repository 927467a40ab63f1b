import { createServer, type IncomingMessage, type RequestListener, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Logger } from './logger.ts';
import { startTracing, stopTracing, tracedRequests } from './tracing.ts';

export const DEFAULT_MAX_BODY_BYTES = 2 * 1024 * 1024;

export interface RunningServer {
  server: Server;
  port: number;
  url: string;
  /** Stops accepting, lets in-flight requests finish (up to graceMs), then runs the closers. */
  close(): Promise<void>;
}

export interface ServeOptions {
  name: string;
  handler: RequestListener;
  port: number;
  host?: string;
  logger: Logger;
  maxBodyBytes?: number;
  /** Released after the server stops, in order: pools, buses, caches. */
  closers?: Array<() => Promise<void>>;
  /** Run first, before waiting for connections to end: long-lived ones (WebSockets) must be told to go. */
  drainers?: Array<() => Promise<void>>;
  graceMs?: number;
  /** Attach more protocols (a WebSocket server) to the listening server. */
  onListening?(server: Server): void;
}

function refuseTooLarge(res: ServerResponse, limit: number): void {
  if (res.headersSent) return;
  res.writeHead(413, { 'content-type': 'application/graphql-response+json; charset=utf-8' });
  res.end(
    JSON.stringify({
      errors: [{ message: `Request body exceeds the ${limit} byte limit.`, extensions: { code: 'PAYLOAD_TOO_LARGE' } }],
    }),
  );
}

const METHODS_WITH_BODY = new Set(['POST', 'PUT', 'PATCH']);

/**
 * Reads the body here and hands it on as `req.body`, which the yoga adapter uses instead of the
 * consumed stream. Past the limit (declared or not) the rest is discarded unread and the answer
 * is 413 once the client has finished sending, so it can read the answer (requestTimeout bounds
 * a client that never finishes).
 */
function withBodyLimit(handler: RequestListener, limit: number): RequestListener {
  return (req: IncomingMessage, res: ServerResponse) => {
    if (!METHODS_WITH_BODY.has(req.method ?? '')) return handler(req, res);
    const declared = Number(req.headers['content-length']);
    let tooLarge = Number.isFinite(declared) && declared > limit;
    const chunks: Buffer[] = [];
    let received = 0;
    req.on('data', (chunk: Buffer) => {
      if (tooLarge) return;
      received += chunk.length;
      if (received > limit) {
        tooLarge = true;
        chunks.length = 0;
        return;
      }
      chunks.push(chunk);
    });
    req.on('end', () => {
      if (tooLarge) return refuseTooLarge(res, limit);
      (req as IncomingMessage & { body?: Buffer }).body = Buffer.concat(chunks);
      handler(req, res);
    });
  };
}

export async function serve(options: ServeOptions): Promise<RunningServer> {
  const limit = options.maxBodyBytes ?? DEFAULT_MAX_BODY_BYTES;
  await startTracing({ service: options.name });
  // Traced inside the body limit: the handler runs after the body is read, in its request's span.
  const server = createServer(withBodyLimit(tracedRequests(options.name, options.handler), limit));
  // Longer than the gateway's keep-alive so upstream sockets are never closed under it.
  server.keepAliveTimeout = 65_000;
  server.headersTimeout = 66_000;
  server.requestTimeout = 60_000;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, options.host ?? '0.0.0.0', () => {
      server.off('error', reject);
      resolve();
    });
  });
  const port = (server.address() as AddressInfo).port;
  options.onListening?.(server);
  const url = `http://${options.host && options.host !== '0.0.0.0' ? options.host : 'localhost'}:${port}`;
  let closing: Promise<void> | undefined;
  const close = () => {
    closing ??= (async () => {
      const stopped = new Promise<void>((resolve) => server.close(() => resolve()));
      await Promise.allSettled((options.drainers ?? []).map((drain) => drain()));
      // Keep-alive sockets turn idle as their last response ends; close each as soon as it does.
      const sweeper = setInterval(() => server.closeIdleConnections(), 50);
      const grace = setTimeout(() => server.closeAllConnections(), options.graceMs ?? 10_000);
      await stopped;
      clearInterval(sweeper);
      clearTimeout(grace);
      for (const closer of options.closers ?? []) {
        await closer().catch((error: unknown) => options.logger.error({ err: error }, 'error while closing'));
      }
      options.logger.info('stopped');
    })();
    return closing;
  };
  return { server, port, url, close };
}

/** Closes everything on SIGTERM / SIGINT, then exits; a second signal exits at once. */
export function closeOnSignals(logger: Logger, close: () => Promise<void>): void {
  let signalled = false;
  const onSignal = (signal: NodeJS.Signals) => {
    if (signalled) process.exit(1);
    signalled = true;
    logger.info({ signal }, 'shutting down');
    close()
      .then(stopTracing)
      .then(
      () => process.exit(0),
      (error: unknown) => {
        logger.error({ err: error }, 'shutdown failed');
        process.exit(1);
      },
    );
  };
  process.on('SIGTERM', onSignal);
  process.on('SIGINT', onSignal);
}
