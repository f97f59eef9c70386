// The steps of `install` and `update`, in order: get the package (building a folder), show what it
// asks for and confirm, upload, commit, wait until the host reports it active. Each step that can
// fail does so before the next one changes anything on the server.

import type { AgentIdentity } from '../../server/atomic/agent.js';
import type { PermissionName } from '../../server/plugins/manifest.js';
import { CliError } from './errors.js';
import {
  createInstallation,
  defaultInstallSubject,
  findInstallation,
  updateInstallation,
  type InstalledPlugin,
  uploadPackage,
  waitUntilActive,
  type PluginSummary,
} from './installations.js';
import { parseConfigFlag } from './plugin-config.js';
import { formatPermissions, grantedPermissions, loadPackage, loadReference, type LoadedPackage, type SourceContext } from './plugin-source.js';
import { confirmOrStop } from './prompts.js';
import { referenceNameOf, referencePluginId } from './reference-plugins.js';

/** What `install` and `update` report (their `--json` output). */
export interface InstallResult extends PluginSummary {
  /** The uploaded package's URL on the server. */
  packageUrl: string;
  digest: string;
  /** The package zip that was built, when the source was a folder. */
  built?: string;
  /** The version that was replaced (update only). */
  previousVersion?: string;
  /** The CID, when installed from `ipfs://<cid>`. */
  cid?: string;
  /** The registry release, when installed from `namespace/name[@range]`. */
  release?: string;
  /** The reference plugin's short name, when installed by it. */
  reference?: string;
}

/** Options shared by install and update. */
export interface InstallOptions {
  serverUrl: string;
  agent: AgentIdentity;
  source: string;
  grant?: string[];
  config?: string;
  yes: boolean;
  progress: (line: string) => void;
  /** A Kubo node's RPC API for `ipfs://` sources; the embedded node when absent. */
  ipfsApi?: string;
  /**
   * The package, loaded already (`serve --with` loads reference plugins by name, whatever folders
   * the current directory holds); `source` is then only how it is named.
   */
  package?: LoadedPackage;
}

/** Where the package came from, for the result. */
function provenance(loaded: LoadedPackage): Pick<InstallResult, 'built' | 'cid' | 'release' | 'reference'> {
  return {
    ...(loaded.built ? { built: loaded.built.path } : {}),
    ...(loaded.cid ? { cid: loaded.cid } : {}),
    ...(loaded.release ? { release: loaded.release.subject } : {}),
    ...(loaded.reference ? { reference: loaded.reference.name } : {}),
  };
}

/** Uploads the package: by its CID when it came from IPFS (the server checks it), else by its hash. */
async function upload(options: Omit<InstallOptions, 'source'>, loaded: LoadedPackage): Promise<string> {
  const { serverUrl, agent, progress } = options;
  progress(`Uploading ${loaded.zip.length} bytes to ${serverUrl}/plugins/packages${loaded.cid ? ` as ${loaded.cid}` : ''}…`);
  return uploadPackage(serverUrl, loaded.zip, agent, loaded.cid);
}

/** Installs a package as a new Plugin resource at `subject` (default: {@link defaultInstallSubject}). */
export async function install(options: InstallOptions & { subject?: string }): Promise<InstallResult> {
  const { serverUrl, agent, progress } = options;
  const config = options.config === undefined ? undefined : parseConfigFlag(options.config);
  const loaded = options.package ?? (await loadPackage(options.source, progress, sourceContext(options)));
  const { manifest } = loaded.pkg;
  const granted = grantedPermissions(manifest, options.grant);
  const subject = options.subject ?? defaultInstallSubject(serverUrl, manifest);
  progress(`${manifest.namespace}/${manifest.name}@${manifest.version}${manifest.description ? `: ${manifest.description}` : ''}`);
  progress(`Signed by: ${loaded.pkg.signature?.signer ?? '(unsigned)'}`);
  progress(`Permissions:\n${formatPermissions(manifest, granted)}`);
  await confirmOrStop(`Install ${manifest.namespace}/${manifest.name} on ${serverUrl} with ${granted.length > 0 ? granted.join(', ') : 'no permissions'}?`, options.yes);
  const packageUrl = await upload(options, loaded);
  progress(`Installing at ${subject}…`);
  await createInstallation(serverUrl, agent, subject, { packageUrl, manifest, granted, ...(config ? { config } : {}) });
  progress('Waiting until it is active…');
  const live = await waitUntilActive(serverUrl, agent, subject);
  return { ...live.summary, packageUrl, digest: loaded.pkg.digest, ...provenance(loaded) };
}

/**
 * What `update` installs when no source is given: a reference plugin's shipped package (this CLI's
 * version of it, whatever folders the current directory holds), else the newest version in the
 * server's registry that is compatible with the installed one (`namespace/name@^installed`).
 */
async function defaultUpdatePackage(options: Omit<InstallOptions, 'source'>, installed: InstalledPlugin): Promise<LoadedPackage> {
  const { plugin, version } = installed.summary;
  if (!plugin) throw new CliError('INVALID_INPUT', `${installed.subject} does not say which plugin it is`, ['give the package to update to']);
  const reference = referenceNameOf(plugin);
  if (reference) return loadReference(reference, options.progress);
  return loadPackage(version ? `${plugin}@^${version}` : plugin, options.progress, sourceContext(options));
}

/** What loading a source needs besides the source. */
function sourceContext(options: Omit<InstallOptions, 'source'>): SourceContext {
  return { serverUrl: options.serverUrl, agent: options.agent, ...(options.ipfsApi ? { ipfsApi: options.ipfsApi } : {}) };
}

/**
 * Replaces an installed plugin's package with another version of the same plugin. Permissions the
 * new version asks for that the old grant lacks are shown and need confirmation. Without a source,
 * see {@link defaultUpdatePackage}. `plugin` may also be a reference plugin's short name.
 */
export async function update(options: Omit<InstallOptions, 'source'> & { plugin: string; source?: string }): Promise<InstallResult> {
  const { serverUrl, agent, progress } = options;
  const config = options.config === undefined ? undefined : parseConfigFlag(options.config);
  const installed = await findInstallation(serverUrl, agent, referencePluginId(options.plugin) ?? options.plugin);
  const loaded =
    options.package ??
    (options.source === undefined ? await defaultUpdatePackage(options, installed) : await loadPackage(options.source, progress, sourceContext(options)));
  const { manifest } = loaded.pkg;
  const id = `${manifest.namespace}/${manifest.name}`;
  if (installed.summary.plugin && installed.summary.plugin !== id) {
    throw new CliError('INVALID_INPUT', `${installed.subject} is ${installed.summary.plugin}, but the package is ${id}`, [
      `install ${id} next to it with \`atomic-plugin install\` instead`,
    ]);
  }
  // By default the new version gets what it asks for; what is new since the old grant is pointed out.
  const granted: PermissionName[] = grantedPermissions(manifest, options.grant);
  const added = granted.filter((p) => !installed.summary.granted.includes(p));
  progress(`${id}: ${installed.summary.version || '?'} → ${manifest.version}`);
  progress(`Permissions:\n${formatPermissions(manifest, granted)}`);
  if (added.length > 0) progress(`New since the installed version: ${added.join(', ')}`);
  await confirmOrStop(`Update ${installed.subject} to ${manifest.version}?`, options.yes);
  const packageUrl = await upload(options, loaded);
  progress(`Updating ${installed.subject}…`);
  await updateInstallation(serverUrl, agent, installed.subject, { packageUrl, manifest, granted, ...(config ? { config } : {}) });
  const live = await waitUntilActive(serverUrl, agent, installed.subject);
  return {
    ...live.summary,
    packageUrl,
    digest: loaded.pkg.digest,
    ...provenance(loaded),
    ...(installed.summary.version ? { previousVersion: installed.summary.version } : {}),
  };
}
