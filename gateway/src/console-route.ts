import { readFile } from 'node:fs/promises';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { extname, join } from 'node:path';
import { gzipSync } from 'node:zlib';
import type { HttpRoute } from './http-routes.ts';

/**
 * The page's own policy: scripts only from this origin and never evaluated from strings (charts
 * draw through Vega's expression interpreter), data only from this gateway, framed only by itself.
 */
export const CONSOLE_CSP = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self' 'unsafe-inline'",
  "img-src 'self' data: blob:",
  "connect-src 'self'",
  "frame-src 'self'",
  "frame-ancestors 'self'",
  "object-src 'none'",
  "base-uri 'none'",
  "form-action 'self'",
].join('; ');

const CONTENT_TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.json': 'application/json; charset=utf-8',
};

const ASSET_NAME = /^[\w.-]+$/;

const NOT_BUILT = `<!doctype html><meta charset="utf-8"><title>Judgify console</title>
<p>The web console is not built in this checkout: run <code>npm run build -w @judgify/console</code>
(<code>npm start</code> does it). GraphiQL is at <a href="/graphql">/graphql</a>.</p>`;

interface CachedFile {
  body: Buffer;
  gzipped: Buffer;
}

/** A file as served: its bytes, and gzipped; undefined when it cannot be read. */
const readServed = (path: string): Promise<CachedFile | undefined> =>
  readFile(path).then(
    (body) => ({ body, gzipped: gzipSync(body) }),
    () => undefined,
  );

/**
 * Serves the console built into `dist` (Vite's output): `/` is the page, `/assets/*` its hashed
 * files, cached for good; `/console-settings.json` says whether the console must ask for a token.
 */
export function consoleRoute(options: { dist: string; verifiesTokens: boolean }): HttpRoute {
  // Hashed names: an asset's content never changes, so it is read once.
  const files = new Map<string, Promise<CachedFile | undefined>>();
  const read = (path: string) => {
    let file = files.get(path);
    if (!file) {
      file = readServed(path).then((served) => {
        // Only what exists is kept: unknown names must not grow the cache.
        if (!served) files.delete(path);
        return served;
      });
      files.set(path, file);
    }
    return file;
  };
  const settings = JSON.stringify({ identity: options.verifiesTokens ? 'token' : 'development' });

  function send(req: IncomingMessage, res: ServerResponse, status: number, type: string, file: CachedFile, headers: Record<string, string>) {
    const gzip = /\bgzip\b/.test(String(req.headers['accept-encoding'] ?? '')) && file.gzipped.length < file.body.length;
    const body = gzip ? file.gzipped : file.body;
    res.writeHead(status, { 'content-type': type, 'content-length': body.length, 'x-content-type-options': 'nosniff', vary: 'accept-encoding', ...(gzip ? { 'content-encoding': 'gzip' } : {}), ...headers });
    res.end(req.method === 'HEAD' ? undefined : body);
  }

  return {
    prefix: '/',
    async handle(req, res) {
      if (req.method !== 'GET' && req.method !== 'HEAD') {
        res.writeHead(405, { allow: 'GET, HEAD', 'content-type': 'text/plain; charset=utf-8' });
        res.end('The console is read with GET.');
        return;
      }
      const pathname = (req.url ?? '/').split('?', 1)[0]!;
      if (pathname === '/console-settings.json') {
        res.writeHead(200, { 'content-type': 'application/json; charset=utf-8', 'cache-control': 'no-store' });
        res.end(settings);
        return;
      }
      const page = { 'content-security-policy': CONSOLE_CSP, 'cache-control': 'no-cache', 'referrer-policy': 'no-referrer' };
      if (pathname === '/' || pathname === '/index.html') {
        // Read each time: it is small, and after a rebuild it names the new assets.
        const index = await readServed(join(options.dist, 'index.html'));
        if (index) return send(req, res, 200, CONTENT_TYPES['.html']!, index, page);
        res.writeHead(503, { 'content-type': CONTENT_TYPES['.html']!, 'content-security-policy': CONSOLE_CSP });
        res.end(NOT_BUILT);
        return;
      }
      const asset = pathname.startsWith('/assets/') ? pathname.slice('/assets/'.length) : undefined;
      const file = asset && ASSET_NAME.test(asset) ? await read(join(options.dist, 'assets', asset)) : undefined;
      if (file) return send(req, res, 200, CONTENT_TYPES[extname(asset!)] ?? 'application/octet-stream', file, { 'cache-control': 'public, max-age=31536000, immutable' });
      res.writeHead(404, { 'content-type': 'application/json; charset=utf-8' });
      res.end(JSON.stringify({ errors: [{ message: `Nothing is served at ${pathname}: GraphQL is at /graphql, the console at /.`, extensions: { code: 'NOT_FOUND' } }] }));
    },
  };
}
