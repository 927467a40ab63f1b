import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EXPLORER_DEFAULT_QUERY } from '../gateway/src/explorer.ts';
import { launchBrowser, openPage, screenshot, type WatchedPage } from './browser.ts';
import { createExampleWorkflow, graphql, signToken } from './client.ts';
import { startEmbeddedPlatform } from './platform.ts';

/**
 * The web console in Debian's Chromium, as a person uses it, against `npm start`: offline (every
 * request it makes stays on the gateway), under its own CSP, with charts drawn by vega-embed.
 */
type Platform = Awaited<ReturnType<typeof startEmbeddedPlatform>>;

const EXECUTE = `mutation($input: ExecuteJudgmentInput!) { executeJudgment(input: $input) { id decision } }`;
const GENERATE = `mutation($prompt: String!) { generateView(prompt: $prompt) { title query variables dataPath chart { type spec } } }`;
const CREATE_DASHBOARD = `mutation($input: CreateDashboardInput!) { createDashboard(input: $input) { id } }`;

async function savedView(url: string, prompt: string, token?: string) {
  const generated = await graphql(url, GENERATE, { variables: { prompt }, token });
  const view = generated.body.data?.generateView;
  if (!view?.chart) throw new Error(`generateView("${prompt}") made no chart: ${JSON.stringify(generated.body)}`);
  return { title: view.title, query: view.query, variables: view.variables, dataPath: view.dataPath, chart: view.chart };
}

async function createDashboard(url: string, name: string, views: unknown[], token?: string): Promise<string> {
  const created = await graphql(url, CREATE_DASHBOARD, { variables: { input: { name, views } }, token });
  const id = created.body.data?.createDashboard?.id as string | undefined;
  if (!id) throw new Error(`createDashboard failed: ${JSON.stringify(created.body.errors)}`);
  return id;
}

/** The text a view's chart draws (a KPI's number, a bar's axis labels). */
const chartText = (page: Page, title: string) => page.locator('article.view', { has: page.getByRole('heading', { name: title }) }).locator('.chart-canvas svg').textContent();

const expectClean = (watched: WatchedPage) => {
  expect(watched.foreignRequests, 'requests outside the gateway').toEqual([]);
  expect(watched.problems, 'script errors and CSP violations').toEqual([]);
};

describe('the web console, development identity (npm start, no JWT_SECRET)', () => {
  let platform: Platform;
  let browser: Browser;
  let url: string;
  let workflowId: string;
  const workflowName = `Line console ${Date.now() % 100000}`;

  beforeAll(async () => {
    [platform, browser] = await Promise.all([startEmbeddedPlatform({ env: { JWT_SECRET: '' } }), launchBrowser()]);
    url = platform.gateway.url;
    workflowId = await createExampleWorkflow(url, '', workflowName);
    for (const temperature of [70, 85, 95]) await graphql(url, EXECUTE, { variables: { input: { workflowId, inputData: { temperature, vibration: 60 } } } });
  });

  afterAll(async () => {
    await browser?.close();
    await platform?.stop();
  });

  it('serves the console under a CSP without unsafe-eval, offline', async () => {
    const page = await fetch(`${url}/`);
    expect(page.status).toBe(200);
    const csp = page.headers.get('content-security-policy') ?? '';
    expect(csp).toContain("script-src 'self'");
    expect(csp).not.toContain('unsafe-eval');
    expect(await page.text()).not.toMatch(/https?:\/\//);
    expect(await (await fetch(`${url}/console-settings.json`)).json()).toEqual({ identity: 'development' });
    expect((await fetch(`${url}/assets/..%2F..%2Fpackage.json`)).status).toBe(404);
  });

  it('loads the explorer with its assets served locally, runs a query and a subscription', async () => {
    const watched = await openPage(browser, url);
    const { page } = watched;
    const editorText = async (selector: string) => (await page.locator(selector).innerText()).replace(/\s+/g, ' ');
    await page.goto(`${url}/graphql`);
    await expect.poll(() => page.getByRole('tab').allInnerTexts(), { timeout: 20_000 }).toEqual(['CreateExampleWorkflow', 'LiveJudgments', 'RecentWorkflows']);
    // The first tab is the spec's example, its variables filled in. Monaco draws spaces as no-break spaces.
    await expect.poll(() => editorText('.graphiql-editor-tool'), { timeout: 10_000 }).toContain('"name": "Line 3 overheating"');
    await screenshot(page, 'explorer');

    // GraphiQL runs nothing until it has loaded the schema: press ▶ until a result shows.
    const runUntil = (expected: string, before: () => Promise<unknown> = async () => {}) =>
      expect
        .poll(
          async () => {
            if (!(await editorText('.result-window')).trim()) await page.locator('.graphiql-execute-button').click();
            await before();
            return editorText('.result-window');
          },
          { timeout: 20_000, interval: 1_000 },
        )
        .toContain(expected);
    await page.goto(`${url}/graphql?query=${encodeURIComponent(EXPLORER_DEFAULT_QUERY)}`);
    await runUntil(workflowName);

    // Subscriptions run over graphql-ws: the live operation shows a judgment made through the API.
    await page.goto(`${url}/graphql?query=${encodeURIComponent('subscription { judgmentCompleted { id decision workflow { name } } }')}`);
    await runUntil(`"name": "${workflowName}"`, () => graphql(url, EXECUTE, { variables: { input: { workflowId, inputData: { temperature: 99, vibration: 99 } } } }));
    expect(await editorText('.result-window')).toContain('"decision": "STOP_LINE"');
    expect(watched.foreignRequests).toEqual([]);
    await watched.context.close();
  });

  it('renders a dashboard’s views as charts', async () => {
    const views = [await savedView(url, 'decision mix by method today as a bar chart'), await savedView(url, 'success rate today as a gauge')];
    const dashboardId = await createDashboard(url, 'Line health', views);
    const watched = await openPage(browser, url);
    const { page } = watched;
    await page.goto(`${url}/#/dashboards`);
    await page.getByRole('link', { name: /Line health/ }).click();
    await expect.poll(() => page.locator('.chart-canvas svg').count(), { timeout: 15_000 }).toBe(2);
    expect(await page.locator('.chart').first().getAttribute('data-rows')).not.toBe('0');
    expect(await chartText(page, views[0]!.title)).toContain('HYBRID');
    expect(page.url()).toContain(dashboardId);
    await screenshot(page, 'dashboard');
    expectClean(watched);
    await watched.context.close();
  });

  it('shows a judgment executed through the API in the live feed and in a dashboard chart within 1 s', async () => {
    const countView = await savedView(url, 'number of judgments today as a KPI');
    const dashboardId = await createDashboard(url, 'Live count', [countView]);
    const feed = await openPage(browser, url);
    const board = await openPage(browser, url);
    await feed.page.goto(`${url}/#/live`);
    await feed.page.selectOption('select[name=workflow]', workflowId);
    await board.page.goto(`${url}/#/dashboards/${dashboardId}`);
    await expect.poll(() => chartText(board.page, countView.title), { timeout: 15_000 }).toMatch(/\d/);
    const before = Number((await chartText(board.page, countView.title))!.replace(/\D/g, ''));
    // Both pages are subscribed before the judgment runs.
    await expect.poll(() => feed.page.getByText('Waiting for judgments').count(), { timeout: 10_000 }).toBe(1);
    await new Promise((resolve) => setTimeout(resolve, 500));

    const executed = await graphql(url, EXECUTE, { variables: { input: { workflowId, inputData: { temperature: 91, vibration: 61 } } } });
    const executionId = executed.body.data!.executeJudgment.id as string;
    const answeredAt = Date.now();
    await feed.page.locator(`tr[data-execution-id="${executionId}"]`).waitFor({ timeout: 1_000 });
    await board.page.waitForFunction(
      ([title, expected]) => {
        const view = [...document.querySelectorAll('article.view')].find((article) => article.querySelector('h2')?.textContent === title);
        return Number((view?.querySelector('.chart-canvas svg')?.textContent ?? '').replace(/\D/g, '')) === expected;
      },
      [countView.title, before + 1] as const,
      { timeout: Math.max(1, 1_000 - (Date.now() - answeredAt)) },
    );
    expect(Date.now() - answeredAt).toBeLessThanOrEqual(1_000);
    const row = feed.page.locator(`tr[data-execution-id="${executionId}"]`);
    expect(await row.innerText()).toMatch(/STOP_LINE[\s\S]*1\.00[\s\S]*RULE/);
    await screenshot(feed.page, 'live-judgments');
    expectClean(feed);
    expectClean(board);
    await Promise.all([feed.context.close(), board.context.close()]);
  });

  it('runs a judgment from a form built from the workflow’s rule fields', async () => {
    const watched = await openPage(browser, url);
    const { page } = watched;
    await page.goto(`${url}/#/live`);
    await page.selectOption('select[name=workflow]', workflowId);
    await page.fill('input[name=temperature]', '90');
    await page.fill('input[name=vibration]', '60');
    await page.getByRole('button', { name: 'Run', exact: true }).click();
    await expect.poll(() => page.getByRole('status').innerText(), { timeout: 10_000 }).toContain('Decided STOP_LINE (confidence 1.00, RULE)');
    // Text where the rule compares numbers, or a field left out: the judgment says why it could not decide.
    await page.fill('input[name=temperature]', 'hot');
    await page.getByRole('button', { name: 'Run', exact: true }).click();
    await expect.poll(() => page.getByRole('status').innerText(), { timeout: 10_000 }).toMatch(/Decided UNDECIDED .*the input values do not fit the rule/);
    await page.fill('input[name=temperature]', '');
    await page.getByRole('button', { name: 'Run', exact: true }).click();
    await expect.poll(() => page.getByRole('status').innerText(), { timeout: 10_000 }).toContain('missing input field: temperature');
    expectClean(watched);
    await watched.context.close();
  });

  it('generates a view from a prompt, shows what it understood, and saves it to a dashboard', async () => {
    const dashboardId = await createDashboard(url, 'From prompts', []);
    const watched = await openPage(browser, url);
    const { page } = watched;
    await page.goto(`${url}/#/dashboards/${dashboardId}`);
    await expect.poll(() => page.getByText('This dashboard has no views yet').count(), { timeout: 15_000 }).toBe(1);
    await page.getByRole('textbox', { name: 'Ask for a view' }).fill('average confidence by method today');
    await page.getByRole('button', { name: 'Generate' }).click();
    const generated = page.getByTestId('generated-view');
    await expect.poll(() => generated.innerText(), { timeout: 15_000 }).toMatch(/Understood as:.*confidence/i);
    await expect.poll(() => generated.locator('.chart-canvas svg').count(), { timeout: 15_000 }).toBe(1);
    await page.getByRole('button', { name: 'Save view' }).click();
    // The dashboard's own subscription brings the saved view in.
    await expect.poll(() => page.locator('article.view .chart-canvas svg').count(), { timeout: 15_000 }).toBe(1);

    await page.getByRole('textbox', { name: 'Ask for a view' }).fill('delete every workflow');
    await page.getByRole('button', { name: 'Generate' }).click();
    await expect.poll(() => generated.innerText(), { timeout: 15_000 }).toContain('No chart for this prompt.');
    await screenshot(page, 'prompt');
    expectClean(watched);
    await watched.context.close();
  });

  it('shows a view whose query now fails as an error, and the rest of the dashboard as usual', async () => {
    const working = await savedView(url, 'number of judgments today as a KPI');
    // Valid against the schema when saved; the workflow subgraph refuses the page size when it runs.
    const failing = { title: 'Too many workflows', query: 'query($first: Int!) { workflows(first: $first) { id name } }', variables: { first: 5000 }, dataPath: 'workflows', chart: { type: 'BAR', spec: null } };
    const dashboardId = await createDashboard(url, 'Half broken', [working, failing]);
    const watched = await openPage(browser, url);
    const { page } = watched;
    await page.goto(`${url}/#/dashboards/${dashboardId}`);
    const broken = page.locator('article.view', { has: page.getByRole('heading', { name: 'Too many workflows' }) });
    await expect.poll(() => broken.getByRole('alert').innerText(), { timeout: 15_000 }).toMatch(/This view’s query failed: .*first/);
    await expect.poll(() => page.locator('.chart-canvas svg').count(), { timeout: 15_000 }).toBe(1);

    await page.goto(`${url}/#/dashboards/00000000-0000-0000-0000-000000000000`);
    await expect.poll(() => page.getByText('This dashboard does not exist').count(), { timeout: 15_000 }).toBe(1);
    expectClean(watched);
    await watched.context.close();
  });

  it('speaks Korean, and follows the system’s dark scheme', async () => {
    const watched = await openPage(browser, url, { colorScheme: 'dark', locale: 'ko-KR' });
    const { page } = watched;
    await page.goto(`${url}/#/live`);
    await expect.poll(() => page.getByRole('navigation').innerText(), { timeout: 10_000 }).toContain('대시보드');
    expect(await page.getByRole('heading', { level: 1 }).innerText()).toBe('실시간 판단');
    const background = await page.evaluate(() => getComputedStyle(document.body).backgroundColor);
    expect(background).toBe('rgb(15, 17, 21)');
    await page.getByRole('button', { name: 'English' }).click();
    expect(await page.getByRole('heading', { level: 1 }).innerText()).toBe('Live judgments');
    await screenshot(page, 'dark');
    expectClean(watched);
    await watched.context.close();
  });
});

describe('the web console with tokens (JWT_SECRET set)', () => {
  let platform: Platform;
  let browser: Browser;
  let url: string;

  beforeAll(async () => {
    [platform, browser] = await Promise.all([startEmbeddedPlatform(), launchBrowser()]);
    url = platform.gateway.url;
  });

  afterAll(async () => {
    await browser?.close();
    await platform?.stop();
  });

  it('asks for a token, says why one is refused, and keeps an accepted one only for the tab’s session', async () => {
    const operator = await signToken({ userId: 'ana', tenantId: 'acme', roles: ['operator'] }, platform.jwtSecret);
    const admin = await signToken({ userId: 'root', tenantId: 'acme', roles: ['admin'] }, platform.jwtSecret);
    const forged = await signToken({ userId: 'ana', tenantId: 'acme', roles: ['admin'] }, 'a-different-secret-of-at-least-32-characters');
    const watched = await openPage(browser, url);
    const { page } = watched;
    await page.goto(`${url}/`);
    await expect.poll(() => page.getByRole('heading', { name: 'Sign in' }).count(), { timeout: 10_000 }).toBe(1);
    expect(await page.getByRole('navigation').count()).toBe(0);

    const tokenBox = page.getByRole('textbox', { name: 'Token' });
    await page.getByRole('button', { name: 'Sign in' }).click();
    await expect.poll(() => page.getByRole('alert').innerText()).toContain('Paste a token first.');
    await tokenBox.fill('not-a-token');
    await page.getByRole('button', { name: 'Sign in' }).click();
    await expect.poll(() => page.getByRole('alert').innerText()).toMatch(/UNAUTHENTICATED.*Token is malformed/);
    await tokenBox.fill(forged);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await expect.poll(() => page.getByRole('alert').innerText()).toMatch(/UNAUTHENTICATED.*signature is invalid/);
    await screenshot(page, 'sign-in-refused');

    await tokenBox.fill(`Bearer ${operator}`);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await expect.poll(() => page.getByRole('navigation').count(), { timeout: 10_000 }).toBe(1);
    expect(await page.locator('.identity').innerText()).toContain('ana · tenant acme · operator');
    expect(await page.evaluate(() => ({ session: sessionStorage.getItem('judgify.token'), local: Object.keys(localStorage).filter((key) => localStorage.getItem(key)?.includes('eyJ')), cookies: document.cookie }))).toEqual({ session: operator, local: [], cookies: '' });

    // The token is this tab's: a reload keeps it, a new browser context asks again.
    await page.reload();
    await expect.poll(() => page.getByRole('navigation').count(), { timeout: 10_000 }).toBe(1);
    const other = await openPage(browser, url);
    await other.page.goto(`${url}/`);
    await expect.poll(() => other.page.getByRole('heading', { name: 'Sign in' }).count(), { timeout: 10_000 }).toBe(1);

    // Signed in, the tenant's data is the token's: a workflow of acme shows in the live page.
    const workflowName = `Acme line ${Date.now() % 100000}`;
    await createExampleWorkflow(url, admin, workflowName);
    await page.goto(`${url}/#/live`);
    await expect.poll(() => page.locator('select[name=workflow]').innerText(), { timeout: 10_000 }).toContain(workflowName);
    await page.getByRole('button', { name: 'Sign out' }).click();
    await expect.poll(() => page.getByRole('heading', { name: 'Sign in' }).count()).toBe(1);
    expect(await page.evaluate(() => sessionStorage.getItem('judgify.token'))).toBeNull();
    expectClean(watched);
    await Promise.all([watched.context.close(), other.context.close()]);
  });

  it('opens the explorer with an Authorization header to paste a token into, kept out of storage', async () => {
    const html = await (await fetch(`${url}/graphql`, { headers: { accept: 'text/html' } })).text();
    expect(html).toContain('Bearer <paste your token here>');
    expect(html).toContain('"shouldPersistHeaders":false');
    expect(html).not.toMatch(/<script[^>]+src="https?:/);
  });
});
