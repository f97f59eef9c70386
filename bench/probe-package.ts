// The probe plugin (fixtures/plugins/probe) for the plugin benchmarks: compiled with the real asc and
// packaged and signed the way a publisher would. The build is cached in os.tmpdir() under the same
// name and key as test/support/asc.ts, so tests and benchmark share one build of the same sources.
// (The test helpers themselves cannot be imported: compiled into dist/ they would look for the SDK and
// asc relative to dist/ instead of the repository.)

import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, readdirSync, renameSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { AgentIdentity } from '../server/atomic/agent.js';
import { buildPackage, signPackage } from '../server/plugins/package.js';

/** The repository root: this file runs as dist/bench/probe-package.js. */
export const repoRoot = fileURLToPath(new URL('../..', import.meta.url));
export const probeDir = join(repoRoot, 'fixtures/plugins/probe');
const sdkDir = join(repoRoot, 'sdk/assemblyscript');
const ascBin = join(repoRoot, 'node_modules/assemblyscript/bin/asc.js');

/** Every permission the probe asks for; its code imports the host functions of all of them. */
export const PROBE_PERMISSIONS = ['read', 'write', 'storage', 'network', 'call-plugins'];

function tsFiles(dir: string): string[] {
  return readdirSync(dir)
    .filter((f) => f.endsWith('.ts') && !f.endsWith('.test.ts'))
    .map((f) => join(dir, f))
    .sort();
}

/** Compiles `entry` in `dir` with asc (`--use abort={entry}/myAbort -O3`), cached by a hash of the sources. */
export async function compileAssemblyScript(dir: string, entry = 'index.ts'): Promise<{ wasm: Uint8Array; cached: boolean; ms: number }> {
  const started = performance.now();
  const stem = entry.replace(/\.ts$/, '');
  const args = [entry, '--use', `abort=${stem}/myAbort`, '-O3'];
  // The same key as test/support/asc.ts.
  const hash = createHash('sha256');
  hash.update(JSON.stringify(args));
  for (const pkg of ['assemblyscript', '@extism/as-pdk']) hash.update(readFileSync(join(repoRoot, 'node_modules', pkg, 'package.json')));
  for (const file of [...tsFiles(sdkDir), ...tsFiles(dir)]) hash.update(file).update(readFileSync(file));
  const cacheDir = join(tmpdir(), 'atomic-plugin-asc-cache');
  mkdirSync(cacheDir, { recursive: true });
  const prefix = `${basename(dir)}-${stem}-`;
  const out = join(cacheDir, `${prefix}${hash.digest('hex').slice(0, 16)}.wasm`);
  const cached = existsSync(out);
  if (!cached) {
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
  return { wasm: readFileSync(out), cached, ms: performance.now() - started };
}

/** The probe's code and two signed packages of it. */
export interface ProbeBuild {
  wasm: Uint8Array;
  /** The probe as shipped: its manifest unchanged (every hook, a 1 s schedule). */
  shipped: Uint8Array;
  /**
   * The same code with a manifest that declares only its endpoints and its before-commit hook, the
   * hook for resources of class `hookedClass` only: commits measure before_commit alone (no
   * after_commit key/value write, no schedule ticks), and commits with and without the hook can be
   * sent alternately to one installation.
   */
  bench: Uint8Array;
  compileMs: number;
  cached: boolean;
}

/** Builds the probe and packages it twice, signed by `publisher`. */
export async function buildProbe(publisher: AgentIdentity, hookedClass: string): Promise<ProbeBuild> {
  const { wasm, cached, ms } = await compileAssemblyScript(probeDir);
  const manifest = JSON.parse(readFileSync(join(probeDir, 'plugin.json'), 'utf8')) as { hooks: Record<string, unknown> };
  const pack = (m: unknown): Uint8Array =>
    signPackage(buildPackage({ 'plugin.json': new TextEncoder().encode(JSON.stringify(m)), 'plugin.wasm': wasm }), publisher);
  return {
    wasm,
    shipped: pack(manifest),
    bench: pack({ ...manifest, hooks: { endpoints: manifest.hooks.endpoints, beforeCommit: { classes: [hookedClass] } } }),
    compileMs: ms,
    cached,
  };
}
