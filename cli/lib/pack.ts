// `serve --pack` and `serve --with <names>`: the server keeps reference plugins installed. Once it
// listens, it installs those that are missing and updates those that are older than the shipped
// build, through the same signed install path as `atomic-plugin install <short-name>` (a commit by
// the owner agent, over HTTP, checked by the server like any other), and reports where they serve.

import { createHash } from 'node:crypto';
import semver from 'semver';
import type { AgentIdentity } from '../../server/atomic/agent.js';
import { props } from '../../server/atomic/urls.js';
import { endpointPath, parseRequirement } from '../../server/plugins/manifest.js';
import { CliError } from './errors.js';
import { install, update } from './install.js';
import { listInstallations, type InstalledPlugin } from './installations.js';
import { formatFields } from './output.js';
import { parsePackage } from './package-signing.js';
import { loadReference, type LoadedPackage } from './plugin-source.js';
import { fetchBytes } from './server-client.js';
import { readReferenceIndex, referenceEntry, type IndexPublisher } from './reference-plugins.js';

/** The pack `npm start` serves with (`serve --pack`): SPARQL, CRUD JSON and the TODO app. */
export const PACK = ['sparql', 'crud', 'todo'] as const;

/** What `serve` did about one reference plugin. */
export interface PackPluginResult {
  name: string;
  /** `namespace/name`. */
  plugin: string;
  /** The version serving now (the installed one when it was left alone). */
  version: string;
  /**
   * `installed` (it was missing), `updated` (an older version, or the same version with other
   * files, was installed), `unchanged` (this build, or a newer version, is installed), `failed` (see error).
   */
  action: 'installed' | 'updated' | 'unchanged' | 'failed';
  subject?: string;
  status?: string;
  /** Its endpoints: full URLs, with what the manifest says they are. */
  endpoints: { url: string; description?: string }[];
  previousVersion?: string;
  error?: { code: string; message: string };
}

/** What `serve` reports about the reference plugins it keeps installed. */
export interface PackReport {
  publisher: IndexPublisher;
  plugins: PackPluginResult[];
}

/**
 * The reference plugins `serve` is asked to keep: the pack with `--pack`, plus `--with` names, none
 * at all with `--no-pack`, and the reference plugins these require, each after what it requires so
 * that the host accepts the installs. Each must be in the built index (REFERENCE_NOT_FOUND
 * otherwise), checked before the server starts.
 */
export function packNames(pack: boolean | undefined, withNames: readonly string[] | undefined): string[] {
  if (pack === false) return [];
  const names = [...(pack ? PACK : []), ...(withNames ?? []).flatMap((w) => w.split(','))].map((n) => n.trim()).filter(Boolean);
  if (names.length === 0) return [];
  const index = readReferenceIndex();
  const ordered: string[] = [];
  const visiting = new Set<string>();
  const visit = (name: string): void => {
    if (ordered.includes(name) || visiting.has(name)) return;
    visiting.add(name);
    const entry = referenceEntry(index, name);
    for (const spec of entry.requires ?? []) {
      const required = Object.entries(index.plugins).find(([, e]) => e.plugin === parseRequirement(spec).plugin)?.[0];
      if (required !== undefined) visit(required);
    }
    ordered.push(name);
  };
  for (const name of names) visit(name);
  return ordered;
}

const sha256 = (bytes: Uint8Array): string => createHash('sha256').update(bytes).digest('hex');

/**
 * True when the installed plugin runs the shipped package's content. Uploads are named by the
 * SHA-256 of their bytes, so the same bytes answer at once; other bytes may be the same files
 * signed again (a clean rebuild signs anew), so the installed package is read back and its
 * content digest compared. A package this server does not serve by URL (ipfs://) counts as the same:
 * it was installed on purpose, not by the pack.
 */
async function runsPackage(serverUrl: string, agent: AgentIdentity, installed: InstalledPlugin, loaded: LoadedPackage): Promise<boolean> {
  const file = installed.stored[props.plugin.file];
  if (typeof file !== 'string' || !file.startsWith(`${serverUrl}/plugins/packages/`)) return true;
  if (file.endsWith(`/${sha256(loaded.zip)}`)) return true;
  try {
    return parsePackage(await fetchBytes(file, agent), file).digest === loaded.pkg.digest;
  } catch (error) {
    if (error instanceof CliError) return false;
    throw error;
  }
}

/** The endpoints of an installed plugin with the manifest's descriptions. */
function describeEndpoints(urls: readonly string[], loaded: LoadedPackage): PackPluginResult['endpoints'] {
  const declared = loaded.pkg.manifest.hooks.endpoints ?? [];
  return urls.map((url) => {
    const description = declared.find((e) => url.endsWith(endpointPath(loaded.pkg.manifest, e)))?.description;
    return { url, ...(description ? { description } : {}) };
  });
}

/** Installs, updates or leaves one reference plugin; a failure is reported, not thrown. */
async function ensureOne(
  options: { serverUrl: string; agent: AgentIdentity; progress: (line: string) => void },
  name: string,
  installedPlugins: readonly InstalledPlugin[],
): Promise<PackPluginResult> {
  const { serverUrl, agent, progress } = options;
  let loaded: LoadedPackage | undefined;
  try {
    loaded = loadReference(name, progress);
    const { entry } = loaded.reference!;
    const current = installedPlugins.find((p) => p.summary.plugin === entry.plugin);
    const common = { serverUrl, agent, source: name, package: loaded, yes: true, progress };
    if (!current) {
      const result = await install(common);
      return { name, plugin: entry.plugin, version: result.version, action: 'installed', subject: result.subject, status: result.status, endpoints: describeEndpoints(result.endpoints, loaded) };
    }
    const installedVersion = semver.valid(current.summary.version);
    const older = installedVersion === null || semver.lt(installedVersion, entry.version);
    const sameButOtherBuild = installedVersion !== null && semver.eq(installedVersion, entry.version) && !(await runsPackage(serverUrl, agent, current, loaded));
    if (older || sameButOtherBuild) {
      const result = await update({ ...common, plugin: current.subject });
      return {
        name, plugin: entry.plugin, version: result.version, action: 'updated', subject: result.subject, status: result.status,
        endpoints: describeEndpoints(result.endpoints, loaded), ...(result.previousVersion ? { previousVersion: result.previousVersion } : {}),
      };
    }
    if (semver.gt(installedVersion!, entry.version)) progress(`${name}: ${current.summary.version} is installed, newer than the shipped ${entry.version}: left as it is`);
    const { summary } = current;
    return { name, plugin: entry.plugin, version: summary.version, action: 'unchanged', subject: current.subject, status: summary.status, endpoints: describeEndpoints(summary.endpoints, loaded) };
  } catch (error) {
    if (!(error instanceof CliError)) throw error;
    progress(`${name}: not installed: ${error.message}`);
    const plugin = loaded?.reference?.entry.plugin ?? name;
    return { name, plugin, version: loaded?.reference?.entry.version ?? '', action: 'failed', endpoints: [], error: { code: error.code, message: error.message } };
  }
}

/**
 * Makes sure the reference plugins `names` run on the server, in order (a plugin that needs another
 * comes after it): each missing one is installed, each older one (or the same version with other
 * files, as after editing its sources in a checkout) updated, with all the permissions it asks
 * for, as `agent`. A plugin that fails is reported and the others still go ahead.
 */
export async function ensureReferencePlugins(options: {
  serverUrl: string;
  agent: AgentIdentity;
  names: readonly string[];
  progress: (line: string) => void;
}): Promise<PackReport> {
  const publisher = readReferenceIndex().publisher;
  const installedPlugins = await listInstallations(options.serverUrl, options.agent);
  const plugins: PackPluginResult[] = [];
  for (const name of options.names) plugins.push(await ensureOne(options, name, installedPlugins));
  return { publisher, plugins };
}

/** The report for people: each plugin, what was done, and where it serves. */
export function formatPackReport(report: PackReport): string {
  const lines = [`Reference plugins (signed with the ${report.publisher.kind} key ${report.publisher.publicKey}):`];
  for (const p of report.plugins) {
    const what = p.action === 'updated' && p.previousVersion ? `updated from ${p.previousVersion}` : p.action;
    lines.push(`  ${p.name}: ${p.plugin} ${p.version || '?'}, ${what}${p.status && p.status !== 'active' ? ` (${p.status})` : ''}`);
    if (p.error) lines.push(`    ${p.error.code}: ${p.error.message.split('\n').join('\n    ')}`);
    if (p.endpoints.length > 0) {
      lines.push(formatFields(p.endpoints.map((e) => [`    ${e.url}`, e.description ?? ''] as const)).replace(/ +$/gm, ''));
    }
  }
  return lines.join('\n');
}
