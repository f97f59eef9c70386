// The plugin store's contents, as the host sees them: the releases published to this server's
// registry (PluginListing / PluginRelease resources, cli/lib/registry.ts) that the asking agent may
// read, and the reference plugins shipped with atomic-plugin; each version described from its
// package's own bytes (manifest, permissions with reasons, config schema) with a verdict on its
// signature under this host's trust policy.

import { createHash } from 'node:crypto';
import semver from 'semver';
import { AtomicError } from '../atomic/errors.js';
import type { PropVals } from '../atomic/json-ad.js';
import { hasRight } from '../atomic/rights.js';
import { localProps, props } from '../atomic/urls.js';
import { packageUrl, type PackageStore } from '../plugins/package-store.js';
import { readPackage, verifyPackage, type PluginPackage, type TrustPolicy } from '../plugins/package.js';
import type { StoreReader } from '../store/store.js';
import type { PackageDescription, SignatureVerdict, StagedPackage, StoreCatalog, StoreEntry, StoreVersion } from './catalog-types.js';

/** A reference plugin's package, checked against the shipped index by whoever provides it. */
export interface ReferencePlugin {
  /** Its short name (its folder under plugins/). */
  name: string;
  zip: Uint8Array;
  /** Which key signed the shipped packages. */
  publisherKind: 'release' | 'development';
}

/** Lists the reference plugins shipped with atomic-plugin (the CLI reads its dist/plugins index). */
export type ReferenceSource = () => ReferencePlugin[];

/** What the catalog needs from the host. */
export interface CatalogOptions {
  store: StoreReader;
  packages: PackageStore;
  serverUrl: string;
  trust: TrustPolicy;
  references?: ReferenceSource;
  /** Sees every package the catalog stores (the plugin host prepares it ahead of the install). */
  onStore?: (zip: Uint8Array) => void;
}

const sha256 = (bytes: Uint8Array): string => createHash('sha256').update(bytes).digest('hex');

/** What a package's signature is worth on a host with `trust`. */
export function signatureVerdict(pkg: PluginPackage, trust: TrustPolicy, publisherKind?: 'release' | 'development'): SignatureVerdict {
  const trusted = trust.trustedPublishers ?? [];
  const kind = publisherKind ? { publisherKind } : {};
  if (!pkg.signature) {
    const accepted = !trust.requireSignature && trusted.length === 0;
    return { status: 'unsigned', accepted, detail: accepted ? 'Not signed: nobody vouches for these files.' : 'Not signed, and this server only runs signed packages.' };
  }
  const { signer, publicKey } = pkg.signature;
  try {
    verifyPackage(pkg, { requireSignature: true });
  } catch (error) {
    return { status: 'invalid', accepted: false, signer, publicKey, ...kind, detail: `The signature does not hold: ${(error as Error).message}.` };
  }
  const by = publisherKind ? `the ${publisherKind} key of this atomic-plugin build (${publicKey})` : `${signer} (key ${publicKey})`;
  if (trusted.includes(signer) || trusted.includes(publicKey)) return { status: 'trusted', accepted: true, signer, publicKey, ...kind, detail: `Signed by ${by}, a publisher this server trusts.` };
  const accepted = trusted.length === 0;
  return {
    status: 'signed',
    accepted,
    signer,
    publicKey,
    ...kind,
    detail: `Signed by ${by}, who is not among this server's trusted publishers${accepted ? '' : ': this server will refuse it'}.`,
  };
}

/** The store's view of this host: descriptions of packages are kept by content, they never change. */
export class PluginCatalog {
  readonly #options: CatalogOptions;
  readonly #described = new Map<string, PackageDescription>();
  #references: ReferencePlugin[] | undefined;

  constructor(options: CatalogOptions) {
    this.#options = options;
  }

  /** Describes a package from its bytes; PACKAGE_INVALID-style AtomicErrors when it does not read. */
  describe(zip: Uint8Array, publisherKind?: 'release' | 'development'): PackageDescription {
    const key = `${sha256(zip)}:${publisherKind ?? ''}`;
    const known = this.#described.get(key);
    if (known) return known;
    const pkg = readPackage(zip);
    const { manifest } = pkg;
    const description: PackageDescription = {
      digest: pkg.digest,
      namespace: manifest.namespace,
      name: manifest.name,
      version: manifest.version,
      ...(manifest.description ? { description: manifest.description } : {}),
      ...(manifest.author ? { author: manifest.author } : {}),
      runtime: manifest.runtime,
      permissions: manifest.permissions.map((p) => ({ name: p.name, reason: p.reason, ...(p.hosts ? { hosts: p.hosts } : {}) })),
      defaultConfig: manifest.defaultConfig,
      ...(manifest.configSchema ? { configSchema: manifest.configSchema } : {}),
      signature: signatureVerdict(pkg, this.#options.trust, publisherKind),
    };
    this.#described.set(key, description);
    return description;
  }

  /** Describes the package at `url` on this host (uploaded, or in its blockstore); NOT_FOUND otherwise. */
  async describeUrl(url: string): Promise<PackageDescription> {
    const { packages, serverUrl } = this.#options;
    const bytes = await packages.resolve(serverUrl, url);
    if (!bytes) throw new AtomicError('NOT_FOUND', `${url} is not a package on this server`);
    return { ...this.describe(bytes, this.#referenceKindOf(bytes)), packageUrl: url };
  }

  /** Everything in the store that `agent` may see. */
  async catalog(agent: string | undefined): Promise<StoreCatalog> {
    const { serverUrl, trust } = this.#options;
    const plugins = [...(await this.#registry(agent)), ...this.#referenceEntries()];
    plugins.sort((a, b) => a.plugin.localeCompare(b.plugin) || a.source.localeCompare(b.source));
    return { serverUrl, trust: { requireSignature: trust.requireSignature === true, trustedPublishers: trust.trustedPublishers ?? [] }, plugins };
  }

  /** Stores reference plugin `name`'s package in the package store, as an upload would. */
  stageReference(name: string): StagedPackage {
    const reference = this.#referencePlugins().find((r) => r.name === name);
    if (!reference) {
      const names = this.#referencePlugins().map((r) => r.name);
      throw new AtomicError('NOT_FOUND', `there is no reference plugin "${name}"${names.length > 0 ? `: there are ${names.join(', ')}` : ' on this server'}`);
    }
    const hash = this.#options.packages.put(reference.zip);
    this.#options.onStore?.(reference.zip);
    return { '@id': packageUrl(this.#options.serverUrl, hash), sha256: hash, size: reference.zip.length };
  }

  #referencePlugins(): ReferencePlugin[] {
    // Read once: the shipped packages do not change while the host runs.
    return (this.#references ??= this.#options.references?.() ?? []);
  }

  /** A reference package's publisher kind when `bytes` are one, so installed copies say so too. */
  #referenceKindOf(bytes: Uint8Array): 'release' | 'development' | undefined {
    const hash = sha256(bytes);
    return this.#referencePlugins().find((r) => sha256(r.zip) === hash)?.publisherKind;
  }

  #referenceEntries(): StoreEntry[] {
    return this.#referencePlugins().map((reference) => {
      const version = this.describe(reference.zip, reference.publisherKind);
      return {
        plugin: `${version.namespace}/${version.name}`,
        source: 'reference',
        reference: reference.name,
        ...(version.description ? { description: version.description } : {}),
        ...(version.author ? { author: version.author } : {}),
        versions: [version],
        problems: [],
      };
    });
  }

  async #registry(agent: string | undefined): Promise<StoreEntry[]> {
    const { store, serverUrl } = this.#options;
    const local = localProps(serverUrl);
    const get = (s: string): PropVals | undefined => store.get(s);
    const readable = (propvals: PropVals | undefined): propvals is PropVals => propvals !== undefined && hasRight(get, propvals, agent, 'read');
    const entries: StoreEntry[] = [];
    for (const listing of store.findSubjects(props.isA, local.pluginListing)) {
      const propvals = store.get(listing);
      if (!readable(propvals)) continue;
      const namespace = String(propvals[props.plugin.namespace] ?? '');
      const name = String(propvals[props.name] ?? '');
      const entry: StoreEntry = { plugin: `${namespace}/${name}`, source: 'registry', listing, versions: [], problems: [] };
      if (typeof propvals[props.description] === 'string') entry.description = propvals[props.description] as string;
      const releases = propvals[local.releases];
      for (const release of Array.isArray(releases) ? releases : []) {
        if (typeof release !== 'string') continue;
        const version = await this.#release(release, readable);
        if (typeof version === 'string') entry.problems.push(version);
        else if (version) entry.versions.push(version);
      }
      entry.versions.sort((a, b) => semver.rcompare(a.version, b.version));
      const newest = entry.versions[0];
      if (newest?.author) entry.author = newest.author;
      entries.push(entry);
    }
    return entries;
  }

  /** A release as a store version, a problem to show, or undefined when the agent may not read it. */
  async #release(subject: string, readable: (p: PropVals | undefined) => p is PropVals): Promise<StoreVersion | string | undefined> {
    const { store, packages, serverUrl } = this.#options;
    const local = localProps(serverUrl);
    const propvals = store.get(subject);
    if (!readable(propvals)) return undefined;
    const file = propvals[props.plugin.file];
    const digest = propvals[local.packageDigest];
    if (typeof file !== 'string' || typeof digest !== 'string') return `${subject} does not say where its package is`;
    const bytes = await packages.resolve(serverUrl, file);
    if (!bytes) return `${subject}: its package ${file} is not on this server`;
    let description: PackageDescription;
    try {
      description = this.describe(bytes);
    } catch (error) {
      return `${subject}: its package does not read: ${(error as Error).message}`;
    }
    if (description.digest !== digest) return `${subject}: its package has the digest ${description.digest}, but the release records ${digest}`;
    return { ...description, packageUrl: file, release: subject };
  }
}
