// `atomic-plugin build`: a plugin folder to a package zip in dist/. The manifest is checked with the
// server's own parser, the code compiled with the real compiler, and the module checked the way the
// host will check it at install (declared hooks exported, imports covered by the permissions), so
// that what builds here also installs.

import { existsSync, mkdirSync, readFileSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import { ManifestError, parseManifest, requiredExports, type PluginManifest } from '../../server/plugins/manifest.js';
import { buildPackage, MANIFEST_FILE, PackageError, packageDigest } from '../../server/plugins/package.js';
import { allowedHostFunctionsFor } from '../../server/plugins/permissions.js';
import { PluginLoadError } from '../../server/plugins/runtimes/runtime.js';
import { checkImports } from '../../server/plugins/runtimes/wasm/prepare.js';
import { WebAssembly, type WasmModule } from '../../server/plugins/runtimes/wasm/webassembly.js';
import { compileAssemblyScript } from './assemblyscript.js';
import { CliError } from './errors.js';

/** The AssemblyScript source a `wasm` plugin folder is built from, unless `--source` says otherwise. */
export const DEFAULT_WASM_SOURCE = 'index.ts';

/** What `build` made (its `--json` output). */
export interface BuildResult {
  /** The package zip, absolute. */
  path: string;
  /** The package digest, `sha256:<hex>`, which `sign` signs. */
  digest: string;
  /** `namespace/name`. */
  plugin: string;
  version: string;
  bytes: number;
  /** True when the compiler's output came from the cache (same sources as an earlier build). */
  cached: boolean;
}

/** A built package, in memory as well as on disk. */
export interface BuiltPackage extends BuildResult {
  zip: Uint8Array;
  manifest: PluginManifest;
}

/** Reads and checks `<dir>/plugin.json` with the server's parser; every problem is listed. */
export function readManifestFile(dir: string): { manifest: PluginManifest; bytes: Uint8Array } {
  const path = join(dir, MANIFEST_FILE);
  if (!existsSync(path)) {
    throw new CliError('NOT_A_PLUGIN', `${dir} has no ${MANIFEST_FILE}`, ['run the command in a plugin folder, or create one with `atomic-plugin new`']);
  }
  const bytes = readFileSync(path);
  let json: unknown;
  try {
    json = JSON.parse(bytes.toString('utf8'));
  } catch (error) {
    throw new CliError('BAD_MANIFEST', `${path} is not valid JSON: ${(error as Error).message}`);
  }
  try {
    return { manifest: parseManifest(json), bytes };
  } catch (error) {
    if (!(error instanceof ManifestError)) throw error;
    throw new CliError('BAD_MANIFEST', `${path} is not a valid manifest:\n${error.problems.map((p) => `  ${p}`).join('\n')}`, [
      'see docs/plugins/manifest.md; "$schema" in the file gives completion and checking in editors',
    ]);
  }
}

/**
 * Checks a compiled module as the host will at install: every export the declared hooks need is
 * there, and every host function it imports is covered by the permissions it asks for.
 */
export function checkModule(manifest: PluginManifest, wasm: Uint8Array): void {
  let module: WasmModule;
  try {
    module = new WebAssembly.Module(wasm);
  } catch (error) {
    throw new CliError('BUILD_FAILED', `The compiler's output is not a valid WebAssembly module: ${(error as Error).message}`);
  }
  const exported = new Set(WebAssembly.Module.exports(module).filter((e) => e.kind === 'function').map((e) => e.name));
  const missing = requiredExports(manifest).filter((name) => !exported.has(name));
  if (missing.length > 0) {
    throw new CliError('MISSING_EXPORT', `The module does not export ${missing.map((m) => `"${m}"`).join(', ')}, which the hooks in plugin.json need`, [
      `add \`export function ${missing[0]}(): i32\` to the source, or remove the hook from plugin.json (docs/plugins/abi.md lists which hook needs which export)`,
    ]);
  }
  try {
    checkImports(module, allowedHostFunctionsFor(manifest.permissions.map((p) => p.name)));
  } catch (error) {
    if (!(error instanceof PluginLoadError)) throw error;
    throw new CliError('IMPORT_NOT_PERMITTED', `The module would be refused at install:\n${error.problems.map((p) => `  ${p}`).join('\n')}`, [
      'add the permission each import needs to "permissions" in plugin.json, with a reason, or stop calling that host function',
    ]);
  }
}

/** Every file under `dir`, as package paths (`/`-separated). */
function filesUnder(root: string, dir: string): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? filesUnder(root, path) : [relative(root, path).split('\\').join('/')];
  });
}

/**
 * Builds the plugin in `dir`: checks plugin.json, compiles the code, checks the module, and writes
 * `dist/<namespace>-<name>-<version>.zip`. `progress` gets one line per step (for stderr).
 */
export async function buildPlugin(dir: string, options: { source?: string; progress?: (line: string) => void } = {}): Promise<BuiltPackage> {
  const root = resolve(dir);
  const progress = options.progress ?? (() => {});
  const { manifest, bytes: manifestBytes } = readManifestFile(root);
  if (manifest.runtime !== 'wasm') {
    throw new CliError('RUNTIME_NOT_YET', `Building ${manifest.runtime} plugins is not supported yet; only wasm (AssemblyScript) is`, [
      'set "runtime": "wasm" in plugin.json, or wait for the js and process runtimes to land',
    ]);
  }
  const source = options.source ?? DEFAULT_WASM_SOURCE;
  if (!existsSync(join(root, source))) {
    throw new CliError('NOT_A_PLUGIN', `${join(root, source)} does not exist: there is no AssemblyScript source to build`, [
      'give the source file with --source',
    ]);
  }
  progress(`Compiling ${source} with asc…`);
  let wasm: Uint8Array;
  let cached: boolean;
  try {
    ({ wasm, cached } = await compileAssemblyScript(root, source));
  } catch (error) {
    // asc's own report (file:line, the offending code) is the useful part; pass it on as it is.
    const report = (error as Error).message.replace(/^asc [^\n]* failed:\n/, '').trimEnd();
    throw new CliError('BUILD_FAILED', `Compiling ${source} failed:\n${report}`, ['fix the errors above (file:line) and build again']);
  }
  checkModule(manifest, wasm);
  const files: Record<string, Uint8Array> = { [MANIFEST_FILE]: manifestBytes, [manifest.entry]: wasm };
  for (const extra of ['ui.js', 'ui.css']) if (existsSync(join(root, extra))) files[extra] = readFileSync(join(root, extra));
  for (const asset of filesUnder(root, join(root, 'assets'))) files[asset] = readFileSync(join(root, asset));
  let zip: Uint8Array;
  try {
    zip = buildPackage(files);
  } catch (error) {
    if (error instanceof PackageError) throw new CliError('INVALID_PACKAGE', `The package cannot be built: ${error.message}`);
    throw error;
  }
  const distDir = join(root, 'dist');
  mkdirSync(distDir, { recursive: true });
  const path = join(distDir, `${manifest.namespace}-${manifest.name}-${manifest.version}.zip`);
  writeFileSync(path, zip);
  return {
    path,
    digest: packageDigest(files),
    plugin: `${manifest.namespace}/${manifest.name}`,
    version: manifest.version,
    bytes: zip.length,
    cached,
    zip,
    manifest,
  };
}
