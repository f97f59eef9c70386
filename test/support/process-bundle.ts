// Builds a process plugin's entry the way an author would ship it, through the CLI's own bundler
// (cli/lib/process-bundle.ts): one ES module with the entry and everything it imports.

import { join } from 'node:path';
import { bundleProcessPlugin as bundle, bundleProcessSource as bundleSource } from '../../cli/lib/process-bundle.js';
import { repoRoot } from './host-process.js';

/** Bundles `entry` (a .mjs/.ts file) into one ES module for the host's Node. */
export function bundleProcessPlugin(entry: string): Promise<Uint8Array> {
  return bundle(entry);
}

/** Bundles plugin source given as text; `sdk` imports resolve to the Node helper (sdk/node). */
export function bundleProcessSource(source: string): Promise<Uint8Array> {
  return bundleSource(source, { resolveDir: repoRoot, alias: { sdk: join(repoRoot, 'sdk/node/index.ts') } });
}
