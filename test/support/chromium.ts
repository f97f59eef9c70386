// Debian's Chromium driven by playwright-core, for the browser suites (todo, dashboard). Outside
// CI a machine without Chromium skips those suites; in CI (.ci/run installs it) they must run.

import { existsSync } from 'node:fs';
import { chromium, type Browser } from 'playwright-core';
import { expect } from 'vitest';

const CHROMIUM = '/usr/bin/chromium';
const CHROMIUM_ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking'];

/** True when the browser suites cannot run here (no Chromium, and not in CI). */
export const noChromium = !existsSync(CHROMIUM) && !process.env.CI;

/** Starts a headless Chromium. */
export function launchChromium(): Promise<Browser> {
  return chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS });
}

/** Waits for what a page shows to settle: each gesture is a signed request and a commit, slow on a loaded box. */
export function poll<T>(read: () => Promise<T> | T): ReturnType<typeof expect.poll<Promise<T> | T>> {
  return expect.poll(read, { timeout: 15_000, interval: 50 });
}
