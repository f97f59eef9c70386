// The reference plugins shipped in the package: `npm run build` builds every `plugins/*/plugin.json`
// folder with the CLI's own build code, signs it and writes the packages with an index to
// dist/plugins/ (reference-build.ts). Here the CLI reads that index to install a reference plugin
// by its short name, offline: the package must have the digest the index records and carry a valid
// signature by the index's publisher key, or nothing is installed.

import { existsSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { ReferencePlugin } from '../../server/dashboard/catalog.js';
import type { PluginPackage } from '../../server/plugins/package.js';
import { packageRoot } from './assemblyscript.js';
import { CliError } from './errors.js';
import { checkTrust, parsePackage } from './package-signing.js';

/** The index file in the reference plugins folder. */
export const INDEX_FILE = 'index.json';

/** The version of the index format this CLI reads and writes. */
export const INDEX_FORMAT = 1;

/** The environment variable naming another folder of built reference plugins (tests, bundles). */
export const REFERENCE_DIR_ENV = 'ATOMIC_PLUGIN_REFERENCE_DIR';

/**
 * Who signed the packages: `release` is the maintainers' key (from ATOMIC_PLUGIN_RELEASE_SECRET when
 * the npm package was built), `development` a key generated once in the checkout that built them.
 */
export type PublisherKind = 'release' | 'development';

/** The publisher an index names. */
export interface IndexPublisher {
  /** The agent subject in each package's signature.json. */
  subject: string;
  /** Its Ed25519 public key, base64: what `serve --trust-publisher` takes. */
  publicKey: string;
  kind: PublisherKind;
}

/** One reference plugin in the index, by its short name (its folder's name under plugins/). */
export interface ReferenceEntry {
  /** `namespace/name`. */
  plugin: string;
  version: string;
  /** The package file, in the same folder as the index. */
  file: string;
  /** The package's content digest, `sha256:<hex>`, which its signature signs. */
  digest: string;
  /** The public key that signed it. */
  publicKey: string;
  description?: string;
  /** The manifest's `requires` (`namespace/name@range`), when it has any. */
  requires?: string[];
  /** The hash of what the package was built from, so an unchanged plugin is not built again. */
  inputs: string;
}

/** dist/plugins/index.json. */
export interface ReferenceIndex {
  format: typeof INDEX_FORMAT;
  publisher: IndexPublisher;
  plugins: Record<string, ReferenceEntry>;
}

/** A short name: what a folder under plugins/ may be called. */
export const SHORT_NAME = /^[a-z][a-z0-9-]*$/;

/** The folder of built reference plugins: $ATOMIC_PLUGIN_REFERENCE_DIR, else the package's dist/plugins. */
export function referenceDir(): string {
  const fromEnv = process.env[REFERENCE_DIR_ENV];
  return fromEnv ? resolve(fromEnv) : join(packageRoot, 'dist', 'plugins');
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
const isString = (v: unknown): v is string => typeof v === 'string' && v.length > 0;

function invalidIndex(path: string, detail: string): CliError {
  return new CliError('REFERENCE_INDEX_INVALID', `${path} is not a reference plugin index: ${detail}`, [
    'build it again with `npm run build` in the atomic-plugin folder (or reinstall atomic-plugin)',
  ]);
}

/** Checks one entry's shape; the package itself is checked when it is loaded. */
function checkEntry(path: string, name: string, entry: unknown): ReferenceEntry {
  if (!SHORT_NAME.test(name)) throw invalidIndex(path, `"${name}" is not a short name`);
  if (!isObject(entry)) throw invalidIndex(path, `the entry of ${name} is not an object`);
  for (const key of ['plugin', 'version', 'file', 'digest', 'publicKey', 'inputs'] as const) {
    if (!isString(entry[key])) throw invalidIndex(path, `the entry of ${name} has no "${key}"`);
  }
  // The file is a name in the index's own folder, never a path that leads elsewhere.
  if (!/^[a-z0-9][a-z0-9.-]*\.zip$/.test(entry.file as string)) throw invalidIndex(path, `the file of ${name} is not a package name in its folder`);
  return entry as unknown as ReferenceEntry;
}

/** Reads and checks `dir/index.json`; REFERENCE_INDEX_INVALID when it is missing or malformed. */
export function readReferenceIndex(dir = referenceDir()): ReferenceIndex {
  const path = join(dir, INDEX_FILE);
  if (!existsSync(path)) {
    throw new CliError('REFERENCE_INDEX_INVALID', `There are no built reference plugins: ${path} does not exist`, [
      'run `npm run build` in the atomic-plugin folder, which builds and signs them',
    ]);
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(readFileSync(path, 'utf8'));
  } catch (error) {
    throw invalidIndex(path, (error as Error).message);
  }
  if (!isObject(parsed) || parsed.format !== INDEX_FORMAT) throw invalidIndex(path, `it is not format ${INDEX_FORMAT}`);
  const { publisher, plugins } = parsed;
  if (!isObject(publisher) || !isString(publisher.subject) || !isString(publisher.publicKey) || (publisher.kind !== 'release' && publisher.kind !== 'development')) {
    throw invalidIndex(path, 'its publisher needs a subject, a publicKey and a kind (release or development)');
  }
  if (!isObject(plugins)) throw invalidIndex(path, 'it has no plugins object');
  const checked: Record<string, ReferenceEntry> = {};
  for (const [name, entry] of Object.entries(plugins)) checked[name] = checkEntry(path, name, entry);
  return { format: INDEX_FORMAT, publisher: publisher as unknown as IndexPublisher, plugins: checked };
}

/** The short names in an index, sorted. */
export function referenceNames(index: ReferenceIndex): string[] {
  return Object.keys(index.plugins).sort();
}

/** The entry of `name`; REFERENCE_NOT_FOUND lists the names there are. */
export function referenceEntry(index: ReferenceIndex, name: string, dir = referenceDir()): ReferenceEntry {
  const entry = Object.hasOwn(index.plugins, name) ? index.plugins[name] : undefined;
  if (entry) return entry;
  const names = referenceNames(index);
  throw new CliError('REFERENCE_NOT_FOUND', `There is no reference plugin "${name}"${names.length > 0 ? `: the available ones are ${names.join(', ')}` : ` (${dir} has none)`}`, [
    'give one of those names, or a plugin folder, package zip, URL, ipfs://<cid> or namespace/name[@range]',
  ]);
}

/** The index when there is a readable one: for questions whose answer is "no" without one. */
export function indexIfAny(dir: string): ReferenceIndex | undefined {
  try {
    return readReferenceIndex(dir);
  } catch {
    return undefined;
  }
}

/** True when `name` is the short name of a built reference plugin (false when there are none). */
export function isReferenceName(name: string, dir = referenceDir()): boolean {
  return referencePluginId(name, dir) !== undefined;
}

/** The `namespace/name` of the reference plugin with short name `name`, if there is one. */
export function referencePluginId(name: string, dir = referenceDir()): string | undefined {
  const plugins = indexIfAny(dir)?.plugins;
  return plugins && Object.hasOwn(plugins, name) ? plugins[name]?.plugin : undefined;
}

/** The short name of the reference plugin that is `namespace/name`, if one is. */
export function referenceNameOf(plugin: string, dir = referenceDir()): string | undefined {
  const plugins = indexIfAny(dir)?.plugins ?? {};
  return Object.keys(plugins).find((name) => plugins[name]?.plugin === plugin);
}

/** A reference plugin's package, checked against its index. */
export interface ReferencePackage {
  name: string;
  entry: ReferenceEntry;
  publisher: IndexPublisher;
  zip: Uint8Array;
  pkg: PluginPackage;
  /** The package file, absolute. */
  path: string;
}

/**
 * Reads the package of reference plugin `name` and checks it against the index: it must be the
 * plugin and version the index names, have the digest it records, and carry a valid signature by
 * the index's publisher key (the same check `verify --trust <key>` makes). Anything else is
 * VERIFY_FAILED, and nothing is installed.
 */
export function loadReferencePackage(name: string, dir = referenceDir()): ReferencePackage {
  const index = readReferenceIndex(dir);
  const entry = referenceEntry(index, name, dir);
  const path = join(dir, entry.file);
  if (!existsSync(path)) {
    throw new CliError('REFERENCE_INDEX_INVALID', `The reference plugin ${name} is missing its package ${path}`, ['run `npm run build` in the atomic-plugin folder']);
  }
  const zip = readFileSync(path);
  const pkg = parsePackage(zip, path);
  checkTrust(pkg, path, { requireSignature: true, trustedPublishers: [index.publisher.publicKey] });
  const id = `${pkg.manifest.namespace}/${pkg.manifest.name}`;
  if (pkg.digest !== entry.digest || id !== entry.plugin || pkg.manifest.version !== entry.version || entry.publicKey !== index.publisher.publicKey) {
    throw new CliError('VERIFY_FAILED', `${path} is ${id}@${pkg.manifest.version} with the digest ${pkg.digest}, but the index records ${entry.plugin}@${entry.version} with ${entry.digest}`, [
      'the shipped package was changed after it was built: nothing was installed; rebuild with `npm run build` or reinstall atomic-plugin',
    ]);
  }
  return { name, entry, publisher: index.publisher, zip, pkg, path };
}

/**
 * The reference plugins a host offers in its store: every package of the index that passes
 * {@link loadReferencePackage}'s checks (one that does not is left out and reported), none when
 * there is no built index.
 */
export function shippedReferences(dir = referenceDir(), report: (line: string) => void = () => {}): ReferencePlugin[] {
  const index = indexIfAny(dir);
  if (!index) return [];
  return referenceNames(index).flatMap((name) => {
    try {
      const { zip, publisher } = loadReferencePackage(name, dir);
      return [{ name, zip, publisherKind: publisher.kind }];
    } catch (error) {
      report(`The reference plugin ${name} is left out of the store: ${(error as Error).message}`);
      return [];
    }
  });
}
