// Plugin views in real Chromium against a real server: two view plugins (fixtures/plugins/views)
// installed with the CLI, the owner signed in on /_dashboard/view. A view renders for a resource of
// its class and reads inside its subtree unasked; a read outside it asks the user; a commit is shown,
// then signed (or refused when cancelled); the settings view saves a config; and every escape the
// hostile view tries fails, as the page, the server and a decoy server on another port all see.

import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser, BrowserContext, FrameLocator, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { PropVals } from '../server/atomic/json-ad.js';
import { props } from '../server/atomic/urls.js';
import { launchChromium, noChromium, poll } from './support/chromium.js';
import { cliEnv, expectSuccess, runCli } from './support/cli-run.js';
import { createResource, getAs, ownerOf } from './support/commits.js';
import { freePort, startHostProcess, type HostProcess } from './support/host-process.js';

const FOLDER = 'https://atomicdata.dev/classes/Folder';
const ARTICLE = 'https://atomicdata.dev/classes/Article';

/** A server on another port that records every request made to it, WebSocket upgrades included. */
async function startDecoy(): Promise<{ url: string; seen: string[]; server: Server }> {
  const seen: string[] = [];
  const server = createServer((request, response) => {
    seen.push(`${request.method} ${request.url}`);
    response.end('ok');
  });
  server.on('upgrade', (request, socket) => {
    seen.push(`UPGRADE ${request.url}`);
    socket.destroy();
  });
  const port = await freePort();
  await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
  return { url: `http://127.0.0.1:${port}`, seen, server };
}

describe.skipIf(noChromium)('plugin views in Chromium', () => {
  let host: HostProcess;
  let browser: Browser;
  let context: BrowserContext;
  let page: Page;
  let work: string;
  let decoy: Awaited<ReturnType<typeof startDecoy>>;
  const plugins = { folderView: '', hostileView: '' };
  const at = () => {
    const folder = `${host.url}/views-folder`;
    return { folder, alpha: `${folder}/alpha`, beta: `${folder}/beta`, outside: `${host.url}/views-outside`, article: `${host.url}/views-article` };
  };
  const owner = () => ownerOf(host);
  const viewUrl = (subject: string) => `${host.url}/_dashboard/view?${new URLSearchParams({ subject })}`;
  const frameOf = (plugin: string): FrameLocator => page.frameLocator(`section.plugin-view[data-plugin="${plugin}"] iframe`);
  const dialog = () => page.locator('dialog.ask');
  const stored = async (subject: string) => (await getAs(subject, owner())).body ?? {};
  const childrenOnServer = async (): Promise<string[]> => {
    const query = `${host.url}/query?${new URLSearchParams({ property: props.parent, value: at().folder, page_size: '100' })}`;
    const members = (await getAs(query, owner())).body?.[props.collection.members];
    return Array.isArray(members) ? (members as string[]) : [];
  };

  beforeAll(async () => {
    work = mkdtempSync(join(tmpdir(), 'atomic-views-'));
    host = await startHostProcess();
    decoy = await startDecoy();
    const env = cliEnv(join(work, 'config.json'), { ATOMIC_SERVER_URL: host.url, ATOMIC_AGENT_SECRET: host.secret });
    for (const [key, folder] of [['folderView', 'folder-view'], ['hostileView', 'hostile-view']] as const) {
      const run = await runCli(['install', `fixtures/plugins/views/${folder}`, '--yes', '--json'], { env, timeoutMs: 180_000 });
      const installed = expectSuccess<{ subject: string; status: string }>(run, `install ${folder}`);
      expect(installed.status).toBe('active');
      plugins[key] = installed.subject;
    }
    const { folder, alpha, beta, outside, article } = at();
    const create = (subject: string, set: PropVals) => createResource(host.url, owner(), subject, set);
    await create(folder, { [props.isA]: [FOLDER], [props.name]: 'Projects' });
    await create(alpha, { [props.name]: 'Alpha', [props.parent]: folder });
    await create(beta, { [props.name]: 'Beta', [props.parent]: folder });
    await create(outside, { [props.name]: 'Outside' });
    // The hostile view finds the decoy's URL in the article it is shown.
    await create(article, { [props.isA]: [ARTICLE], [props.name]: 'Article', [props.description]: decoy.url });
    browser = await launchChromium();
    context = await browser.newContext();
    page = await context.newPage();
  }, 300_000);
  afterAll(async () => {
    await browser?.close();
    await host?.dispose();
    await new Promise((resolve) => decoy?.server.close(resolve));
    if (work) rmSync(work, { recursive: true, force: true });
  });

  it('serves each view in a document with a fresh nonce, a CSP without network and a sandbox', async () => {
    const frameUrl = `${host.url}/_dashboard/view/frame?${new URLSearchParams({ plugin: plugins.folderView })}`;
    const [first, second] = await Promise.all([fetch(frameUrl), fetch(frameUrl)]);
    const csp = first.headers.get('content-security-policy') ?? '';
    expect(csp).toContain("default-src 'none'");
    expect(csp).toContain('sandbox allow-scripts');
    expect(csp).not.toContain('connect-src');
    const nonce = /'nonce-([^']+)'/.exec(csp)?.[1];
    expect(nonce).toBeTruthy();
    expect(second.headers.get('content-security-policy')).not.toContain(nonce);
    expect(await first.text()).toContain(`<script nonce="${nonce}">`);
    // No settings view for a plugin that declares none; no frame for what is not a view plugin.
    expect((await fetch(`${host.url}/_dashboard/view/frame?${new URLSearchParams({ plugin: plugins.hostileView, mode: 'settings' })}`)).status).toBe(404);
    expect((await fetch(`${host.url}/_dashboard/view/frame?${new URLSearchParams({ plugin: `${host.url}/plugins/nothing` })}`)).status).toBe(404);
    // Plugins and access answers are for signed-in readers only.
    expect(await (await fetch(`${host.url}/_dashboard/view/plugins`)).json()).toEqual([]);
  });

  it('sends a visitor to the dashboard to sign in, then shows the resource and the view of its class, which reads inside the folder unasked', async () => {
    const errors: string[] = [];
    page.on('pageerror', (error) => errors.push(error.message));
    await page.goto(viewUrl(at().folder));
    await page.locator('a.sign-in').click();
    await page.getByLabel('Agent secret').fill(host.secret);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await poll(() => page.locator('.session .agent').innerText()).toBe(owner().subject);
    // From the dashboard, to the views page of a resource.
    await page.getByLabel('Open a resource with its plugin views').fill(at().folder);
    await page.getByRole('button', { name: 'Open', exact: true }).click();
    await poll(() => page.url()).toBe(viewUrl(at().folder));
    await poll(() => page.locator('.resource h1').textContent()).toBe('Projects');
    await poll(() => page.locator('section.plugin-view').count()).toBe(1);
    const view = frameOf(plugins.folderView);
    await poll(() => view.locator('.viewed-name').textContent()).toBe('Projects');
    await poll(() => view.locator('.children').getAttribute('data-loaded')).toBe('true');
    expect((await view.locator('.children li').allTextContents()).sort()).toEqual(['Alpha', 'Beta']);
    expect(await dialog().count()).toBe(0);
    expect(errors).toEqual([]);
  });

  it('asks the user before a read outside the folder: allowed, the view gets it; denied, it does not', async () => {
    const view = frameOf(plugins.folderView);
    await view.locator('.other-subject').fill(at().outside);
    await view.locator('.read-other').click();
    await poll(() => dialog().isVisible()).toBe(true);
    const question = await dialog().innerText();
    expect(question).toContain('test/folder-view');
    expect(question).toContain(at().outside);
    await dialog().locator('.confirm').click();
    await poll(() => view.locator('.other-result').textContent()).toBe('read: Outside');

    await view.locator('.other-subject').fill(host.url);
    await view.locator('.read-other').click();
    await poll(() => dialog().isVisible()).toBe(true);
    expect(await dialog().innerText()).toContain(host.url);
    await dialog().locator('.cancel').click();
    await poll(() => view.locator('.other-result').textContent()).toContain('DENIED');
    // The answer holds: asking again is refused without a new question.
    await view.locator('.other-result').evaluate((p) => (p.textContent = ''));
    await view.locator('.read-other').click();
    await poll(() => view.locator('.other-result').textContent()).toContain('DENIED');
    expect(await dialog().count()).toBe(0);
  });

  it('shows a commit to the user, signs it with their key once confirmed, and the change is on the server', async () => {
    const view = frameOf(plugins.folderView);
    await view.locator('.note-name').fill('Gamma');
    await view.locator('.add-note').click();
    await poll(() => dialog().isVisible()).toBe(true);
    expect(await dialog().locator('pre.subject').textContent()).toMatch(new RegExp(`^${at().folder}/note-\\d+$`));
    expect(JSON.parse((await dialog().locator('pre.changes').textContent()) ?? '')).toEqual({ set: { [props.name]: 'Gamma', [props.parent]: at().folder } });
    await dialog().locator('.confirm').click();
    await poll(() => view.locator('.commit-result').textContent()).toMatch(/^committed: /);
    const commit = (await view.locator('.commit-result').textContent())!.slice('committed: '.length);
    const note = (await childrenOnServer()).find((s) => s.includes('/note-'));
    expect(note).toBeDefined();
    expect(await stored(note!)).toMatchObject({ [props.name]: 'Gamma', [props.lastCommit]: commit });
    expect((await stored(commit))[props.commit.signer]).toBe(owner().subject);
  });

  it('refuses the view a commit the user cancels, and nothing changes', async () => {
    const before = await childrenOnServer();
    const view = frameOf(plugins.folderView);
    await view.locator('.note-name').fill('Delta');
    await view.locator('.add-note').click();
    await poll(() => dialog().isVisible()).toBe(true);
    await dialog().locator('.cancel').click();
    await poll(() => view.locator('.commit-result').textContent()).toContain('DENIED');
    expect(await childrenOnServer()).toEqual(before);
  });

  it('renders the settings view, saves a valid config after confirmation and shows why an invalid one is refused', async () => {
    await page.goto(`${host.url}/_dashboard/view?${new URLSearchParams({ plugin: plugins.folderView })}&settings`);
    const view = frameOf(plugins.folderView);
    await poll(() => view.locator('.heading').inputValue()).toBe('Notes');
    await view.locator('.heading').fill('Jottings');
    await view.locator('.save').click();
    await poll(() => dialog().isVisible()).toBe(true);
    expect(await dialog().locator('pre.subject').textContent()).toBe(plugins.folderView);
    await dialog().locator('.confirm').click();
    await poll(() => view.locator('.save-result').textContent()).toMatch(/^saved: /);
    expect((await stored(plugins.folderView))[props.plugin.config]).toEqual({ heading: 'Jottings' });

    await view.locator('.heading').fill('');
    await view.locator('.save').click();
    await poll(() => dialog().isVisible()).toBe(true);
    await dialog().locator('.confirm').click();
    await poll(() => view.locator('.save-result').textContent()).toContain('configSchema');
    expect((await stored(plugins.folderView))[props.plugin.config]).toEqual({ heading: 'Jottings' });
  });

  it('keeps the hostile view in its frame: every attempt fails, and the page, the server and the decoy see nothing', async () => {
    // What the browser let through (a response came) and what it stopped, by frame.
    const finished: { url: string; frame: string }[] = [];
    const failed: { url: string; frame: string; error: string }[] = [];
    page.on('requestfinished', (request) => finished.push({ url: request.url(), frame: request.frame().url() }));
    page.on('requestfailed', (request) => failed.push({ url: request.url(), frame: request.frame().url(), error: request.failure()?.errorText ?? '' }));
    const articleBefore = await stored(at().article);
    await page.goto(viewUrl(at().article));
    const hostile = frameOf(plugins.hostileView);

    // Its read outside the article, in another plugin's name: the user is asked about the hostile view.
    await poll(() => dialog().isVisible()).toBe(true);
    const question = await dialog().innerText();
    expect(question).toContain('test/hostile-view');
    expect(question).not.toContain('test/folder-view');
    expect(question).toContain(host.url);
    await dialog().locator('.cancel').click();
    // Its commit is shown too, and cancelled.
    await poll(() => dialog().locator('pre.subject').textContent()).toBe(at().article);
    expect(await dialog().innerText()).toContain('test/hostile-view');
    await dialog().locator('.cancel').click();
    await poll(() => hostile.locator('body').getAttribute('data-done')).toBe('true');

    const outcomes = Object.fromEntries(
      await hostile.locator('li[data-attack]').evaluateAll((lines) => lines.map((li) => [li.getAttribute('data-attack'), li.textContent ?? ''])),
    ) as Record<string, string>;
    expect(Object.keys(outcomes)).toHaveLength(23);
    for (const [attack, outcome] of Object.entries(outcomes)) expect(outcome, attack).toMatch(/^(blocked|attempted)/);
    expect(outcomes['read-outside']).toBe('blocked: DENIED');
    expect(outcomes['commit-unasked']).toMatch(/^blocked: DENIED/);
    expect(outcomes.malformed).toBe('blocked: INVALID_REQUEST');

    // What the page, the browser and the servers saw.
    expect(new URL(page.url()).pathname).toBe('/_dashboard/view');
    expect(await page.title()).toBe('View · Atomic Data');
    expect(context.pages()).toEqual([page]);
    expect(decoy.seen).toEqual([]);
    const hostileFrame = (r: { frame: string }) => r.frame.includes(encodeURIComponent(plugins.hostileView));
    expect(finished.filter(hostileFrame).map((r) => new URL(r.url).pathname)).toEqual(['/_dashboard/view/frame']);
    for (const request of failed.filter(hostileFrame)) expect(request.error, request.url).toBe('csp');
    expect(await stored(at().article)).toEqual(articleBefore);
    expect(await page.evaluate("localStorage.getItem('atomic-plugin.secret')")).toBe(host.secret.trim());
    expect(await hostile.locator('html').innerHTML()).not.toContain(host.secret.trim());
    // The folder view beside it believed no answer forged in the page's name.
    const sibling = frameOf(plugins.folderView);
    await poll(() => sibling.locator('.viewed-name').textContent()).toBe('Article');
    expect(await sibling.locator('body').innerText()).not.toContain('FORGED');
  });

  it('is usable at phone and desktop widths', async () => {
    for (const size of [{ width: 360, height: 740 }, { width: 1280, height: 800 }]) {
      await page.setViewportSize(size);
      await page.goto(viewUrl(at().folder));
      const view = frameOf(plugins.folderView);
      await poll(() => view.locator('.viewed-name').textContent()).toBe('Projects');
      const layout = await page.evaluate<{ scroll: number; client: number }>('({ scroll: document.documentElement.scrollWidth, client: document.documentElement.clientWidth })');
      expect(layout.scroll, `${size.width}px`).toBeLessThanOrEqual(layout.client);
      const frame = await page.locator('section.plugin-view iframe').boundingBox();
      expect(frame!.x).toBeGreaterThanOrEqual(0);
      expect(frame!.x + frame!.width).toBeLessThanOrEqual(size.width);
      await view.locator('.note-name').fill('Not kept');
      await view.locator('.add-note').click();
      await poll(() => dialog().isVisible()).toBe(true);
      const box = await dialog().boundingBox();
      expect(box!.x).toBeGreaterThanOrEqual(0);
      expect(box!.x + box!.width).toBeLessThanOrEqual(size.width);
      await dialog().locator('.cancel').click();
    }
  });
});
