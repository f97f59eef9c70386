// Installed plugins from the CLI's side: uploading a package, the signed commits that install,
// update, reconfigure, switch and remove a Plugin resource (done the way any Atomic Data client does
// them, docs/design/plugin-host.md), and reading Plugin resources back with the host's status.
// The server checks everything again; the checks here only explain problems before anything changes.

import type { AgentIdentity } from '../../server/atomic/agent.js';
import { signCommit } from '../../server/atomic/commit.js';
import { classes, props } from '../../server/atomic/urls.js';
import {
  configChanges,
  enableChanges,
  installChanges,
  isPluginResource,
  summarize,
  uninstallChanges,
  updateChanges,
  type PackageChoice,
  type PluginChanges,
  type PluginSummary,
} from '../../server/plugins/plugin-resource.js';
import { CliError } from './errors.js';
import type { JsonValue } from './output.js';
import type { JsonObject } from './plugin-config.js';
import { fetchIfExists, fetchResource, request, tryPostCommit, type CommitRefusal } from './server-client.js';

export { defaultInstallSubject, type PluginSummary } from '../../server/plugins/plugin-resource.js';

const isObject = (value: JsonValue | undefined): value is JsonObject => typeof value === 'object' && value !== null && !Array.isArray(value);

/**
 * Uploads a package zip; returns its URL on the server. With a CID the server keeps it in its
 * blockstore, after checking that the bytes have that CID, and the URL is `ipfs://<cid>`.
 */
export async function uploadPackage(serverUrl: string, zip: Uint8Array, agent: AgentIdentity, cid?: string): Promise<string> {
  const url = `${serverUrl}/plugins/packages${cid ? `?cid=${encodeURIComponent(cid)}` : ''}`;
  const { data } = await request(url, { method: 'POST', agent, contentType: 'application/zip', body: zip });
  const id = isObject(data) ? data['@id'] : undefined;
  if (typeof id !== 'string') throw new CliError('INVALID_RESPONSE', `${serverUrl}/plugins/packages did not answer with the package URL`);
  return id;
}

/** A refused commit on a Plugin resource, explained. */
function refused(action: string, subject: string, refusal: CommitRefusal): CliError {
  if (/config/i.test(refusal.description) && /schema/i.test(refusal.description)) {
    return new CliError('INVALID_CONFIG', `The server refused the config of ${subject}: ${refusal.description}`, [
      'fix the config to match the plugin\'s configSchema (`atomic-plugin config get <plugin>` shows the current one)',
    ]);
  }
  const suggestions =
    refusal.status === 401 || refusal.status === 403
      ? ['use the secret of an agent with write rights on the drive (the owner\'s: `atomic-plugin agent show` on the server)']
      : ['nothing was changed on the server; fix the problem above and try again'];
  return new CliError('INSTALL_REFUSED', `The server refused to ${action} ${subject} (${refusal.status}): ${refusal.description}`, suggestions);
}

/**
 * Builds a commit with one of the shared builders (plugin-resource.ts), signs and posts it; a
 * config the builder cannot store is INVALID_CONFIG, a refusal is explained by {@link refused}.
 */
async function commitChanges(serverUrl: string, agent: AgentIdentity, build: () => PluginChanges, action: string): Promise<CommitRefusal | undefined> {
  let changes: PluginChanges;
  try {
    changes = build();
  } catch (error) {
    if (!(error instanceof TypeError)) throw error;
    throw new CliError('INVALID_CONFIG', `The config cannot be stored: ${error.message}`, ['Atomic Data has no null: leave the key out instead']);
  }
  const result = await tryPostCommit(serverUrl, signCommit(changes, agent));
  if (result.ok) return undefined;
  if (action === 'configure' && result.refusal.status !== 401 && result.refusal.status !== 403) return result.refusal;
  throw refused(action, changes.subject, result.refusal);
}

/** Creates the Plugin resource; refuses when one exists at `subject` already. */
export async function createInstallation(serverUrl: string, agent: AgentIdentity, subject: string, choice: PackageChoice): Promise<void> {
  if (await fetchIfExists(subject, { agent })) {
    throw new CliError('INSTALL_REFUSED', `${subject} exists already`, [
      `update it with \`atomic-plugin update ${subject} <package>\`, or install at another --subject`,
    ]);
  }
  await commitChanges(serverUrl, agent, () => installChanges(serverUrl, subject, choice), 'install');
}

/** Points an installation at a new package (and its permissions). */
export async function updateInstallation(serverUrl: string, agent: AgentIdentity, subject: string, choice: PackageChoice): Promise<void> {
  await commitChanges(serverUrl, agent, () => updateChanges(subject, choice), 'update');
}

/** Switches an installation on or off; switching on clears the error the breaker left. */
export async function setEnabled(serverUrl: string, agent: AgentIdentity, installation: InstalledPlugin, enabled: boolean): Promise<void> {
  await commitChanges(serverUrl, agent, () => enableChanges(serverUrl, installation.subject, installation.stored, enabled), enabled ? 'enable' : 'disable');
}

/** Replaces an installation's config (the server validates it against the plugin's schema). */
export async function setConfig(serverUrl: string, agent: AgentIdentity, subject: string, config: JsonObject): Promise<void> {
  const refusal = await commitChanges(serverUrl, agent, () => configChanges(subject, config), 'configure');
  if (refusal) {
    throw new CliError('INVALID_CONFIG', `The server refused the config of ${subject}: ${refusal.description}`, [
      'fix the config to match the plugin\'s configSchema; nothing was changed',
    ]);
  }
}

/** Destroys the Plugin resource: the host unloads the plugin and drops its data. */
export async function destroyInstallation(serverUrl: string, agent: AgentIdentity, subject: string): Promise<void> {
  await commitChanges(serverUrl, agent, () => uninstallChanges(subject), 'uninstall');
}

/** A Plugin resource as read from the server. */
export interface InstalledPlugin {
  subject: string;
  /** The propvals as served (with the host's status overlay). */
  stored: JsonObject;
  summary: PluginSummary;
}

/** Reads one Plugin resource; PLUGIN_NOT_FOUND when there is none at `subject`. */
export async function readInstallation(serverUrl: string, agent: AgentIdentity, subject: string): Promise<InstalledPlugin> {
  const fetched = await fetchIfExists(subject, { agent });
  const resource = fetched?.data;
  if (!isObject(resource)) {
    throw new CliError('PLUGIN_NOT_FOUND', `No plugin is installed at ${subject}`, ['`atomic-plugin list` shows the installed plugins']);
  }
  if (!isPluginResource(resource)) {
    throw new CliError('PLUGIN_NOT_FOUND', `${subject} is not a Plugin resource`, ['`atomic-plugin list` shows the installed plugins']);
  }
  return { subject, stored: resource, summary: summarize(serverUrl, subject, resource) };
}

/** Every Plugin resource on the server the agent can read, summarized. */
export async function listInstallations(serverUrl: string, agent: AgentIdentity): Promise<InstalledPlugin[]> {
  const url = `${serverUrl}/query?property=${encodeURIComponent(props.isA)}&value=${encodeURIComponent(classes.plugin)}&page_size=1000`;
  const { data } = await fetchResource(url, { agent });
  const members = isObject(data) ? data[props.collection.members] : undefined;
  const subjects = Array.isArray(members) ? members.flatMap((m) => (typeof m === 'string' ? [m] : isObject(m) && typeof m['@id'] === 'string' ? [m['@id']] : [])) : [];
  const plugins: InstalledPlugin[] = [];
  for (const subject of subjects) {
    try {
      plugins.push(await readInstallation(serverUrl, agent, subject));
    } catch (error) {
      // Gone between the query and the read: not installed any more.
      if (!(error instanceof CliError && error.code === 'PLUGIN_NOT_FOUND')) throw error;
    }
  }
  return plugins;
}

/**
 * Finds an installed plugin by its subject (a URL or a path on the server) or by `namespace/name`.
 * A name that matches several installations is ambiguous: the error lists their subjects.
 */
export async function findInstallation(serverUrl: string, agent: AgentIdentity, ref: string): Promise<InstalledPlugin> {
  if (/^https?:\/\//i.test(ref)) return readInstallation(serverUrl, agent, ref);
  if (ref.startsWith('/')) return readInstallation(serverUrl, agent, `${serverUrl}${ref}`);
  if (!/^[a-z0-9-]+\/[a-z0-9-]+$/.test(ref)) {
    throw new CliError('INVALID_INPUT', `"${ref}" is neither a plugin's subject nor namespace/name`, ['e.g. acme/hello, or the subject `atomic-plugin list` shows']);
  }
  const matches = (await listInstallations(serverUrl, agent)).filter((p) => p.summary.plugin === ref);
  if (matches.length === 1) return matches[0]!;
  if (matches.length === 0) {
    throw new CliError('PLUGIN_NOT_FOUND', `No plugin ${ref} is installed on ${serverUrl}`, ['`atomic-plugin list` shows the installed plugins']);
  }
  throw new CliError('INVALID_INPUT', `${ref} is installed ${matches.length} times: ${matches.map((m) => m.subject).join(', ')}`, ['name the one you mean by its subject']);
}

/**
 * Waits until the host reports the plugin active on its resource (it loads the code before it
 * accepts the commit, so this is normally at once); PLUGIN_NOT_LIVE with the host's error otherwise.
 */
export async function waitUntilActive(serverUrl: string, agent: AgentIdentity, subject: string, timeoutMs = 30_000): Promise<InstalledPlugin> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const installed = await readInstallation(serverUrl, agent, subject);
    const { status, lastError } = installed.summary;
    if (status === 'active') return installed;
    if (status === 'failed' || Date.now() > deadline) {
      throw new CliError('PLUGIN_NOT_LIVE', `${subject} is ${status}${lastError ? `: ${lastError}` : ''}`, [
        `see its log with \`atomic-plugin logs ${subject}\``,
      ]);
    }
    await new Promise((r) => setTimeout(r, 200));
  }
}

