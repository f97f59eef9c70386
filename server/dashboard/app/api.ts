// What the dashboard asks of its server, as the signed-in agent: the installed Plugin resources
// (with the state the host overlays on them), the store's catalog and package descriptions
// (store-route.ts), staging a reference package, plugin logs, and signed commits on Plugin
// resources (built by the same code as the CLI's: server/plugins/plugin-resource.ts).

import { RequestError, signCommit, signedFetch, type Agent } from 'atomic-plugin/sdk/browser';
import { classes, props } from '../../atomic/urls.js';
import { isPluginResource, summarize, type PluginChanges, type PluginSummary } from '../../plugins/plugin-resource.js';
import type { PackageDescription, StagedPackage, StoreCatalog } from '../catalog-types.js';

/** An installed plugin as the dashboard shows it. */
export interface InstalledPlugin {
  subject: string;
  summary: PluginSummary;
  /** The resource as served (full property URLs), with the host's overlay. */
  resource: Record<string, unknown>;
  /** Its current config (absent: the plugin's defaultConfig). */
  config?: Record<string, unknown>;
  /** The package its resource points at. */
  packageUrl?: string;
}

/** A line of a plugin's log (server/plugins/plugin-logs.ts). */
export interface LogLine {
  seq: number;
  at: number;
  level: string;
  message: string;
}

const AD_JSON = 'application/ad+json';
const isObject = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value);

/** The dashboard's requests, signed as `agent`. */
export class DashboardApi {
  constructor(
    readonly agent: Agent,
    /** The server's URL (subjects start with it), from the catalog. */
    readonly serverUrl: string,
  ) {}

  /** The catalog; also how the dashboard learns the server's URL before it signs in. */
  static async catalog(agent: Agent | null): Promise<StoreCatalog> {
    return (await (await signedFetch(agent, '/plugins/store')).json()) as StoreCatalog;
  }

  /** A subject of this server as a path of this page's origin (which may spell the host differently). */
  #local(subject: string): string {
    return subject.startsWith(`${this.serverUrl}/`) ? subject.slice(this.serverUrl.length) : subject;
  }

  async #getResource(subject: string): Promise<Record<string, unknown>> {
    const body: unknown = await (await signedFetch(this.agent, this.#local(subject), { accept: AD_JSON })).json();
    if (!isObject(body)) throw new Error(`${subject} is not a resource`);
    return body;
  }

  /** The Plugin resource at `subject`, or undefined when there is none (or it is no Plugin). */
  async plugin(subject: string): Promise<InstalledPlugin | undefined> {
    let resource: Record<string, unknown>;
    try {
      resource = await this.#getResource(subject);
    } catch (error) {
      if (error instanceof RequestError && error.status === 404) return undefined;
      throw error;
    }
    if (!isPluginResource(resource)) return undefined;
    const config = resource[props.plugin.config];
    const file = resource[props.plugin.file];
    const plugin: InstalledPlugin = { subject, summary: summarize(this.serverUrl, subject, resource), resource };
    if (isObject(config)) plugin.config = config;
    if (typeof file === 'string') plugin.packageUrl = file;
    return plugin;
  }

  /** Every Plugin resource the agent can read. */
  async installed(): Promise<InstalledPlugin[]> {
    const query = new URLSearchParams({ property: props.isA, value: classes.plugin, page_size: '1000' });
    const collection = await this.#getResource(`/query?${query}`);
    const members = collection[props.collection.members];
    const subjects = (Array.isArray(members) ? members : []).flatMap((m) => (typeof m === 'string' ? [m] : isObject(m) && typeof m['@id'] === 'string' ? [m['@id']] : []));
    // One that went between the query and the read is not installed any more.
    const plugins = await Promise.all(subjects.map((subject) => this.plugin(subject)));
    return plugins.filter((p): p is InstalledPlugin => p !== undefined).sort((a, b) => a.summary.plugin.localeCompare(b.summary.plugin) || a.subject.localeCompare(b.subject));
  }

  /** What the package at `packageUrl` (on this server) holds and who signed it. */
  async describe(packageUrl: string): Promise<PackageDescription> {
    return (await (await signedFetch(this.agent, `/plugins/store/package?${new URLSearchParams({ url: packageUrl })}`)).json()) as PackageDescription;
  }

  /** Puts a reference plugin's package in the server's package store; resolves with its URL. */
  async stageReference(name: string): Promise<string> {
    const staged = (await (await signedFetch(this.agent, `/plugins/store/reference?${new URLSearchParams({ name })}`, { method: 'POST' })).json()) as StagedPackage;
    return staged['@id'];
  }

  /** Signs and posts a commit; a refusal throws the server's explanation. */
  async commit(changes: PluginChanges): Promise<void> {
    await signedFetch(this.agent, '/commit', { method: 'POST', contentType: AD_JSON, accept: AD_JSON, body: JSON.stringify(signCommit(this.agent, changes)) });
  }

  /** The newest lines of a plugin's log. */
  async log(subject: string): Promise<LogLine[]> {
    const answer = (await (await signedFetch(this.agent, `/plugins/logs?${new URLSearchParams({ plugin: subject })}`)).json()) as { lines?: LogLine[] };
    return answer.lines ?? [];
  }
}
