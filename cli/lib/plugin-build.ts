// `atomic-plugin build`: a plugin folder to a package zip in dist/. The manifest is checked with the
// server's own parser, the code compiled with the real compiler for its runtime (asc or extism-js
// for wasm, esbuild for js and process: js-build.ts, process-build.ts), and the result checked the
// way the host will check it at install (declared hooks exported; for wasm, imports covered by the
// permissions), so that what builds here also installs.

import { existsSync, mkdirSync, readFileSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import { ManifestError, parseManifest, requiredExports, type PluginManifest, type RuntimeKind } from '../../server/plugins/manifest.js';
import { buildPackage, MANIFEST_FILE, PackageError, packageDigest } from '../../server/plugins/package.js';
import { allowedHostFunctionsFor } from '../../server/plugins/permissions.js';
import { PluginLoadError } from '../../server/plugins/runtimes/runtime.js';
import { checkImports } from '../../server/plugins/runtimes/wasm/prepare.js';
import { WebAssembly, type WasmModule } from '../../server/plugins/runtimes/wasm/webassembly.js';
import { compileAssemblyScript } from './assemblyscript.js';
import { CliError } from './errors.js';
import { bundleForBrowser } from './embed.js';
import { compileError } from './esbuild-errors.js';
import { compileWithExtismJs } from './extism-js.js';
import { compileJsPlugin, type CompiledCode } from './js-build.js';
import { readPackageFiles } from './package-files.js';
import { compileProcessPlugin } from './process-build.js';

/** The source a plugin folder is built from, unless `--source` says otherwise (every template's). */
export const DEFAULT_SOURCE = 'index.ts';

/** The compilers `build` can run: asc and extism-js make wasm modules, esbuild js and process bundles. */
export const compilers = ['asc', 'extism-js', 'esbuild'] as const;

/** One of {@link compilers}. */
export type Compiler = (typeof compilers)[number];

const compilersFor: Record<RuntimeKind, readonly Compiler[]> = { wasm: ['asc', 'extism-js'], js: ['esbuild'], process: ['esbuild'] };
const defaultCompilers: Record<RuntimeKind, Compiler> = { wasm: 'asc', js: 'esbuild', process: 'esbuild' };

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

/** Compiles AssemblyScript with asc; the module is checked as the host will check it. */
async function compileWasm(root: string, source: string, manifest: PluginManifest): Promise<CompiledCode> {
  let built: { wasm: Uint8Array; cached: boolean };
  try {
    built = await compileAssemblyScript(root, source);
  } catch (error) {
    // asc's own report (file:line, the offending code) is the useful part; pass it on as it is.
    const report = (error as Error).message.replace(/^asc [^\n]* failed:\n/, '').trimEnd();
    throw new CliError('BUILD_FAILED', `Compiling ${source} failed:\n${report}`, ['fix the errors above (file:line) and build again']);
  }
  checkModule(manifest, built.wasm);
  return { code: built.wasm, cached: built.cached };
}

/** The entry's bytes for the manifest's runtime, from `source`, by `compiler`; `extra` are the other files the package will hold. */
async function compile(root: string, source: string, manifest: PluginManifest, compiler: Compiler, extra: Record<string, Uint8Array>): Promise<CompiledCode> {
  if (manifest.runtime === 'js') return compileJsPlugin(root, source, manifest);
  if (manifest.runtime === 'process') return compileProcessPlugin(root, source, manifest, extra);
  if (compiler === 'extism-js') {
    const wasm = await compileWithExtismJs(root, source);
    checkModule(manifest, wasm);
    return { code: wasm, cached: false };
  }
  return compileWasm(root, source, manifest);
}

/** A plugin's view source: when the folder has it, `build` bundles it (imports and all) into ui.js. */
const UI_SOURCE = 'ui.ts';

/** Bundles ui.ts for browsers into the package's ui.js (docs/plugins/views.md). */
async function compileUi(root: string, progress: (line: string) => void): Promise<Uint8Array> {
  if (existsSync(join(root, 'ui.js'))) {
    throw new CliError('INVALID_INPUT', `${root} has both ui.ts and ui.js`, ['keep ui.ts (build bundles it into ui.js) or ui.js (packaged as it is), not both']);
  }
  progress(`Bundling ${UI_SOURCE} for browsers with esbuild…`);
  try {
    return new TextEncoder().encode((await bundleForBrowser(join(root, UI_SOURCE))).code);
  } catch (error) {
    throw compileError(error, UI_SOURCE, root);
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
export async function buildPlugin(dir: string, options: { source?: string; compiler?: Compiler; progress?: (line: string) => void } = {}): Promise<BuiltPackage> {
  const root = resolve(dir);
  const progress = options.progress ?? (() => {});
  const { manifest, bytes: manifestBytes } = readManifestFile(root);
  const compiler = options.compiler ?? defaultCompilers[manifest.runtime];
  if (!compilersFor[manifest.runtime].includes(compiler)) {
    throw new CliError('INVALID_INPUT', `--compiler ${compiler} does not build ${manifest.runtime} plugins`, [
      `${manifest.runtime} plugins are built with ${compilersFor[manifest.runtime].join(' or ')}${compiler === 'extism-js' ? '; for extism-js set "runtime": "wasm" and "entry": "plugin.wasm" in plugin.json' : ''}`,
    ]);
  }
  const source = options.source ?? DEFAULT_SOURCE;
  if (!existsSync(join(root, source))) {
    throw new CliError('NOT_A_PLUGIN', `${join(root, source)} does not exist: there is no source to build`, [
      'give the source file with --source',
    ]);
  }
  const extra = readPackageFiles(root, manifest);
  progress(`Compiling ${source} with ${compiler}…`);
  const { code, cached } = await compile(root, source, manifest, compiler, extra);
  const files: Record<string, Uint8Array> = { ...extra, [MANIFEST_FILE]: manifestBytes, [manifest.entry]: code };
  for (const extra of ['ui.js', 'ui.css']) if (existsSync(join(root, extra))) files[extra] = readFileSync(join(root, extra));
  if (existsSync(join(root, UI_SOURCE))) files['ui.js'] = await compileUi(root, progress);
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
  // The bundle too, for reading it or running it by hand (`node dist/plugin.mjs`); never next to
  // the source, where an entry named like it would overwrite it.
  if (manifest.runtime !== 'wasm') writeFileSync(join(distDir, manifest.entry), code);
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
