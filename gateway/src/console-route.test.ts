import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CONSOLE_CSP, consoleRoute } from './console-route.ts';

async function serve(dist: string, verifiesTokens = false): Promise<{ url: string; server: Server }> {
  const route = consoleRoute({ dist, verifiesTokens });
  const server = createServer((req, res) => void route.handle(req, res));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, server };
}

describe('the console route', () => {
  const dist = mkdtempSync(join(tmpdir(), 'console-dist-'));
  let built: { url: string; server: Server };
  let missing: { url: string; server: Server };

  beforeAll(async () => {
    mkdirSync(join(dist, 'assets'));
    writeFileSync(join(dist, 'index.html'), '<!doctype html><script type="module" src="/assets/app-1.js"></script>');
    writeFileSync(join(dist, 'assets', 'app-1.js'), `console.log(${JSON.stringify('x'.repeat(4000))});`);
    built = await serve(dist, true);
    missing = await serve(join(dist, 'nowhere'));
  });

  afterAll(() => {
    built.server.close();
    missing.server.close();
    rmSync(dist, { recursive: true, force: true });
  });

  it('serves the page under its CSP, and hashed assets cached for good, gzipped when asked', async () => {
    const page = await fetch(`${built.url}/`);
    expect(page.status).toBe(200);
    expect(page.headers.get('content-security-policy')).toBe(CONSOLE_CSP);
    expect(CONSOLE_CSP).not.toContain('unsafe-eval');
    const asset = await fetch(`${built.url}/assets/app-1.js`, { headers: { 'accept-encoding': 'gzip' } });
    expect(asset.headers.get('content-encoding')).toBe('gzip');
    expect(asset.headers.get('cache-control')).toContain('immutable');
    expect(asset.headers.get('content-type')).toContain('text/javascript');
    expect(await asset.text()).toContain('xxxx');
  });

  it('tells the page whether it must ask for a token', async () => {
    expect(await (await fetch(`${built.url}/console-settings.json`)).json()).toEqual({ identity: 'token' });
  });

  it('answers what it does not serve with a clear 404 or 405, never a file outside dist', async () => {
    for (const path of ['/assets/..%2Findex.html', '/assets/nope.js', '/etc/passwd', '/assets/%2e%2e/%2e%2e/package.json']) {
      const response = await fetch(`${built.url}${path}`);
      expect(response.status, path).toBe(404);
      expect((await response.json()).errors[0].message).toContain('GraphQL is at /graphql');
    }
    const post = await fetch(`${built.url}/`, { method: 'POST', body: '{}' });
    expect(post.status).toBe(405);
    expect(post.headers.get('allow')).toBe('GET, HEAD');
  });

  it('says how to build the console when it is not built', async () => {
    const page = await fetch(`${missing.url}/`);
    expect(page.status).toBe(503);
    expect(await page.text()).toContain('npm run build -w @judgify/console');
  });
});
