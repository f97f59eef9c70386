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
  uploadPackage,
  waitUntilActive,
  type PluginSummary,
} from './installations.js';
import { parseConfigFlag } from './plugin-config.js';
import { formatPermissions, grantedPermissions, loadPackage } from './plugin-source.js';
import { confirmOrStop } from './prompts.js';

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
}

/** Where the package came from, for the result. */
function provenance(loaded: Awaited<ReturnType<typeof loadPackage>>): Pick<InstallResult, 'built' | 'cid' | 'release'> {
  return {
    ...(loaded.built ? { built: loaded.built.path } : {}),
    ...(loaded.cid ? { cid: loaded.cid } : {}),
    ...(loaded.release ? { release: loaded.release.subject } : {}),
  };
}

/** Uploads the package: by its CID when it came from IPFS (the server checks it), else by its hash. */
async function upload(options: InstallOptions, loaded: Awaited<ReturnType<typeof loadPackage>>): Promise<string> {
  const { serverUrl, agent, progress } = options;
  progress(`Uploading ${loaded.zip.length} bytes to ${serverUrl}/plugins/packages${loaded.cid ? ` as ${loaded.cid}` : ''}…`);
  return uploadPackage(serverUrl, loaded.zip, agent, loaded.cid);
}

/** Installs a package as a new Plugin resource at `subject` (default: {@link defaultInstallSubject}). */
export async function install(options: InstallOptions & { subject?: string }): Promise<InstallResult> {
  const { serverUrl, agent, progress } = options;
  const config = options.config === undefined ? undefined : parseConfigFlag(options.config);
  const loaded = await loadPackage(options.source, progress, { serverUrl, agent, ...(options.ipfsApi ? { ipfsApi: options.ipfsApi } : {}) });
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
 * Replaces an installed plugin's package with another version of the same plugin. Permissions the
 * new version asks for that the old grant lacks are shown and need confirmation. Without a source,
 * the newest version the server's registry has that is compatible with the installed one
 * (`namespace/name@^installed`) is taken.
 */
export async function update(options: Omit<InstallOptions, 'source'> & { plugin: string; source?: string }): Promise<InstallResult> {
  const { serverUrl, agent, progress } = options;
  const config = options.config === undefined ? undefined : parseConfigFlag(options.config);
  const installed = await findInstallation(serverUrl, agent, options.plugin);
  let source = options.source;
  if (source === undefined) {
    const { plugin, version } = installed.summary;
    if (!plugin) throw new CliError('INVALID_INPUT', `${installed.subject} does not say which plugin it is`, ['give the package to update to']);
    source = version ? `${plugin}@^${version}` : plugin;
  }
  const loaded = await loadPackage(source, progress, { serverUrl, agent, ...(options.ipfsApi ? { ipfsApi: options.ipfsApi } : {}) });
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
  const packageUrl = await upload({ ...options, source }, loaded);
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
