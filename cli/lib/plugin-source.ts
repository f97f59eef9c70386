// Where a package to install comes from: a plugin folder (built first), a zip file, or an http(s)
// URL; and what it asks for, shown with the reasons and narrowed by --grant.

import { existsSync, readFileSync, statSync } from 'node:fs';
import { resolve } from 'node:path';
import type { PermissionName, PluginManifest } from '../../server/plugins/manifest.js';
import type { PluginPackage } from '../../server/plugins/package.js';
import { CliError } from './errors.js';
import { checkTrust, parsePackage } from './package-signing.js';
import { buildPlugin, type BuildResult } from './plugin-build.js';
import { fetchBytes } from './server-client.js';

/** A package ready to upload, and where it came from. */
export interface LoadedPackage {
  zip: Uint8Array;
  pkg: PluginPackage;
  /** What the user named: a folder, a file or a URL. */
  label: string;
  /** Set when the source was a plugin folder that was built first. */
  built?: BuildResult;
}

/**
 * Reads a package from a plugin folder (built first), a zip file, or an http(s) URL of a zip.
 * Checks its layout and manifest, and that its signature (if any) matches its files.
 */
export async function loadPackage(source: string, progress: (line: string) => void): Promise<LoadedPackage> {
  let zip: Uint8Array;
  let built: BuildResult | undefined;
  if (/^https?:\/\//i.test(source)) {
    progress(`Downloading ${source}…`);
    zip = await fetchBytes(source);
  } else if (/^[a-z][a-z0-9+.-]*:\/\//i.test(source)) {
    throw new CliError('NOT_A_PLUGIN', `${source}: only plugin folders, zip files and http(s) URLs can be installed so far`, [
      'download the package and give its path, or build it from its folder',
    ]);
  } else {
    const path = resolve(source);
    if (!existsSync(path)) {
      throw new CliError('NOT_A_PLUGIN', `${path} does not exist`, ['give a plugin folder (with plugin.json), a package zip, or an http(s) URL of one']);
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
  return { zip, pkg, label: source, ...(built ? { built } : {}) };
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
