// The web dashboard (/_dashboard/) in real Chromium against a real server: signing in (a wrong
// secret refused), the store with the reference plugins and a plugin published with
// `atomic-plugin publish --server`, installing both through the permission prompt (cancel installs
// nothing, an unticked permission is not granted), the installed plugins with their state, editing
// a config (refused in the browser with the schema's message, refused by the server, saved and
// applied), disable/enable, update to a newer release, the log, uninstall, and the screens at
// phone width. Needs Debian's chromium (`apt-get install chromium`).

import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser, Locator, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bundlePlugin } from '../cli/lib/esbuild.js';
import { createAgentIdentity, encodeSecret } from '../server/atomic/agent.js';
import { props } from '../server/atomic/urls.js';
import { buildPackage, signPackage } from '../server/plugins/package.js';
import { launchChromium, noChromium, poll } from './support/chromium.js';
import { cliEnv, expectSuccess, runCli } from './support/cli-run.js';
import { getAs, ownerOf } from './support/commits.js';
import { repoRoot, startHostProcess, type HostProcess } from './support/host-process.js';

const fixtureDir = join(repoRoot, 'fixtures/plugins/configurable');
const CONFIGURABLE = 'test/configurable';
const CRUD = 'atomic/crud';

describe.skipIf(noChromium)('the dashboard in Chromium', () => {
  let host: HostProcess;
  let browser: Browser;
  let page: Page;
  let work: string;
  const dialogs: string[] = [];

  const configurableSubject = () => `${host.url}/plugins/installed/test-configurable`;
  const crudSubject = () => `${host.url}/plugins/installed/atomic-crud`;
  const owner = () => ownerOf(host);
  const publisher = createAgentIdentity('https://publisher.example');

  /** Builds the fixture as `version`, signed by its publisher, and publishes it to the server's registry with the CLI. */
  const publish = async (version: string): Promise<void> => {
    const manifest = { ...(JSON.parse(readFileSync(join(fixtureDir, 'plugin.json'), 'utf8')) as Record<string, unknown>), version };
    const code = (await bundlePlugin(fixtureDir, 'index.ts')).script;
    const zip = signPackage(buildPackage({ 'plugin.json': new TextEncoder().encode(JSON.stringify(manifest)), 'plugin.js': code }), publisher);
    const file = join(work, `configurable-${version}.zip`);
    writeFileSync(file, zip);
    const env = cliEnv(join(work, 'config.json'), { ATOMIC_SERVER_URL: host.url, ATOMIC_AGENT_SECRET: host.secret });
    const published = expectSuccess<{ release: string; created: boolean }>(await runCli(['publish', file, '--server', host.url, '--json'], { env }), `publish ${version}`);
    expect(published.created).toBe(true);
  };

  /** What the fixture plugin answers as its config (it serves the config it runs with). */
  const servedConfig = async (): Promise<{ status: number; body: Record<string, unknown> | undefined }> => {
    const result = await getAs(`${host.url}/plugins/test/configurable/config`, undefined, 'application/json');
    return { status: result.status, body: result.body };
  };
  const pluginResource = async (subject: string) => getAs(subject, owner());

  // ---- the page ----
  const errorText = (): Promise<string> => page.locator('main > .error').innerText();
  const noticeText = (): Promise<string> => page.locator('main > .notice').innerText();
  const signIn = async (secret: string): Promise<void> => {
    await page.getByLabel('Agent secret').fill(secret);
    await page.getByRole('button', { name: 'Sign in' }).click();
  };
  const tab = async (name: 'Installed' | 'Store'): Promise<void> => {
    await page.getByRole('navigation', { name: 'Dashboard' }).getByRole('link', { name }).click();
  };
  const listing = (plugin: string): Locator => page.locator('section.store li.listing', { has: page.locator('h3', { hasText: plugin }) });
  const installedCard = (plugin: string): Locator => page.getByRole('listitem', { name: plugin, exact: true });
  const dialog = (): Locator => page.locator('dialog.confirm-install');
  const field = (label: string): Locator => page.locator('form.config').getByLabel(label, { exact: true });
  const noHorizontalOverflow = (): Promise<boolean> => page.evaluate<boolean>('document.documentElement.scrollWidth <= window.innerWidth');

  beforeAll(async () => {
    work = mkdtempSync(join(tmpdir(), 'atomic-dashboard-'));
    const index = JSON.parse(readFileSync(join(repoRoot, 'dist/plugins/index.json'), 'utf8')) as { publisher: { publicKey: string } };
    // The server trusts the reference plugins' key and the fixture's publisher.
    host = await startHostProcess({ extraArgs: ['--trust-publisher', index.publisher.publicKey, '--trust-publisher', publisher.subject] });
    await publish('0.1.0');
    browser = await launchChromium();
    page = await (await browser.newContext({ viewport: { width: 1100, height: 900 } })).newPage();
    page.on('dialog', (d) => {
      dialogs.push(d.message());
      void d.accept();
    });
  }, 180_000);
  afterAll(async () => {
    await browser?.close();
    await host?.dispose();
    if (work) rmSync(work, { recursive: true, force: true });
  });

  it('sends a browser from / to the dashboard, refuses a wrong secret and signs the owner in', async () => {
    const errors: string[] = [];
    page.on('pageerror', (error) => errors.push(error.message));
    await page.goto(host.url);
    expect(page.url()).toBe(`${host.url}/_dashboard/`);
    await expect(page.getByRole('heading', { name: 'Sign in' }).isVisible()).resolves.toBe(true);

    await signIn('certainly not a secret');
    await poll(errorText).toContain('not an agent secret');
    // Well formed, but the server knows no such agent: its refusal is shown.
    const stranger = { privateKey: 'CapMWIhFUT+w7ANv9oCPqrHrwZpkP2JhzF9JnyT6WcI=', subject: `${host.url}/agents/7LsjMW5gOfDdJzK/atgjQ1t20J/rw8MjVg6xwqm+h8U=` };
    await signIn(encodeSecret(stranger));
    await poll(errorText).toContain(`unknown agent ${stranger.subject}`);
    expect(await page.getByRole('navigation', { name: 'Dashboard' }).isVisible()).toBe(false);

    await signIn(host.secret);
    await poll(() => page.getByRole('heading', { name: 'Installed plugins' }).isVisible()).toBe(true);
    expect(await page.locator('.session .agent').innerText()).toBe(owner().subject);
    expect(await page.getByRole('heading', { name: 'Sign in' }).isVisible()).toBe(false);
    expect(await page.locator('main > .error').isVisible()).toBe(false);
    await poll(() => page.getByText('No plugins are installed yet').isVisible()).toBe(true);
    // The secret stays in this browser, under the key every page of the server shares.
    expect(await page.evaluate<string | null>("localStorage.getItem('atomic-plugin.secret')")).toBe(host.secret);
    expect(errors).toEqual([]);
  });

  it('the store shows the reference plugins and the published one, with permissions, reasons and trust', async () => {
    await tab('Store');
    await poll(() => listing(CONFIGURABLE).isVisible()).toBe(true);
    const published = await listing(CONFIGURABLE).innerText();
    expect(published).toContain('registry');
    expect(published).toContain('atomic-plugin tests');
    expect(published).toContain('0.1.0');
    expect(published).toContain('storage: Keeps nothing: asked so that a test can leave it out of the grant.');
    expect(published).toContain(`Signed by ${publisher.subject}`);
    expect(await listing(CONFIGURABLE).locator('.badge.trusted').count()).toBe(1);
    const crud = await listing(CRUD).innerText();
    expect(crud).toContain('reference');
    expect(crud).toContain('full-drive-access: Finds instances anywhere in the drive');
    expect(crud).toContain('development key of this atomic-plugin build');
    expect(await listing(CRUD).locator('.badge.trusted').count()).toBe(1);
    for (const name of ['atomic/sparql', 'atomic/todo']) expect(await listing(name).isVisible()).toBe(true);
  });

  it('asks for the permissions before installing; cancelling installs nothing', async () => {
    await listing(CONFIGURABLE).getByRole('button', { name: `Install ${CONFIGURABLE}` }).click();
    await poll(() => dialog().isVisible()).toBe(true);
    expect(await dialog().getByRole('heading').innerText()).toBe(`Install ${CONFIGURABLE} 0.1.0?`);
    expect(await dialog().getByRole('checkbox', { name: /read/ }).isChecked()).toBe(true);
    expect(await dialog().innerText()).toContain('Reads nothing: asked so that the install prompt has a permission to grant.');
    await dialog().getByRole('button', { name: 'Cancel' }).click();
    await poll(() => dialog().isVisible()).toBe(false);
    expect((await pluginResource(configurableSubject())).status).toBe(404);
    expect(await listing(CONFIGURABLE).getByRole('button', { name: `Install ${CONFIGURABLE}` }).isVisible()).toBe(true);
  });

  it('installs a published plugin with a permission left out, and a reference plugin', async () => {
    await listing(CONFIGURABLE).getByRole('button', { name: `Install ${CONFIGURABLE}` }).click();
    await dialog().getByRole('checkbox', { name: /storage/ }).uncheck();
    await dialog().getByRole('button', { name: 'Install' }).click();
    await poll(noticeText).toBe(`Installed ${CONFIGURABLE} 0.1.0 with read.`);
    const resource = (await pluginResource(configurableSubject())).body!;
    expect(resource[props.plugin.permissions]).toEqual(['read']);
    expect(resource[props.plugin.file]).toMatch(new RegExp(`^${host.url}/plugins/packages/[0-9a-f]{64}$`));
    expect(await servedConfig()).toEqual({ status: 200, body: { greeting: 'hello', retries: 3, mode: 'fast', tags: ['alpha'], limits: { perMinute: 60 } } });
    await poll(() => listing(CONFIGURABLE).innerText()).toContain('Installed: 0.1.0');

    await listing(CRUD).getByRole('button', { name: `Install ${CRUD}` }).click();
    await dialog().getByRole('button', { name: 'Install' }).click();
    await poll(noticeText).toBe(`Installed ${CRUD} 0.1.0 with read, write, full-drive-access.`);
    expect((await pluginResource(crudSubject())).body?.[`${host.url}/ontology/plugin-status`]).toBe('active');
    // Its endpoint serves, as after `atomic-plugin install crud`.
    expect((await getAs(`${host.url}/crud`, owner(), 'application/json')).status).toBe(200);
  });

  it('lists the installed plugins with status, version, hooks, permissions granted or not, counters and package', async () => {
    await tab('Installed');
    await poll(() => installedCard(CONFIGURABLE).isVisible()).toBe(true);
    const card = await installedCard(CONFIGURABLE).innerText();
    expect(card).toContain('0.1.0');
    expect(card).toContain('active');
    expect(card).toContain('/plugins/test/configurable/config');
    expect(card).toContain('✓ read');
    expect(card).toContain('✗ storage (asked, not granted)');
    expect(card).toMatch(/calls \d+ · failures 0 · timeouts 0 · restarts 0/);
    expect(card).toContain('trusted');
    expect(await installedCard(CRUD).innerText()).toContain('✓ full-drive-access');
  });

  it('edits the config: the browser refuses what the schema forbids, the server what the plugin refuses, and a valid one is saved and applied', async () => {
    await installedCard(CONFIGURABLE).getByRole('button', { name: `Configure ${CONFIGURABLE}` }).click();
    await poll(() => page.getByRole('form', { name: `Config of ${CONFIGURABLE}` }).isVisible()).toBe(true);
    // The form shows the current config in a control per property.
    expect(await field('Greeting (required)').inputValue()).toBe('hello');
    expect(await field('Retries (required)').inputValue()).toBe('3');
    expect(await field('Mode').inputValue()).not.toBe('');
    expect(await field('Tags').inputValue()).toBe('alpha');
    expect(await field('Per minute (required)').inputValue()).toBe('60');
    expect(await field('Verbose').isChecked()).toBe(false);

    await field('Retries (required)').fill('99');
    await field('Tags').fill('alpha\nNot Lower');
    await field('Ratio').fill('half');
    await page.getByRole('button', { name: 'Save config' }).click();
    await poll(() => page.locator('form.config .problems').innerText()).toContain('The config has');
    expect(await page.locator('[data-pointer="/ratio"] .problem').innerText()).toBe('Enter a number.');
    await field('Ratio').fill('0.25');
    await page.getByRole('button', { name: 'Save config' }).click();
    await poll(() => page.locator('[data-pointer="/retries"] .problem').innerText()).toContain('10');
    expect(await field('Retries (required)').getAttribute('aria-invalid')).toBe('true');
    expect(await page.locator('[data-pointer="/tags"] .problem').innerText()).toMatch(/pattern|match/i);
    expect((await servedConfig()).body?.retries).toBe(3);

    await field('Retries (required)').fill('5');
    await field('Tags').fill('alpha\nbeta');
    await field('Greeting (required)').fill('refuse me');
    await page.getByRole('button', { name: 'Save config' }).click();
    await poll(() => page.locator('form.config .problems').innerText()).toContain('The server refused it');
    expect(await page.locator('form.config .problems').innerText()).toContain('refuses the greeting "refuse me"');
    expect((await servedConfig()).body?.greeting).toBe('hello');

    await field('Greeting (required)').fill('bonjour');
    await field('Verbose').check();
    await field('Mode').selectOption({ label: 'careful' });
    await field('Label').fill('night');
    await page.getByRole('button', { name: 'Save config' }).click();
    await poll(noticeText).toBe(`Saved the config of ${CONFIGURABLE}.`);
    const applied = { greeting: 'bonjour', retries: 5, ratio: 0.25, verbose: true, mode: 'careful', tags: ['alpha', 'beta'], limits: { perMinute: 60, label: 'night' } };
    expect(await servedConfig()).toEqual({ status: 200, body: applied });
    expect((await pluginResource(configurableSubject())).body?.[props.plugin.config]).toEqual(applied);
    expect(await page.locator('form.config').count()).toBe(0);
  });

  it('disables and enables a plugin', async () => {
    await installedCard(CONFIGURABLE).getByRole('button', { name: `Disable ${CONFIGURABLE}` }).click();
    await poll(noticeText).toBe(`Disabled ${CONFIGURABLE}.`);
    await poll(() => installedCard(CONFIGURABLE).locator('.badge.disabled').isVisible()).toBe(true);
    expect((await servedConfig()).status).toBe(404);
    await installedCard(CONFIGURABLE).getByRole('button', { name: `Enable ${CONFIGURABLE}` }).click();
    await poll(noticeText).toBe(`Enabled ${CONFIGURABLE}.`);
    await poll(() => installedCard(CONFIGURABLE).locator('.badge.active').isVisible()).toBe(true);
    expect((await servedConfig()).body?.greeting).toBe('bonjour');
  });

  it('updates to a newer release published to the registry, keeping the config', async () => {
    await publish('0.2.0');
    await page.reload();
    const update = installedCard(CONFIGURABLE).getByRole('button', { name: `Update to 0.2.0 ${CONFIGURABLE}` });
    await poll(() => update.isVisible()).toBe(true);
    await update.click();
    expect(await dialog().getByRole('heading').innerText()).toBe(`Update ${CONFIGURABLE} 0.1.0 to 0.2.0?`);
    // storage was not granted before: the prompt marks it as new.
    expect(await dialog().locator('li', { hasText: 'storage' }).locator('.badge').innerText()).toBe('new');
    await dialog().getByRole('checkbox', { name: /storage/ }).uncheck();
    await dialog().getByRole('button', { name: 'Update' }).click();
    await poll(noticeText).toBe(`Updated ${CONFIGURABLE} from 0.1.0 to 0.2.0.`);
    await poll(() => installedCard(CONFIGURABLE).innerText()).toContain('0.2.0');
    expect(await update.count()).toBe(0);
    const resource = (await pluginResource(configurableSubject())).body!;
    expect(resource[props.plugin.version]).toBe('0.2.0');
    expect(resource[props.plugin.permissions]).toEqual(['read']);
    expect((await servedConfig()).body?.greeting).toBe('bonjour');
  });

  it('shows a plugin\'s log', async () => {
    await installedCard(CONFIGURABLE).getByRole('link', { name: `Log of ${CONFIGURABLE}` }).click();
    await poll(() => page.getByRole('heading', { name: `Log of ${CONFIGURABLE}` }).isVisible()).toBe(true);
    await poll(() => page.locator('.log-lines').innerText()).toContain('0.2.0 ready, greeting "bonjour"');
    await page.getByRole('link', { name: '← Installed plugins' }).click();
    await poll(() => installedCard(CONFIGURABLE).isVisible()).toBe(true);
  });

  it('is usable at phone width: nothing scrolls sideways', async () => {
    await page.setViewportSize({ width: 375, height: 800 });
    for (const screen of ['installed', 'store'] as const) {
      await page.goto(`${host.url}/_dashboard/#/${screen}`);
      await poll(() => page.locator(screen === 'store' ? 'li.listing' : 'li.plugin').first().isVisible()).toBe(true);
      await poll(noHorizontalOverflow).toBe(true);
      const shot = await page.screenshot({ fullPage: true });
      // The page is as wide as the phone, whatever its length.
      expect(shot.readUInt32BE(16)).toBe(375);
    }
    await page.goto(`${host.url}/_dashboard/#/installed`);
    await installedCard(CONFIGURABLE).getByRole('button', { name: `Configure ${CONFIGURABLE}` }).click();
    await poll(() => page.locator('form.config').isVisible()).toBe(true);
    expect(await noHorizontalOverflow()).toBe(true);
    await page.goto(`${host.url}/_dashboard/#/store`);
    await listing('atomic/todo').getByRole('button', { name: 'Install atomic/todo' }).click();
    await poll(() => dialog().isVisible()).toBe(true);
    const box = await dialog().boundingBox();
    expect(box!.x).toBeGreaterThanOrEqual(0);
    expect(box!.x + box!.width).toBeLessThanOrEqual(375);
    await dialog().getByRole('button', { name: 'Cancel' }).click();
    await page.setViewportSize({ width: 1100, height: 900 });
  });

  it('uninstalls after the user confirms', async () => {
    await page.goto(`${host.url}/_dashboard/#/installed`);
    await installedCard(CONFIGURABLE).getByRole('button', { name: `Uninstall ${CONFIGURABLE}` }).click();
    await poll(noticeText).toBe(`Uninstalled ${CONFIGURABLE}.`);
    expect(dialogs.at(-1)).toContain(`Uninstall ${CONFIGURABLE}?`);
    expect(await installedCard(CONFIGURABLE).count()).toBe(0);
    expect((await pluginResource(configurableSubject())).status).toBe(404);
    expect((await servedConfig()).status).toBe(404);
    // The store offers it again.
    await tab('Store');
    await poll(() => listing(CONFIGURABLE).getByRole('button', { name: `Install ${CONFIGURABLE}` }).isVisible()).toBe(true);
  });
});
