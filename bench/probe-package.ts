// The probe plugin (fixtures/plugins/probe) for the plugin benchmarks: compiled with the real asc
// (the same cached build the tests use) and packaged and signed the way a publisher would.

import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { compileAssemblyScript, packageRoot } from '../cli/lib/assemblyscript.js';
import type { AgentIdentity } from '../server/atomic/agent.js';
import { buildPackage, signPackage } from '../server/plugins/package.js';

export const probeDir = join(packageRoot, 'fixtures/plugins/probe');

/** Every permission the probe asks for; its code imports the host functions of all of them. */
export const PROBE_PERMISSIONS = ['read', 'write', 'storage', 'network', 'call-plugins', 'monitor'];

/** The probe's code and two signed packages of it. */
export interface ProbeBuild {
  wasm: Uint8Array;
  /** The probe as shipped: its manifest unchanged (every hook, a 1 s schedule). */
  shipped: Uint8Array;
  /**
   * The same code with a manifest that declares only its endpoints and its before-commit hook, the
   * hook for resources of class `hookedClass` only: commits measure before_commit alone (no
   * after_commit key/value write, no schedule ticks), and commits with and without the hook can be
   * mixed in one phase against one installation.
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
