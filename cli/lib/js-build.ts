// `build` for js plugins: the source bundled by esbuild (cli/lib/esbuild.ts, cached) into the
// package's plugin.js, then loaded once in the js runtime's own sandbox, whose prepare lists the
// script's exports: the same check the host makes at install, so a missing hook fails here.

import { join } from 'node:path';
import { requiredExports, type PluginManifest } from '../../server/plugins/manifest.js';
import { allowedHostFunctionsFor } from '../../server/plugins/permissions.js';
import { createJsRuntime } from '../../server/plugins/runtimes/js/index.js';
import { PluginLoadError } from '../../server/plugins/runtimes/runtime.js';
import { bundlePlugin } from './esbuild.js';
import { compileError } from './esbuild-errors.js';
import { CliError } from './errors.js';

/** What compiling a plugin's code gave: the entry's bytes, and whether they came from a cache. */
export interface CompiledCode {
  code: Uint8Array;
  cached: boolean;
}

/** The most memory any plugin may have: what prepare's throwaway sandbox gets too. */
const PREPARE_MEMORY_MB = 64;

/** Throws MISSING_EXPORT when `exported` lacks an export the manifest's hooks need. */
export function checkExports(manifest: PluginManifest, exported: readonly string[], hint: (name: string) => string): void {
  const missing = requiredExports(manifest).filter((name) => !exported.includes(name));
  if (missing.length > 0) {
    throw new CliError('MISSING_EXPORT', `The plugin does not export ${missing.map((m) => `"${m}"`).join(', ')}, which the hooks in plugin.json need`, [
      `${hint(missing[0]!)}, or remove the hook from plugin.json (docs/plugins/abi.md lists which hook needs which export)`,
    ]);
  }
}

/** Bundles `source` in `root` into plugin.js and checks it loads and exports what the hooks need. */
export async function compileJsPlugin(root: string, source: string, manifest: PluginManifest): Promise<CompiledCode> {
  let built: { script: Uint8Array; cached: boolean };
  try {
    built = await bundlePlugin(root, source);
  } catch (error) {
    throw compileError(error, source, root);
  }
  let exported: readonly string[];
  try {
    const prepared = await createJsRuntime().prepare!(built.script, {
      memoryMb: PREPARE_MEMORY_MB,
      allowedHostFunctions: allowedHostFunctionsFor(manifest.permissions.map((p) => p.name)),
    });
    exported = prepared.exports;
  } catch (error) {
    if (!(error instanceof PluginLoadError)) throw error;
    throw new CliError('BUILD_FAILED', `The bundle of ${source} does not load in the js sandbox: ${error.message}`, [
      `its top-level code runs at load with the Extism JS PDK's globals only (no Node, no DOM, no timers); see ${join('node_modules', 'atomic-plugin', 'sdk', 'js', 'README.md')}`,
    ]);
  }
  checkExports(manifest, exported, (name) => `add \`export function ${name}(): number\` to ${source}`);
  return { code: built.script, cached: built.cached };
}
