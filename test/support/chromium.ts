// Real Chromium for the browser tests: Debian's /usr/bin/chromium driven by playwright-core, with
// the flags that let it run headless in a container (DESIGN.md). Outside CI a machine without it
// skips those tests; in CI (.ci/run installs it) they must run.

import { existsSync } from 'node:fs';
import { chromium, type Browser } from 'playwright-core';

const CHROMIUM = '/usr/bin/chromium';
const CHROMIUM_ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking'];

/** Whether the browser tests are skipped here: no Chromium, and not in CI. */
export const skipWithoutChromium = !existsSync(CHROMIUM) && !process.env.CI;

/** Starts Chromium. */
export function launchChromium(): Promise<Browser> {
  return chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS });
}
