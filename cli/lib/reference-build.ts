// Building the reference plugins for the package (the step after tsc in `npm run build`): every
// folder under plugins/ with a plugin.json is built with the CLI's own build code (what
// `atomic-plugin build <dir>` runs), signed by the publisher (reference-publisher.ts), and written
// with an index to dist/plugins/. A plugin whose inputs did not change since the last build is not
// built again, so the build `npm test` starts with stays fast.

import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { MANIFEST_FILE, signPackage } from '../../server/plugins/package.js';
import { CliError } from './errors.js';
import { parsePackage } from './package-signing.js';
import { INDEX_FILE, INDEX_FORMAT, indexIfAny, SHORT_NAME, type ReferenceEntry, type ReferenceIndex } from './reference-plugins.js';
import type { Publisher } from './reference-publisher.js';

/** An optional script in a plugin folder that `npm run build` runs (with node, in the folder) first. */
export const PREBUILD_FILE = 'prebuild.mjs';

/** What {@link buildReferencePlugins} needs. */
export interface ReferenceBuildOptions {
  /** The folder holding one folder per reference plugin (plugins/). */
  pluginsDir: string;
  /** Where the packages and index.json go (dist/plugins/). */
  outDir: string;
  publisher: Publisher;
  /**
   * What else the packages are built from, already hashed: the SDKs, the locked dependencies and
   * the build code itself (see {@link toolchainHash}).
   */
  toolchain: string;
  progress: (line: string) => void;
}

/** What happened to each plugin: built, only signed again (another key), or unchanged. */
export interface ReferenceBuildResult {
  index: ReferenceIndex;
  built: string[];
  resigned: string[];
  unchanged: string[];
}

const sha256 = (data: string | Uint8Array): string => createHash('sha256').update(data).digest('hex');

/** Every file under `dir` (relative, `/`-separated), leaving out the folders named in `skip`. */
function walk(dir: string, skip: ReadonlySet<string>, base = dir): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return skip.has(entry.name) ? [] : walk(path, skip, base);
    return entry.isFile() ? [relative(base, path).split('\\').join('/')] : [];
  });
}

/**
 * The files a plugin folder is built from: what git sees in it (tracked or not ignored), so that
 * what a prebuild script generates into ignored paths does not count; outside a git checkout,
 * every file but dist/ and node_modules/.
 */
function sourceFiles(dir: string): string[] {
  try {
    const listed = execFileSync('git', ['ls-files', '-z', '--cached', '--others', '--exclude-standard', '--', '.'], { cwd: dir, encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] });
    return listed.split('\0').filter((f) => f && existsSync(join(dir, f)));
  } catch {
    return walk(dir, new Set(['dist', 'node_modules']));
  }
}

/** A hash of the files' paths and contents, in a fixed order. */
function hashFiles(root: string, files: readonly string[]): string {
  const listing = createHash('sha256');
  for (const file of [...files].sort()) listing.update(`${file}\n${sha256(readFileSync(join(root, file)))}\n`);
  return listing.digest('hex');
}

/**
 * A hash of what every reference plugin is built with, in the package at `root`: the SDKs plugins
 * import (sdk/, the compiled Node helper and IPFS code), the locked dependency versions (the bundled npm
 * packages, esbuild, asc), and the compiled build and package code (dist/cli/lib, dist/server/plugins).
 */
export function toolchainHash(root: string): string {
  const parts: string[] = [];
  for (const dir of ['sdk', 'dist/sdk', 'dist/cli/lib', 'dist/server/plugins', 'dist/server/ipfs']) {
    const full = join(root, dir);
    if (!existsSync(full)) continue;
    const files = walk(full, new Set(['node_modules', 'test'])).filter((f) => !/\.(test\.ts|d\.ts|map)$/.test(f));
    parts.push(`${dir}:${hashFiles(full, files)}`);
  }
  const lock = join(root, 'package-lock.json');
  parts.push(`lock:${existsSync(lock) ? sha256(readFileSync(lock)) : 'none'}`);
  return sha256(parts.join('\n'));
}

/** The reference plugin folders under `pluginsDir`: those with a plugin.json, by name. */
export function referenceFolders(pluginsDir: string): string[] {
  if (!existsSync(pluginsDir)) return [];
  return readdirSync(pluginsDir)
    .filter((name) => statSync(join(pluginsDir, name)).isDirectory() && existsSync(join(pluginsDir, name, MANIFEST_FILE)))
    .sort();
}

/** The previous build's package when its inputs are the same and the file still holds it. */
function reusable(outDir: string, previous: ReferenceEntry | undefined, inputs: string): Uint8Array | undefined {
  if (!previous || previous.inputs !== inputs) return undefined;
  const path = join(outDir, previous.file);
  if (!existsSync(path)) return undefined;
  const zip = readFileSync(path);
  try {
    return parsePackage(zip, path).digest === previous.digest ? zip : undefined;
  } catch {
    return undefined;
  }
}

/** Runs the folder's prebuild.mjs, if it has one; its output is shown when it fails. */
function prebuild(dir: string, name: string): void {
  if (!existsSync(join(dir, PREBUILD_FILE))) return;
  try {
    execFileSync(process.execPath, [PREBUILD_FILE], { cwd: dir, stdio: ['ignore', 'pipe', 'pipe'], encoding: 'utf8' });
  } catch (error) {
    const { stdout, stderr } = error as { stdout?: string; stderr?: string };
    throw new CliError('BUILD_FAILED', `${name}: ${PREBUILD_FILE} failed:\n${`${stdout ?? ''}${stderr ?? ''}`.trimEnd()}`, [`fix ${join(dir, PREBUILD_FILE)} and build again`]);
  }
}

/** Writes `data` to `path` through a temporary file, so a reader never sees half of it. */
function writeAtomically(path: string, data: string | Uint8Array): void {
  const partial = `${path}.${process.pid}.partial`;
  writeFileSync(partial, data);
  renameSync(partial, path);
}

/**
 * Builds, signs and indexes every reference plugin under `pluginsDir` into `outDir`. A folder must
 * be named like its manifest's `name` (its short name). Packages no plugin refers to any more are
 * removed. Any plugin that fails to build fails the whole build, and the old index stays.
 */
export async function buildReferencePlugins(options: ReferenceBuildOptions): Promise<ReferenceBuildResult> {
  const { pluginsDir, outDir, publisher, progress } = options;
  // A missing or unreadable index only means that everything is built again.
  const previous = indexIfAny(outDir);
  const plugins: Record<string, ReferenceEntry> = {};
  const result: Omit<ReferenceBuildResult, 'index'> = { built: [], resigned: [], unchanged: [] };
  mkdirSync(outDir, { recursive: true });

  for (const name of referenceFolders(pluginsDir)) {
    const dir = join(pluginsDir, name);
    const inputs = `sha256:${sha256(`${options.toolchain}\n${hashFiles(dir, sourceFiles(dir))}`)}`;
    const before = previous?.plugins[name];
    let zip = reusable(outDir, before, inputs);
    if (zip && before?.publicKey === publisher.agent.publicKey) {
      result.unchanged.push(name);
    } else if (zip) {
      progress(`${name}: signing again with the ${publisher.kind} key (${publisher.agent.publicKey})`);
      zip = signPackage(zip, publisher.agent);
      result.resigned.push(name);
    } else {
      progress(`${name}: building ${dir}…`);
      prebuild(dir, name);
      // Loaded only when something is built: the compilers and sandboxes take a while to load.
      const { buildPlugin } = await import('./plugin-build.js');
      const built = await buildPlugin(dir, { progress: (line) => progress(`${name}: ${line}`) });
      zip = signPackage(built.zip, publisher.agent);
      result.built.push(name);
    }
    const pkg = parsePackage(zip, name);
    if (!SHORT_NAME.test(name) || pkg.manifest.name !== name) {
      throw new CliError('BAD_MANIFEST', `${dir}: a reference plugin's folder is named like its plugin, but plugin.json says "name": "${pkg.manifest.name}"`, [
        `rename the folder to ${pkg.manifest.name}, or the plugin to ${name}; the folder name is what \`atomic-plugin install <name>\` takes`,
      ]);
    }
    const file = `${pkg.manifest.namespace}-${pkg.manifest.name}-${pkg.manifest.version}.zip`;
    if (!result.unchanged.includes(name)) writeAtomically(join(outDir, file), zip);
    plugins[name] = {
      plugin: `${pkg.manifest.namespace}/${pkg.manifest.name}`,
      version: pkg.manifest.version,
      file,
      digest: pkg.digest,
      publicKey: publisher.agent.publicKey,
      ...(pkg.manifest.description ? { description: pkg.manifest.description } : {}),
      ...(pkg.manifest.requires.length > 0 ? { requires: pkg.manifest.requires } : {}),
      inputs,
    };
    if (!result.unchanged.includes(name)) progress(`${name}: ${plugins[name].plugin}@${plugins[name].version} ${pkg.digest}`);
  }

  const index: ReferenceIndex = {
    format: INDEX_FORMAT,
    publisher: { subject: publisher.agent.subject, publicKey: publisher.agent.publicKey, kind: publisher.kind },
    plugins,
  };
  writeAtomically(join(outDir, INDEX_FILE), `${JSON.stringify(index, null, 2)}\n`);
  const kept = new Set(Object.values(plugins).map((p) => p.file));
  for (const file of readdirSync(outDir)) {
    if (file.endsWith('.zip') && !kept.has(file)) rmSync(join(outDir, file));
  }
  return { index, ...result };
}
