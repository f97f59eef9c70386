// Compiling AssemblyScript plugins with the real `asc`, as a plugin author would, cached in
// os.tmpdir() by a hash of everything that goes in (the SDK, the plugin's sources, the compiler
// version), so that tests, benchmarks and repeated builds share one build of the same sources.

import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, readdirSync, renameSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { basename, dirname, join } from 'node:path';
import { packageDir } from '../../server/package-dir.js';

/** The atomic-plugin package's own folder (from the TypeScript source or compiled into dist/). */
export const packageRoot: string = packageDir();

const require = createRequire(import.meta.url);
const sdkDir = join(packageRoot, 'sdk/assemblyscript');

function tsFiles(dir: string): string[] {
  return readdirSync(dir)
    .filter((f) => f.endsWith('.ts') && !f.endsWith('.test.ts'))
    .map((f) => join(dir, f))
    .sort();
}

/**
 * The plugin's own sources: every .ts file in `dir` and its subfolders (a plugin may import its
 * own modules from them), but not node_modules, dist or hidden folders.
 */
function pluginSources(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true })
    .flatMap((entry) => {
      const path = join(dir, entry.name);
      if (entry.isDirectory()) return entry.name === 'node_modules' || entry.name === 'dist' || entry.name.startsWith('.') ? [] : pluginSources(path);
      return entry.name.endsWith('.ts') && !entry.name.endsWith('.test.ts') ? [path] : [];
    })
    .sort();
}

/** A compiled module, and whether it came from the cache. */
export interface AssemblyScriptBuild {
  wasm: Uint8Array;
  cached: boolean;
  ms: number;
}

/** Compiles `entry` in `dir` (run from that folder, `--use abort={entry}/myAbort -O3`). */
export async function compileAssemblyScript(dir: string, entry = 'index.ts'): Promise<AssemblyScriptBuild> {
  const started = performance.now();
  const stem = entry.replace(/\.ts$/, '');
  const args = [entry, '--use', `abort=${stem}/myAbort`, '-O3'];
  const hash = createHash('sha256');
  hash.update(JSON.stringify(args));
  for (const pkg of ['assemblyscript', '@extism/as-pdk']) hash.update(readFileSync(require.resolve(`${pkg}/package.json`)));
  for (const file of [...tsFiles(sdkDir), ...pluginSources(dir)]) hash.update(file).update(readFileSync(file));
  const cacheDir = join(tmpdir(), 'atomic-plugin-asc-cache');
  mkdirSync(cacheDir, { recursive: true });
  const prefix = `${basename(dir)}-${stem}-`;
  const out = join(cacheDir, `${prefix}${hash.digest('hex').slice(0, 16)}.wasm`);
  const cached = existsSync(out);
  if (!cached) {
    // Builds of older sources are not needed any more.
    for (const old of readdirSync(cacheDir)) if (old.startsWith(prefix) && old.endsWith('.wasm')) rmSync(join(cacheDir, old), { force: true });
    const partial = `${out}.${process.pid}.partial`;
    const ascBin = join(dirname(require.resolve('assemblyscript/package.json')), 'bin', 'asc.js');
    await new Promise<void>((resolve, reject) => {
      execFile(process.execPath, [ascBin, ...args, '--outFile', partial], { cwd: dir, timeout: 120_000 }, (error, stdout, stderr) => {
        if (error) reject(new Error(`asc ${entry} failed:\n${stdout}${stderr}`));
        else resolve();
      });
    });
    renameSync(partial, out);
  }
  return { wasm: readFileSync(out), cached, ms: performance.now() - started };
}
