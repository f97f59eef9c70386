// Real Chromium for browser tests: Debian's /usr/bin/chromium driven by playwright-core, with the
// flags a headless run in a container needs. Outside CI a machine without it skips those tests; in
// CI (.ci/run installs it) they must run.

import { existsSync } from 'node:fs';
import { chromium, type Browser } from 'playwright-core';

export const CHROMIUM = '/usr/bin/chromium';
const CHROMIUM_ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking'];

/** True when browser tests cannot run here and may be skipped (no Chromium, not in CI). */
export const skipWithoutChromium = !existsSync(CHROMIUM) && !process.env.CI;

/** Starts Chromium. */
export function launchChromium(): Promise<Browser> {
  return chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS });
}
