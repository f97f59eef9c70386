// Builds AssemblyScript plugins with the real `asc`, as a plugin author would, cached in
// os.tmpdir() by a hash of the sources (the SDK's and the plugin's) so repeated runs are fast.

import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, readdirSync, renameSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { repoRoot } from './host-process.js';

const sdkDir = join(repoRoot, 'sdk/assemblyscript');
const ascBin = join(repoRoot, 'node_modules/assemblyscript/bin/asc.js');

function tsFiles(dir: string): string[] {
  return readdirSync(dir)
    .filter((f) => f.endsWith('.ts') && !f.endsWith('.test.ts'))
    .map((f) => join(dir, f))
    .sort();
}

/** Compiles `entry` in `dir` (run from that folder, `--use abort={entry}/myAbort -O3`). */
export async function compileAssemblyScript(dir: string, entry = 'index.ts'): Promise<Uint8Array> {
  const stem = entry.replace(/\.ts$/, '');
  const args = [entry, '--use', `abort=${stem}/myAbort`, '-O3'];
  const hash = createHash('sha256');
  hash.update(JSON.stringify(args));
  for (const pkg of ['assemblyscript', '@extism/as-pdk']) hash.update(readFileSync(join(repoRoot, 'node_modules', pkg, 'package.json')));
  for (const file of [...tsFiles(sdkDir), ...tsFiles(dir)]) hash.update(file).update(readFileSync(file));
  const cacheDir = join(tmpdir(), 'atomic-plugin-asc-cache');
  mkdirSync(cacheDir, { recursive: true });
  const prefix = `${basename(dir)}-${stem}-`;
  const out = join(cacheDir, `${prefix}${hash.digest('hex').slice(0, 16)}.wasm`);
  if (!existsSync(out)) {
    // Builds of older sources are not needed any more.
    for (const old of readdirSync(cacheDir)) if (old.startsWith(prefix) && old.endsWith('.wasm')) rmSync(join(cacheDir, old), { force: true });
    const partial = `${out}.${process.pid}.partial`;
    await new Promise<void>((resolve, reject) => {
      execFile(process.execPath, [ascBin, ...args, '--outFile', partial], { cwd: dir, timeout: 120_000 }, (error, stdout, stderr) => {
        if (error) reject(new Error(`asc ${entry} failed:\n${stdout}${stderr}`));
        else resolve();
      });
    });
    renameSync(partial, out);
  }
  return readFileSync(out);
}
