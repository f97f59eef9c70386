// Installed plugins from the CLI's side: uploading a package, the signed commits that install,
// update, reconfigure, switch and remove a Plugin resource (done the way any Atomic Data client does
// them, docs/design/plugin-host.md), and reading Plugin resources back with the host's status.
// The server checks everything again; the checks here only explain problems before anything changes.

import type { AgentIdentity } from '../../server/atomic/agent.js';
import { signCommit, type CommitChanges } from '../../server/atomic/commit.js';
import { assertJsonAdValue, type JsonAdValue, type PropVals } from '../../server/atomic/json-ad.js';
import { classes, localProps, props } from '../../server/atomic/urls.js';
import type { PermissionName, PluginManifest } from '../../server/plugins/manifest.js';
import { CliError } from './errors.js';
import type { JsonValue } from './output.js';
import type { JsonObject } from './plugin-config.js';
import { fetchIfExists, fetchResource, request, tryPostCommit, type CommitRefusal } from './server-client.js';


/** The subject `install` gives a plugin unless `--subject` says otherwise. */
export function defaultInstallSubject(serverUrl: string, manifest: Pick<PluginManifest, 'namespace' | 'name'>): string {
  return `${serverUrl}/plugins/installed/${manifest.namespace}-${manifest.name}`;
}


/** A config as a JSON-AD value: Atomic Data has no null, so a config holding one is refused here. */
function configValue(config: JsonObject): JsonAdValue {
  try {
    assertJsonAdValue(config, 'config');
  } catch (error) {
    throw new CliError('INVALID_CONFIG', `The config cannot be stored: ${(error as Error).message}`, ['Atomic Data has no null: leave the key out instead']);
  }
  return config;
}

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

/** Signs and posts a commit on a Plugin resource; a refusal is explained by {@link refused}. */
async function commitChanges(serverUrl: string, agent: AgentIdentity, changes: CommitChanges, action: string): Promise<void> {
  const result = await tryPostCommit(serverUrl, signCommit(changes, agent));
  if (!result.ok) throw refused(action, changes.subject, result.refusal);
}

/** What identifies a Plugin resource for people: the manifest's fields the class requires. */
function identityProps(manifest: PluginManifest): PropVals {
  const set: PropVals = {
    [props.name]: manifest.name,
    [props.plugin.namespace]: manifest.namespace,
    [props.plugin.version]: manifest.version,
  };
  if (manifest.description) set[props.description] = manifest.description;
  if (manifest.author) set[props.plugin.author] = manifest.author;
  return set;
}

/** Creates the Plugin resource; refuses when one exists at `subject` already. */
export async function createInstallation(
  serverUrl: string,
  agent: AgentIdentity,
  subject: string,
  options: { packageUrl: string; manifest: PluginManifest; granted: PermissionName[]; config?: JsonObject },
): Promise<void> {
  if (await fetchIfExists(subject, { agent })) {
    throw new CliError('INSTALL_REFUSED', `${subject} exists already`, [
      `update it with \`atomic-plugin update ${subject} <package>\`, or install at another --subject`,
    ]);
  }
  const set: PropVals = {
    [props.isA]: [classes.plugin],
    [props.parent]: serverUrl,
    ...identityProps(options.manifest),
    [props.plugin.file]: options.packageUrl,
    [props.plugin.permissions]: options.granted,
  };
  if (options.config) set[props.plugin.config] = configValue(options.config);
  await commitChanges(serverUrl, agent, { subject, set }, 'install');
}

/** Points an installation at a new package (and its permissions). */
export async function updateInstallation(
  serverUrl: string,
  agent: AgentIdentity,
  subject: string,
  options: { packageUrl: string; manifest: PluginManifest; granted: PermissionName[]; config?: JsonObject },
): Promise<void> {
  const set: PropVals = { ...identityProps(options.manifest), [props.plugin.file]: options.packageUrl, [props.plugin.permissions]: options.granted };
  if (options.config) set[props.plugin.config] = configValue(options.config);
  await commitChanges(serverUrl, agent, { subject, set }, 'update');
}

/** Switches an installation on or off; switching on clears the error the breaker left. */
export async function setEnabled(serverUrl: string, agent: AgentIdentity, installation: InstalledPlugin, enabled: boolean): Promise<void> {
  const local = localProps(serverUrl);
  const changes: CommitChanges = { subject: installation.subject, set: { [local.pluginEnabled]: enabled } };
  if (enabled && installation.stored[local.pluginError] !== undefined) changes.remove = [local.pluginError];
  await commitChanges(serverUrl, agent, changes, enabled ? 'enable' : 'disable');
}

/** Replaces an installation's config (the server validates it against the plugin's schema). */
export async function setConfig(serverUrl: string, agent: AgentIdentity, subject: string, config: JsonObject): Promise<void> {
  const result = await tryPostCommit(serverUrl, signCommit({ subject, set: { [props.plugin.config]: configValue(config) } }, agent));
  if (!result.ok) {
    const { refusal } = result;
    if (refusal.status === 401 || refusal.status === 403) throw refused('configure', subject, refusal);
    throw new CliError('INVALID_CONFIG', `The server refused the config of ${subject}: ${refusal.description}`, [
      'fix the config to match the plugin\'s configSchema; nothing was changed',
    ]);
  }
}

/** Destroys the Plugin resource: the host unloads the plugin and drops its data. */
export async function destroyInstallation(serverUrl: string, agent: AgentIdentity, subject: string): Promise<void> {
  await commitChanges(serverUrl, agent, { subject, destroy: true }, 'uninstall');
}

/** An installed plugin as `list` shows it (its `--json` items). */
export interface PluginSummary {
  subject: string;
  /** `namespace/name`, when the resource says. */
  plugin: string;
  version: string;
  /** `active`, `disabled` or `failed`, as the host reports it. */
  status: string;
  enabled: boolean;
  /** Full URLs of its endpoints (while active). */
  endpoints: string[];
  /** The other hooks it has while active: beforeCommit, afterCommit, onResourceGet, schedules by name. */
  hooks: string[];
  /** The host's last error for it: why it failed to load, or its last failed call. */
  lastError?: string;
  granted: string[];
  calls?: number;
}

/** A Plugin resource as read from the server. */
export interface InstalledPlugin {
  subject: string;
  /** The propvals as served (with the host's status overlay). */
  stored: JsonObject;
  summary: PluginSummary;
}

function isObject(value: JsonValue | undefined): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Summarizes a served Plugin resource. */
export function summarize(serverUrl: string, subject: string, resource: JsonObject): PluginSummary {
  const local = localProps(serverUrl);
  const str = (v: JsonValue | undefined): string => (typeof v === 'string' ? v : '');
  const namespace = str(resource[props.plugin.namespace]);
  const name = str(resource[props.name]);
  const hooks = isObject(resource[local.pluginHooks]) ? (resource[local.pluginHooks] as JsonObject) : {};
  const endpoints = Array.isArray(hooks.endpoints)
    ? hooks.endpoints.flatMap((e) => (isObject(e) && typeof e.path === 'string' ? [`${serverUrl}${e.path}`] : []))
    : [];
  const other = (['beforeCommit', 'afterCommit', 'onResourceGet'] as const).filter((h) => hooks[h] === true) as string[];
  if (Array.isArray(hooks.schedules)) for (const s of hooks.schedules) if (typeof s === 'string') other.push(`schedule:${s}`);
  const stats = isObject(resource[local.pluginStats]) ? (resource[local.pluginStats] as JsonObject) : {};
  const lastError = str(resource[local.pluginError]) || str(stats.lastError);
  const granted = resource[props.plugin.permissions];
  return {
    subject,
    plugin: namespace && name ? `${namespace}/${name}` : '',
    version: str(resource[props.plugin.version]),
    status: str(resource[local.pluginStatus]) || 'unknown',
    enabled: resource[local.pluginEnabled] !== false,
    endpoints,
    hooks: other,
    ...(lastError ? { lastError } : {}),
    granted: Array.isArray(granted) ? granted.filter((g): g is string => typeof g === 'string') : [],
    ...(typeof stats.calls === 'number' ? { calls: stats.calls } : {}),
  };
}

/** Reads one Plugin resource; PLUGIN_NOT_FOUND when there is none at `subject`. */
export async function readInstallation(serverUrl: string, agent: AgentIdentity, subject: string): Promise<InstalledPlugin> {
  const fetched = await fetchIfExists(subject, { agent });
  const resource = fetched?.data;
  if (!isObject(resource)) {
    throw new CliError('PLUGIN_NOT_FOUND', `No plugin is installed at ${subject}`, ['`atomic-plugin list` shows the installed plugins']);
  }
  const types = resource[props.isA];
  if (!Array.isArray(types) || !types.includes(classes.plugin)) {
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

