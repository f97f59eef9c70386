// Builds a process plugin's entry the way an author would ship it: the entry and everything it
// imports (here the Node helper, sdk/node) bundled by esbuild into one ES module, so the package
// needs nothing from npm at run time and the plugin can read nothing outside its run folder.

import { join } from 'node:path';
import { build } from 'esbuild';
import { repoRoot } from './host-process.js';

/** Bundles `entry` (a .mjs/.ts file) into one ES module for the host's Node. */
export async function bundleProcessPlugin(entry: string): Promise<Uint8Array> {
  const result = await build({
    entryPoints: [entry],
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    write: false,
    logLevel: 'silent',
  });
  const file = result.outputFiles[0];
  if (!file) throw new Error(`esbuild produced nothing for ${entry}`);
  return file.contents;
}

/** Bundles plugin source given as text; `sdk` imports resolve to the Node helper (sdk/node). */
export async function bundleProcessSource(source: string): Promise<Uint8Array> {
  const result = await build({
    stdin: { contents: source, resolveDir: repoRoot, loader: 'js', sourcefile: 'plugin.mjs' },
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    write: false,
    logLevel: 'silent',
    alias: { sdk: join(repoRoot, 'sdk/node/index.ts') },
  });
  const file = result.outputFiles[0];
  if (!file) throw new Error('esbuild produced nothing');
  return file.contents;
}
