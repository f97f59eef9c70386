// What the dashboard's buttons do, each as the same signed commits the CLI makes (the commit
// builders are shared: server/plugins/plugin-resource.ts): install from the store after the
// permission prompt, update to a newer release, switch on or off, reconfigure, uninstall. Each
// resolves with a sentence for the page, or null when the user cancelled; refusals throw.

import semverGt from 'semver/functions/gt.js';
import { configChanges, defaultInstallSubject, enableChanges, installChanges, uninstallChanges, updateChanges } from '../../plugins/plugin-resource.js';
import type { StoreCatalog, StoreEntry, StoreVersion } from '../catalog-types.js';
import type { DashboardApi, InstalledPlugin } from './api.js';
import { askPermissions } from './permission-dialog.js';

/** A version in the store, with the plugin it belongs to. */
export interface StoreChoice {
  entry: StoreEntry;
  version: StoreVersion;
}

/** The package's URL on the server: registry releases have one, reference packages are staged first. */
async function packageUrlOf(api: DashboardApi, { entry, version }: StoreChoice): Promise<string> {
  if (version.packageUrl) return version.packageUrl;
  if (!entry.reference) throw new Error(`${entry.plugin} ${version.version} has no package on this server`);
  return api.stageReference(entry.reference);
}

/**
 * Waits until the host reports the plugin active (it loads the code before it accepts the commit,
 * so this is normally at once); throws with the host's error when it failed.
 */
async function waitUntilActive(api: DashboardApi, subject: string, timeoutMs = 30_000): Promise<InstalledPlugin> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const plugin = await api.plugin(subject);
    if (!plugin) throw new Error(`${subject} is gone`);
    const { status, lastError } = plugin.summary;
    if (status === 'active') return plugin;
    if (status === 'failed' || Date.now() > deadline) throw new Error(`${subject} is ${status}${lastError ? `: ${lastError}` : ''}`);
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

/** Installs a store version at its default subject, after the permission prompt. */
export async function install(api: DashboardApi, choice: StoreChoice): Promise<string | null> {
  const { entry, version } = choice;
  const subject = defaultInstallSubject(api.serverUrl, version);
  if (await api.plugin(subject)) throw new Error(`${entry.plugin} is installed already at ${subject}: update it under Installed`);
  const granted = await askPermissions({ title: `Install ${entry.plugin} ${version.version}?`, action: 'Install', pkg: version });
  if (granted === null) return null;
  const packageUrl = await packageUrlOf(api, choice);
  await api.commit(installChanges(api.serverUrl, subject, { packageUrl, manifest: version, granted }));
  const live = await waitUntilActive(api, subject);
  return `Installed ${live.summary.plugin} ${live.summary.version} with ${granted.length > 0 ? granted.join(', ') : 'no permissions'}.`;
}

/** The newest store version of an installed plugin that is newer than what it runs, if any. */
export function newerVersion(catalog: StoreCatalog, plugin: InstalledPlugin): StoreChoice | undefined {
  const { plugin: id, version: installed } = plugin.summary;
  let best: StoreChoice | undefined;
  for (const entry of catalog.plugins) {
    if (entry.plugin !== id) continue;
    for (const version of entry.versions) {
      if (!version.signature.accepted) continue;
      if ((installed === '' || semverGt(version.version, installed)) && (!best || semverGt(version.version, best.version.version))) best = { entry, version };
    }
  }
  return best;
}

/** Points an installed plugin at a newer version, after the permission prompt (new ones marked). */
export async function update(api: DashboardApi, plugin: InstalledPlugin, choice: StoreChoice): Promise<string | null> {
  const { summary, subject } = plugin;
  const { version } = choice;
  const added = version.permissions.map((p) => p.name).filter((name) => !summary.granted.includes(name));
  const granted = await askPermissions({ title: `Update ${summary.plugin} ${summary.version} to ${version.version}?`, action: 'Update', pkg: version, added });
  if (granted === null) return null;
  const packageUrl = await packageUrlOf(api, choice);
  await api.commit(updateChanges(subject, { packageUrl, manifest: version, granted }));
  if (summary.enabled) await waitUntilActive(api, subject);
  return `Updated ${summary.plugin} from ${summary.version} to ${version.version}.`;
}

/** Switches a plugin on or off. */
export async function setEnabled(api: DashboardApi, plugin: InstalledPlugin, enabled: boolean): Promise<string> {
  await api.commit(enableChanges(api.serverUrl, plugin.subject, plugin.resource, enabled));
  if (enabled) await waitUntilActive(api, plugin.subject);
  return `${enabled ? 'Enabled' : 'Disabled'} ${plugin.summary.plugin}.`;
}

/** Saves a config (the host checks it against the schema and re-initializes the plugin). */
export async function saveConfig(api: DashboardApi, plugin: InstalledPlugin, config: Record<string, unknown>): Promise<string> {
  await api.commit(configChanges(plugin.subject, config));
  return `Saved the config of ${plugin.summary.plugin}.`;
}

/** Uninstalls after the user confirms. */
export async function uninstall(api: DashboardApi, plugin: InstalledPlugin): Promise<string | null> {
  if (!window.confirm(`Uninstall ${plugin.summary.plugin}? Its config and the data it keeps are removed.`)) return null;
  await api.commit(uninstallChanges(plugin.subject));
  return `Uninstalled ${plugin.summary.plugin}.`;
}
