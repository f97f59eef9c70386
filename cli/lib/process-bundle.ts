// Bundling process-runtime plugins with esbuild, as an author ships them: the entry and everything
// it imports (the Node helper, sdk/node, and any npm package) in one ES module for the host's
// Node, so the package needs no node_modules at run time, where the plugin could not read them
// anyway (Node's permission model confines it to its package and data folder). Files it embeds
// (`import page from './index.html'`, `./app.ts?browser`) are bundled in too (embed.ts). The
// CLI's `build` and the tests' fixtures both bundle through here.

import { build, type BuildOptions } from 'esbuild';
import { embedPlugin, textLoaders } from './embed.js';

/**
 * The esbuild options for a process plugin: an ES module for Node 20. The banner gives bundled
 * CommonJS packages a `require` for Node's built-ins, and `__dirname`/`__filename`, which esbuild's
 * ESM output does not have; as globals, so that a source declaring its own top-level names does
 * not collide with them. `__dirname` is the package folder, where the manifest's `files` put what
 * such a package reads next to itself (oxigraph's `${__dirname}/node_bg.wasm`).
 */
export const processBuildOptions = {
  bundle: true,
  platform: 'node',
  format: 'esm',
  target: 'node20',
  legalComments: 'none',
  loader: textLoaders,
  banner: {
    js: [
      "import { createRequire as __atomicPluginCreateRequire } from 'node:module';",
      "import { dirname as __atomicPluginDirname } from 'node:path';",
      "import { fileURLToPath as __atomicPluginFileURLToPath } from 'node:url';",
      'globalThis.require ??= __atomicPluginCreateRequire(import.meta.url);',
      'globalThis.__filename ??= __atomicPluginFileURLToPath(import.meta.url);',
      'globalThis.__dirname ??= __atomicPluginDirname(globalThis.__filename);',
    ].join(' '),
  },
} as const satisfies BuildOptions;

/** Where and how to bundle: `alias` maps import names to files (tests map `sdk` to sdk/node). */
export interface ProcessBundleOptions {
  /** The folder relative imports and node_modules are resolved from. */
  readonly resolveDir?: string;
  readonly alias?: Readonly<Record<string, string>>;
}

function only(files: { contents: Uint8Array }[] | undefined, what: string): Uint8Array {
  const file = files?.[0];
  if (!file) throw new Error(`esbuild produced nothing for ${what}`);
  return file.contents;
}

/**
 * Bundles the file `entry` (.ts, .mts, .js or .mjs) into one ES module. Compile errors reject with
 * esbuild's BuildFailure, whose `errors` carry file, line and column.
 *
 * @example
 * const code = await bundleProcessPlugin('/work/hello/index.ts', { resolveDir: '/work/hello' });
 */
export async function bundleProcessPlugin(entry: string, options: ProcessBundleOptions = {}): Promise<Uint8Array> {
  const result = await build({
    ...processBuildOptions,
    entryPoints: [entry],
    ...(options.resolveDir === undefined ? {} : { absWorkingDir: options.resolveDir }),
    ...(options.alias === undefined ? {} : { alias: { ...options.alias } }),
    write: false,
    logLevel: 'silent',
    plugins: [embedPlugin(new Set())],
  });
  return only(result.outputFiles, entry);
}

/** Bundles plugin source given as JavaScript text, resolving its imports from `resolveDir`. */
export async function bundleProcessSource(source: string, options: ProcessBundleOptions & { resolveDir: string }): Promise<Uint8Array> {
  const result = await build({
    ...processBuildOptions,
    stdin: { contents: source, resolveDir: options.resolveDir, loader: 'js', sourcefile: 'plugin.mjs' },
    ...(options.alias === undefined ? {} : { alias: { ...options.alias } }),
    write: false,
    logLevel: 'silent',
  });
  return only(result.outputFiles, 'the source');
}
