// Builds a process plugin's entry the way an author would ship it: the entry and everything it
// imports (here the Node helper, sdk/node) bundled by esbuild into one ES module, so the package
// needs nothing from npm at run time and the plugin can read nothing outside its run folder.

import { build } from 'esbuild';

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
