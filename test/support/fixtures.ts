// The fixture plugins of the shared runtime table: the same probe and hostile plugin written for
// each runtime, so that one suite (test/plugins*.test.ts) runs unchanged against every runtime.
// Each runtime's copy keeps the manifest in fixtures/plugins/<name>/plugin.json (hooks, endpoints,
// permissions, limits) and only swaps `runtime` and `entry`, so their behaviour must match.

import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { AgentIdentity } from '../../server/atomic/agent.js';
import { buildPackage, signPackage } from '../../server/plugins/package.js';
import type { RuntimeKind } from '../../server/plugins/runtimes/runtime.js';
import { bundlePlugin } from '../../cli/lib/esbuild.js';
import { compileAssemblyScript } from './asc.js';
import { repoRoot } from './host-process.js';
import { bundleProcessPlugin } from './process-bundle.js';

export const probeDir = join(repoRoot, 'fixtures/plugins/probe');
export const hostileDir = join(repoRoot, 'fixtures/plugins/hostile');

/** Which fixture plugin: the probe, the hostile plugin, or the hostile plugin's ungranted-import variant. */
export type FixtureName = 'probe' | 'hostile' | 'hostile-ungranted';

export interface FixtureOptions {
  /** Merged over the manifest after the runtime's own `runtime` and `entry`. */
  readonly manifestChanges?: Record<string, unknown>;
}

/** How one runtime builds the fixture plugins, and which shared cases apply to it. */
export interface RuntimeFixtures {
  readonly kind: RuntimeKind;
  /** The package files besides `plugin.json`, built from the runtime's sources of `name`. */
  code(name: FixtureName): Promise<Record<string, Uint8Array>>;
  /** The manifest fields this runtime sets (`runtime`, `entry`). */
  readonly manifest: Record<string, unknown>;
  /**
   * Shared cases that cannot apply to this runtime, each with the reason, e.g. a wasm module
   * handing a host function a bad memory offset has no counterpart in JavaScript.
   */
  readonly notApplicable?: Readonly<Record<string, string>>;
  /**
   * What happens to a plugin that calls a host function its granted permissions do not cover:
   * `install`, it is refused at install (a wasm module's imports say what it can call);
   * `envelope`, it installs (what a script or a process calls cannot be told reliably from its
   * code) and the host function answers with a PERMISSION_DENIED error envelope the plugin sees.
   */
  readonly ungrantedHostFunction: 'install' | 'envelope';
}

const manifestFiles: Record<FixtureName, [dir: string, file: string]> = {
  probe: [probeDir, 'plugin.json'],
  hostile: [hostileDir, 'plugin.json'],
  'hostile-ungranted': [hostileDir, 'ungranted.json'],
};

const wasmEntries: Record<FixtureName, [dir: string, entry: string]> = {
  probe: [probeDir, 'index.ts'],
  hostile: [hostileDir, 'index.ts'],
  'hostile-ungranted': [hostileDir, 'ungranted.ts'],
};

/** AssemblyScript compiled with the real asc. */
export const wasmFixtures: RuntimeFixtures = {
  kind: 'wasm',
  manifest: { runtime: 'wasm', entry: 'plugin.wasm' },
  ungrantedHostFunction: 'install',
  notApplicable: {
    exit: 'a wasm module has no process to end: its sandbox worker only exits when the host ends it',
  },
  async code(name) {
    const [dir, entry] = wasmEntries[name];
    return { 'plugin.wasm': await compileAssemblyScript(dir, entry) };
  },
};

const jsEntries: Record<FixtureName, [dir: string, entry: string]> = {
  probe: [join(probeDir, 'js'), 'index.ts'],
  hostile: [join(hostileDir, 'js'), 'index.ts'],
  'hostile-ungranted': [join(hostileDir, 'js'), 'ungranted.ts'],
};

/** TypeScript against sdk/js, bundled with the real esbuild. */
export const jsFixtures: RuntimeFixtures = {
  kind: 'js',
  manifest: { runtime: 'js', entry: 'plugin.js' },
  ungrantedHostFunction: 'envelope',
  notApplicable: {
    exit: 'a js plugin runs in QuickJS in a sandbox worker: it has no process to end',
  },
  async code(name) {
    const [dir, entry] = jsEntries[name];
    return { 'plugin.js': (await bundlePlugin(dir, entry)).script };
  },
};


const processEntries: Record<FixtureName, [dir: string, entry: string]> = {
  probe: [probeDir, 'process/index.mjs'],
  hostile: [hostileDir, 'process/index.mjs'],
  'hostile-ungranted': [hostileDir, 'process/ungranted.mjs'],
};

/** JavaScript against the Node helper (sdk/node), bundled with esbuild into one plugin.mjs. */
export const processFixtures: RuntimeFixtures = {
  kind: 'process',
  manifest: { runtime: 'process', entry: 'plugin.mjs' },
  ungrantedHostFunction: 'envelope',
  async code(name) {
    const [dir, entry] = processEntries[name];
    return { 'plugin.mjs': await bundleProcessPlugin(join(dir, entry)) };
  },
  notApplicable: {
    'bad-offset': 'a process plugin speaks JSON-RPC: it has no memory offsets to hand a host function',
  },
};


/** Every runtime the shared table runs against. */
export const runtimeFixtures: readonly RuntimeFixtures[] = [wasmFixtures, jsFixtures, processFixtures];

/** The manifest of fixture `name` as `fixtures` builds it, with `changes` merged in. */
export function fixtureManifest(fixtures: RuntimeFixtures, name: FixtureName, changes: Record<string, unknown> = {}): Record<string, unknown> {
  const [dir, file] = manifestFiles[name];
  return { ...(JSON.parse(readFileSync(join(dir, file), 'utf8')) as Record<string, unknown>), ...fixtures.manifest, ...changes };
}

/** The package of fixture `name` for one runtime, signed by `publisher` unless it is undefined. */
export async function fixturePackage(
  fixtures: RuntimeFixtures,
  name: FixtureName,
  publisher: AgentIdentity | undefined,
  options: FixtureOptions = {},
): Promise<Uint8Array> {
  const manifest = fixtureManifest(fixtures, name, options.manifestChanges);
  const zip = buildPackage({ 'plugin.json': new TextEncoder().encode(JSON.stringify(manifest)), ...(await fixtures.code(name)) });
  return publisher ? signPackage(zip, publisher) : zip;
}
