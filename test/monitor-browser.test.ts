// The system monitor (plugins/monitor) in real Chromium against a real server with the monitor and
// the CRUD plugin installed by name with the CLI: signing in, figures that refresh every second,
// an operator disabling, enabling and restarting a plugin, a reader who may look but whose
// actions the server refuses, and the page at phone width. Needs Debian's chromium.

import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser, Locator, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { encodeSecret, type AgentIdentity } from '../server/atomic/agent.js';
import { signRequestHeaders } from '../server/atomic/auth.js';
import { localProps, props } from '../server/atomic/urls.js';
import { cliEnv, expectSuccess, runCli } from './support/cli-run.js';
import { launchChromium, noChromium, poll } from './support/chromium.js';
import { ownerOf, postCommit, registerAgent } from './support/commits.js';
import { startHostProcess, type HostProcess } from './support/host-process.js';

describe.skipIf(noChromium)('the system monitor in Chromium', () => {
  let host: HostProcess;
  let browser: Browser;
  let page: Page;
  let work: string;
  let crud: string;
  let reader: AgentIdentity;
  const cli = (...args: string[]) => runCli(args, { env: cliEnv(join(work, 'config.json'), { ATOMIC_SERVER_URL: host.url, ATOMIC_AGENT_SECRET: host.secret }), timeoutMs: 180_000 });
  const install = async (name: string): Promise<string> => expectSuccess<{ subject: string }>(await cli('install', name, '--yes', '--json'), `install ${name}`).subject;

  const row = (p: Page, subject: string): Locator => p.locator(`tbody tr[data-subject="${subject}"]`);
  const status = (p: Page, subject: string): Promise<string | null> => row(p, subject).getAttribute('data-status');
  const calls = async (p: Page, subject: string): Promise<number> => Number(await row(p, subject).locator('td.calls').textContent());
  const action = (p: Page, subject: string, name: string): Locator => row(p, subject).locator(`button[data-action="${name}"]`);
  const signIn = async (p: Page, secret: string): Promise<void> => {
    await p.goto(`${host.url}/monitor/`);
    await p.locator('#secret').fill(secret);
    await p.locator('.sign-in button[type=submit]').click();
  };

  beforeAll(async () => {
    work = mkdtempSync(join(tmpdir(), 'atomic-monitor-browser-'));
    host = await startHostProcess();
    await install('monitor');
    crud = await install('crud');
    reader = await registerAgent(host.url, 'Reader');
    expect((await postCommit(host.url, { subject: host.url, push: { [props.read]: [reader.subject] } }, ownerOf(host))).status).toBe(200);
    browser = await launchChromium();
    page = await (await browser.newContext()).newPage();
  }, 300_000);
  afterAll(async () => {
    await browser?.close();
    await host?.dispose();
    if (work) rmSync(work, { recursive: true, force: true });
  });

  it('asks an anonymous visitor to sign in, and refuses a secret that is not one', async () => {
    await page.goto(`${host.url}/monitor/`);
    await expect.poll(() => page.locator('.sign-in').isVisible()).toBe(true);
    expect(await page.locator('main').isVisible()).toBe(false);
    await signIn(page, 'certainly not a secret');
    await poll(() => page.locator('.error').textContent()).toContain('not an agent secret');
  });

  it('shows the host and every plugin once the owner signs in', async () => {
    await signIn(page, host.secret);
    await poll(() => page.locator('main').isVisible()).toBe(true);
    expect(await page.locator('.session .agent').textContent()).toBe(ownerOf(host).subject);
    await poll(() => page.locator('tbody tr td.plugin').allTextContents()).toEqual([expect.stringContaining('atomic/crud'), expect.stringContaining('atomic/monitor')]);
    for (const figure of ['memory', 'cpu', 'disk', 'uptime']) expect(await page.locator(`[data-figure="${figure}"] .value`).textContent()).not.toBe('');
    expect(await page.locator('[data-figure="disk"] .value').textContent()).toMatch(/[KMGT]iB free$/);
    expect(await status(page, crud)).toBe('active');
  });

  it('refreshes the figures every second', async () => {
    const monitor = (await page.locator('tbody tr').filter({ hasText: 'atomic/monitor' }).getAttribute('data-subject'))!;
    const readings: string[] = [];
    const start = Date.now();
    while (Date.now() - start < 3500) {
      const at = await page.locator('.updated').getAttribute('data-at');
      if (at && readings.at(-1) !== at) readings.push(at);
      await page.waitForTimeout(100);
    }
    // About one reading a second: at least 3 in 3.5 s, never bunched.
    expect(readings.length).toBeGreaterThanOrEqual(3);
    const gaps = readings.slice(1).map((at, i) => Number(at) - Number(readings[i]));
    for (const gap of gaps) expect(gap).toBeGreaterThanOrEqual(800);
    // Each reading is a call of the monitor plugin: the page shows its own count rising.
    const before = await calls(page, monitor);
    await poll(() => calls(page, monitor)).toBeGreaterThan(before);
  });

  it('lets the operator disable, enable and restart a plugin, showing its status change', async () => {
    await action(page, crud, 'disable').click();
    await poll(() => status(page, crud)).toBe('disabled');
    // Its endpoints are gone (GET /crud lists the served classes while it runs).
    expect((await fetch(`${host.url}/crud`)).status).toBe(404);
    expect(await action(page, crud, 'restart').isVisible()).toBe(false);
    await action(page, crud, 'enable').click();
    await poll(() => status(page, crud)).toBe('active');
    await poll(() => page.locator('.notice').textContent()).toBe('atomic/crud enabled.');
    expect((await fetch(`${host.url}/crud`)).status).toBe(200);

    for (let i = 0; i < 3; i++) await fetch(`${host.url}/crud/anything`);
    await poll(() => calls(page, crud)).toBeGreaterThanOrEqual(3);
    await action(page, crud, 'restart').click();
    await poll(() => page.locator('.notice').textContent()).toBe('atomic/crud restarted.');
    // A fresh sandbox: its count starts again.
    await poll(() => calls(page, crud)).toBeLessThan(3);
    expect(await row(page, crud).locator('td.errors').getAttribute('title')).toBe('1 restarts');
    expect(await page.locator('.error').isVisible()).toBe(false);
  });

  it('shows a reader the figures without the actions, which the server refuses anyway', async () => {
    const other = await (await browser.newContext()).newPage();
    await signIn(other, encodeSecret(reader));
    await poll(() => status(other, crud)).toBe('active');
    for (const name of ['disable', 'enable', 'restart']) expect(await action(other, crud, name).isVisible(), name).toBe(false);
    expect(await other.locator('.read-only').textContent()).toContain('takes write rights on the drive');
    expect(await page.locator('.read-only').isVisible()).toBe(false);
    expect(await action(page, crud, 'disable').isVisible()).toBe(true);
    // What the page does not offer, the server refuses: the commit the button would sign, and a restart.
    const disabled = await postCommit(host.url, { subject: crud, set: { [localProps(host.url).pluginEnabled]: false } }, reader);
    expect([disabled.status, disabled.text]).toEqual([403, expect.stringContaining(`${reader.subject} may`)]);
    const restartUrl = `${host.url}/plugins/restart?plugin=${encodeURIComponent(crud)}`;
    const restart = await fetch(restartUrl, { method: 'POST', headers: signRequestHeaders(restartUrl, reader) });
    expect([restart.status, await restart.text()]).toEqual([403, expect.stringContaining('may not restart')]);
    expect(await status(other, crud)).toBe('active');
    await other.close();
  });

  it('fits a phone: no sideways scrolling, each plugin a card with labelled figures', async () => {
    await page.setViewportSize({ width: 360, height: 740 });
    await page.reload();
    await poll(() => status(page, crud)).toBe('active');
    // (Expressions as text: these tests are type-checked without the DOM's types.)
    expect(await page.evaluate('document.documentElement.scrollWidth')).toBeLessThanOrEqual(360);
    expect(await page.locator('thead').isVisible()).toBe(false);
    expect(await page.evaluate(`getComputedStyle(document.querySelector('tbody td.calls'), '::before').content`)).toBe('"Calls"');
    await page.setViewportSize({ width: 1280, height: 800 });
    expect(await page.locator('thead').isVisible()).toBe(true);
  });
});
