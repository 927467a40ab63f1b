import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';

const root = new URL('..', import.meta.url).pathname;
/** Screenshots of browser tests: kept as artifacts of the run, never committed. */
export const ARTIFACTS = join(root, 'test-artifacts', 'console');

const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

/** Debian's Chromium, headless, in an empty profile, with nothing that phones home. */
export async function launchBrowser(): Promise<Browser> {
  if (!existsSync(CHROMIUM)) throw new Error(`No Chromium at ${CHROMIUM}: install Debian's package (apt-get install -y chromium; .ci/run does) or set CHROMIUM_PATH.`);
  mkdirSync(ARTIFACTS, { recursive: true });
  return chromium.launch({
    executablePath: CHROMIUM,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--no-first-run', '--disable-sync', '--disable-quic'],
  });
}

export interface WatchedPage {
  page: Page;
  /** Requests the page tried outside the gateway's origin (refused): an offline console makes none. */
  foreignRequests: string[];
  /** Script errors and CSP violations the page reported. */
  problems: string[];
}

/** A page in a fresh context that may reach only the gateway, with what it tried and what broke recorded. */
export async function openPage(browser: Browser, origin: string, options: { colorScheme?: 'light' | 'dark'; locale?: string } = {}): Promise<WatchedPage & { context: BrowserContext }> {
  const context = await browser.newContext({ viewport: { width: 1280, height: 860 }, colorScheme: options.colorScheme ?? 'light', locale: options.locale ?? 'en-US' });
  const foreignRequests: string[] = [];
  const problems: string[] = [];
  await context.route('**/*', (route) => {
    const url = route.request().url();
    if (url.startsWith(origin) || url.startsWith('data:') || url.startsWith('blob:')) return route.continue();
    foreignRequests.push(url);
    return route.abort('blockedbyclient');
  });
  const page = await context.newPage();
  page.on('pageerror', (error) => problems.push(`page error: ${error.message}`));
  page.on('console', (message) => {
    if (message.type() === 'error' && /Content Security Policy|Refused to/i.test(message.text())) problems.push(`CSP: ${message.text()}`);
  });
  return { page, context, foreignRequests, problems };
}

export const screenshot = (page: Page, name: string) => page.screenshot({ path: join(ARTIFACTS, `${name}.png`), fullPage: true });
