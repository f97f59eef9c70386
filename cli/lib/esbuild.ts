// Bundling js-runtime plugins with esbuild, as a plugin author would: one entry (TypeScript or
// JavaScript written against the Extism JS PDK API) to one CommonJS script, the `plugin.js` of a
// package — the same shape extism-js compiles — with the files it embeds (embed.ts). Cached in
// os.tmpdir() by content: a build records the files esbuild read (its metafile, and the browser
// bundles' inputs) with their hashes, and is reused while none has changed, so tests, benchmarks
// and the CLI share one build of the same sources.

import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { isAbsolute, join, resolve } from 'node:path';
import { build, version as esbuildVersion, type BuildOptions } from 'esbuild';
import { embedPlugin, isFileInput, textLoaders } from './embed.js';

/** A bundled plugin script, and whether it came from the cache. */
export interface ScriptBuild {
  script: Uint8Array;
  cached: boolean;
  ms: number;
}

/** What a cache entry records: every input file with its hash, and the output. */
interface CacheEntry {
  inputs: Record<string, string>;
  script: string;
}

/**
 * The esbuild options for a js-runtime plugin: a CommonJS bundle (`module.exports` is how the
 * runtime, like extism-js, finds the exports), ES2020 (what QuickJS and extism-js both run), and
 * no platform: the sandbox has neither Node's nor a browser's globals.
 */
export const pluginBuildOptions = {
  bundle: true,
  format: 'cjs',
  platform: 'neutral',
  target: 'es2020',
  mainFields: ['module', 'main'],
  legalComments: 'none',
  charset: 'utf8',
  loader: textLoaders,
} as const satisfies BuildOptions;

function sha256(data: string | Uint8Array): string {
  return createHash('sha256').update(data).digest('hex');
}

function readEntry(file: string): CacheEntry | null {
  if (!existsSync(file)) return null;
  try {
    const entry = JSON.parse(readFileSync(file, 'utf8')) as CacheEntry;
    for (const [path, hash] of Object.entries(entry.inputs)) {
      if (!existsSync(path) || sha256(readFileSync(path)) !== hash) return null;
    }
    return entry;
  } catch {
    return null;
  }
}

/**
 * Bundles `entry` (a path, relative to `dir`) into one script for the js runtime.
 *
 * @example
 * const { script } = await bundlePlugin('fixtures/plugins/probe/js', 'index.ts');
 * zip({ 'plugin.json': manifest, 'plugin.js': script });
 */
export async function bundlePlugin(dir: string, entry = 'index.ts'): Promise<ScriptBuild> {
  const started = performance.now();
  const entryPath = isAbsolute(entry) ? entry : resolve(dir, entry);
  const cacheDir = join(tmpdir(), 'atomic-plugin-esbuild-cache');
  mkdirSync(cacheDir, { recursive: true });
  const file = join(cacheDir, `${sha256(JSON.stringify([esbuildVersion, pluginBuildOptions, entryPath])).slice(0, 24)}.json`);
  const hit = readEntry(file);
  if (hit) return { script: new TextEncoder().encode(hit.script), cached: true, ms: performance.now() - started };

  // Files embedded as browser bundles (embed.ts) are read by nested builds: they are listed here.
  const embedded = new Set<string>();
  const result = await build({
    ...pluginBuildOptions,
    entryPoints: [entryPath],
    absWorkingDir: dir,
    write: false,
    metafile: true,
    logLevel: 'silent',
    plugins: [embedPlugin(embedded)],
  });
  const output = result.outputFiles[0];
  if (!output) throw new Error(`esbuild produced no output for ${entryPath}`);
  const inputs: Record<string, string> = {};
  for (const path of [...Object.keys(result.metafile.inputs).filter(isFileInput).map((input) => resolve(dir, input)), ...embedded]) {
    inputs[path] = sha256(readFileSync(path));
  }
  const partial = `${file}.${process.pid}.partial`;
  writeFileSync(partial, JSON.stringify({ inputs, script: output.text } satisfies CacheEntry));
  renameSync(partial, file);
  return { script: output.contents, cached: false, ms: performance.now() - started };
}
