// Plugin resources from a client's side, shared by the CLI and the web dashboard (so it must stay
// browser-safe: no Node imports, types only from elsewhere): the commits that install, update,
// reconfigure, switch and remove a plugin (docs/design/plugin-host.md), and the summary of a served
// Plugin resource with the state the host overlays on it (plugin-host.ts #statusOf). The server
// checks every commit again; the checks here only explain problems before anything is sent.

import { assertJsonAdValue, type JsonAdValue, type PropVals } from '../atomic/json-ad.js';
import { classes, localProps, props } from '../atomic/urls.js';

/** What a commit on a Plugin resource changes (what each platform's signCommit takes). */
export interface PluginChanges {
  subject: string;
  set?: PropVals;
  remove?: string[];
  destroy?: boolean;
}

/** The manifest fields an install or update records (a PluginManifest has them). */
export interface ManifestIdentity {
  namespace: string;
  name: string;
  version: string;
  description?: string;
  author?: string;
}

/** What installing or updating points the Plugin resource at. */
export interface PackageChoice {
  /** The package's URL on the server (uploaded) or `ipfs://<cid>`. */
  packageUrl: string;
  manifest: ManifestIdentity;
  /** The permissions granted, a subset of those the manifest asks for. */
  granted: string[];
  config?: Record<string, unknown>;
}

/** The subject a plugin is installed at unless told otherwise. */
export function defaultInstallSubject(serverUrl: string, manifest: Pick<ManifestIdentity, 'namespace' | 'name'>): string {
  return `${serverUrl}/plugins/installed/${manifest.namespace}-${manifest.name}`;
}

/** A config as a JSON-AD value; TypeError when it holds a null (Atomic Data has none) or worse. */
export function configValue(config: Record<string, unknown>): JsonAdValue {
  assertJsonAdValue(config, 'config');
  return config;
}

/** What identifies a Plugin resource for people: the manifest's fields the class requires. */
function identityProps(manifest: ManifestIdentity): PropVals {
  const set: PropVals = {
    [props.name]: manifest.name,
    [props.plugin.namespace]: manifest.namespace,
    [props.plugin.version]: manifest.version,
  };
  if (manifest.description) set[props.description] = manifest.description;
  if (manifest.author) set[props.plugin.author] = manifest.author;
  return set;
}

function packageProps(choice: PackageChoice): PropVals {
  const set: PropVals = { ...identityProps(choice.manifest), [props.plugin.file]: choice.packageUrl, [props.plugin.permissions]: choice.granted };
  if (choice.config) set[props.plugin.config] = configValue(choice.config);
  return set;
}

/** The commit that creates the Plugin resource at `subject` (the host loads it before accepting). */
export function installChanges(serverUrl: string, subject: string, choice: PackageChoice): PluginChanges {
  return { subject, set: { [props.isA]: [classes.plugin], [props.parent]: serverUrl, ...packageProps(choice) } };
}

/** The commit that points an installation at another package (and its permissions). */
export function updateChanges(subject: string, choice: PackageChoice): PluginChanges {
  return { subject, set: packageProps(choice) };
}

/** The commit that switches an installation on or off; switching on clears the breaker's error. */
export function enableChanges(serverUrl: string, subject: string, stored: Record<string, unknown>, enabled: boolean): PluginChanges {
  const local = localProps(serverUrl);
  const changes: PluginChanges = { subject, set: { [local.pluginEnabled]: enabled } };
  if (enabled && stored[local.pluginError] !== undefined) changes.remove = [local.pluginError];
  return changes;
}

/** The commit that replaces an installation's config (the host checks it against the configSchema). */
export function configChanges(subject: string, config: Record<string, unknown>): PluginChanges {
  return { subject, set: { [props.plugin.config]: configValue(config) } };
}

/** The commit that uninstalls: the host unloads the plugin and drops its data. */
export function uninstallChanges(subject: string): PluginChanges {
  return { subject, destroy: true };
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

const isObject = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value);
const str = (value: unknown): string => (typeof value === 'string' ? value : '');

/** True when a served resource is a Plugin resource. */
export function isPluginResource(resource: Record<string, unknown>): boolean {
  const types = resource[props.isA];
  return Array.isArray(types) && types.includes(classes.plugin);
}

/** The host's runtime counters on a served Plugin resource (while it is active), or undefined. */
export function pluginStats(serverUrl: string, resource: Record<string, unknown>): Record<string, unknown> | undefined {
  const stats = resource[localProps(serverUrl).pluginStats];
  return isObject(stats) ? stats : undefined;
}

/** Summarizes a served Plugin resource. */
export function summarize(serverUrl: string, subject: string, resource: Record<string, unknown>): PluginSummary {
  const local = localProps(serverUrl);
  const namespace = str(resource[props.plugin.namespace]);
  const name = str(resource[props.name]);
  const served = resource[local.pluginHooks];
  const hooks = isObject(served) ? served : {};
  const endpoints = Array.isArray(hooks.endpoints) ? hooks.endpoints.flatMap((e) => (isObject(e) && typeof e.path === 'string' ? [`${serverUrl}${e.path}`] : [])) : [];
  const other: string[] = (['beforeCommit', 'afterCommit', 'onResourceGet'] as const).filter((h) => hooks[h] === true);
  if (Array.isArray(hooks.schedules)) for (const s of hooks.schedules) if (typeof s === 'string') other.push(`schedule:${s}`);
  const stats = pluginStats(serverUrl, resource) ?? {};
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
