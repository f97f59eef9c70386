// Where a package to install comes from: a plugin folder (built first), a zip file, an http(s) URL
// (downloaded here, within a size limit and a timeout, never by the server), `ipfs://<cid>` (from
// the embedded IPFS node or a Kubo node, checked against its CID), `namespace/name[@range]`
// from the server's registry (checked against the digest the registry records), or the short name
// of a reference plugin shipped in this package (checked against its index and publisher key);
// and what it asks for, shown with the reasons and narrowed by --grant.

import { existsSync, readFileSync, statSync } from 'node:fs';
import { resolve } from 'node:path';
import type { PermissionName, PluginManifest } from '../../server/plugins/manifest.js';
import type { PluginPackage } from '../../server/plugins/package.js';
import { CliError } from './errors.js';
import { checkTrust, parsePackage } from './package-signing.js';
import { buildPlugin, type BuildResult } from './plugin-build.js';
import type { AgentIdentity } from '../../server/atomic/agent.js';
import { cidFromSource, getFromIpfs } from './ipfs.js';
import { isReferenceName, loadReferencePackage, SHORT_NAME, type ReferencePackage } from './reference-plugins.js';
import { parseRegistryRef, resolveRelease, type Release } from './registry.js';
import { fetchBytes } from './server-client.js';

/** A package ready to upload, and where it came from. */
export interface LoadedPackage {
  zip: Uint8Array;
  pkg: PluginPackage;
  /** What the user named: a folder, a file or a URL. */
  label: string;
  /** Set when the source was a plugin folder that was built first. */
  built?: BuildResult;
  /** The CID, when the source was `ipfs://<cid>`: the server is given the bytes with it. */
  cid?: string;
  /** The registry release, when the source was `namespace/name[@range]`. */
  release?: Release;
  /** The reference plugin, when the source was its short name. */
  reference?: ReferencePackage;
}

/** What sources beyond files and URLs need: the server (its registry) and the IPFS node. */
export interface SourceContext {
  serverUrl: string;
  agent?: AgentIdentity;
  /** A Kubo node's RPC API; the embedded node when absent. */
  ipfsApi?: string;
}

/**
 * Reads a package from a plugin folder (built first), a zip file, or an http(s) URL of a zip.
 * Checks its layout and manifest, and that its signature (if any) matches its files.
 */
export async function loadPackage(source: string, progress: (line: string) => void, context?: SourceContext): Promise<LoadedPackage> {
  let zip: Uint8Array;
  let built: BuildResult | undefined;
  let cid: string | undefined;
  let release: Release | undefined;
  const isPath = existsSync(resolve(source));
  const registryRef = isPath ? undefined : parseRegistryRef(source);
  if (/^https?:\/\//i.test(source)) {
    progress(`Downloading ${source}…`);
    zip = await fetchBytes(source);
  } else if (/^ipfs:\/\//i.test(source)) {
    const parsed = cidFromSource(source);
    progress(`Getting ${parsed.toString()} from ${context?.ipfsApi ?? 'the embedded IPFS node'}…`);
    zip = await getFromIpfs(parsed, context?.ipfsApi);
    cid = parsed.toString();
  } else if (/^[a-z][a-z0-9+.-]*:\/\//i.test(source)) {
    throw new CliError('NOT_A_PLUGIN', `${source}: only plugin folders, zip files, http(s) URLs, ipfs://<cid>, namespace/name[@range] and reference plugins by short name can be installed`, [
      'download the package and give its path, or build it from its folder',
    ]);
  } else if (registryRef && context) {
    release = await resolveRelease(context.serverUrl, context.agent, registryRef);
    progress(`${registryRef.namespace}/${registryRef.name}@${registryRef.range} resolves to ${release.version}; downloading ${release.packageUrl}…`);
    zip = await fetchBytes(release.packageUrl, context.agent);
  } else if (!isPath && SHORT_NAME.test(source)) {
    return loadReference(source, progress);
  } else {
    if (isReferenceName(source)) progress(`${resolve(source)} exists: installing it rather than the reference plugin ${source} (a path always wins; run from another folder for the reference plugin)`);
    const path = resolve(source);
    if (!existsSync(path)) {
      throw new CliError('NOT_A_PLUGIN', `${path} does not exist`, ['give a plugin folder (with plugin.json), a package zip, an http(s) URL, ipfs://<cid>, namespace/name[@range] or a reference plugin\'s short name']);
    }
    if (statSync(path).isDirectory()) {
      const result = await buildPlugin(path, { progress });
      built = result;
      zip = result.zip;
      progress(`Built ${result.path}`);
    } else {
      zip = readFileSync(path);
    }
  }
  const pkg = parsePackage(zip, source);
  // A package whose signature does not match its files was tampered with: stop before uploading.
  checkTrust(pkg, source, { requireSignature: false, trustedPublishers: [] });
  if (release && release.digest !== pkg.digest) {
    throw new CliError('VERIFY_FAILED', `${release.packageUrl} has the digest ${pkg.digest}, but the registry records ${release.digest} for ${release.subject}`, [
      'the package was changed after it was published: nothing was installed; ask its publisher to publish it again',
    ]);
  }
  return { zip, pkg, label: source, ...(built ? { built } : {}), ...(cid ? { cid } : {}), ...(release ? { release } : {}) };
}

/**
 * The reference plugin with short name `name`, from the package's built reference plugins, checked
 * against their index (digest, signature by the index's publisher key), whatever paths exist here.
 */
export function loadReference(name: string, progress: (line: string) => void): LoadedPackage {
  const reference = loadReferencePackage(name);
  const { entry, publisher } = reference;
  progress(`${name} is the reference plugin ${entry.plugin}@${entry.version} (${reference.path}): digest and signature match its index (${publisher.kind} key ${publisher.publicKey})`);
  return { zip: reference.zip, pkg: reference.pkg, label: name, reference };
}

/** The permissions a package asks for, each with its reason, marked when not granted. */
export function formatPermissions(manifest: PluginManifest, granted: readonly string[]): string {
  if (manifest.permissions.length === 0) return '  (none: it can only answer the hooks it declares and log)';
  return manifest.permissions
    .map((p) => {
      const hosts = p.hosts && p.hosts.length > 0 ? ` (${p.hosts.join(', ')})` : '';
      return `  ${granted.includes(p.name) ? '✓' : '✗'} ${p.name}${hosts}: ${p.reason}`;
    })
    .join('\n');
}

/** The permissions to grant: `--grant` (a subset of the requested ones), else all requested. */
export function grantedPermissions(manifest: PluginManifest, grant: string[] | undefined): PermissionName[] {
  const requested = manifest.permissions.map((p) => p.name);
  if (grant === undefined) return requested;
  const names = grant.flatMap((g) => g.split(',')).map((g) => g.trim()).filter(Boolean);
  const unknown = names.filter((n) => !requested.includes(n as PermissionName));
  if (unknown.length > 0) {
    throw new CliError('INVALID_INPUT', `--grant names ${unknown.join(', ')}, which the plugin does not ask for`, [
      `grant some of: ${requested.join(', ') || '(it asks for none)'}`,
    ]);
  }
  return requested.filter((n) => names.includes(n));
}
