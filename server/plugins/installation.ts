// One loaded plugin: its verified package, its manifest, the sandbox instance running its code,
// its agent, and where its log goes. Calls go through here so that JSON, limits and counters are
// handled the same way for every hook, and the call latency is measured here for every runtime.

import type { AgentIdentity } from '../atomic/agent.js';
import { isObject, type PropVals } from '../atomic/json-ad.js';
import { LatencyWindow } from './latency.js';
import type { PermissionName, PluginManifest, ViewDeclarations } from './manifest.js';
import { type CallOptions, PluginCallError, type PluginInstance } from './runtimes/runtime.js';

const encoder = new TextEncoder();
const decoder = new TextDecoder();

/** The views of a plugin granted `custom-view`: what its manifest declares and its package's ui files. */
export interface PluginViews extends ViewDeclarations {
  /** ui.js, as text. */
  script: string;
  /** ui.css, as text, or null when the package has none. */
  style: string | null;
  /** The permissions the plugin was granted: the page enforces them on what the view reads. */
  granted: PermissionName[];
}

/** Where an installation's log lines go (the host keeps them across reloads: plugin-logs.ts). */
export type LogSink = (level: string, message: string) => void;

export class Installation {
  #config: Record<string, unknown>;
  /** How long its recent calls took, from the host's call to the answer (queueing included). */
  readonly latency = new LatencyWindow();

  constructor(
    /** The subject of the Plugin resource. */
    readonly subject: string,
    readonly manifest: PluginManifest,
    readonly digest: string,
    readonly agent: AgentIdentity,
    readonly instance: PluginInstance,
    config: Record<string, unknown>,
    readonly log: LogSink,
    /** Its views, when it declares some and was granted custom-view; null otherwise. */
    readonly views: PluginViews | null = null,
  ) {
    this.#config = config;
  }

  /** `namespace/name`. */
  get id(): string {
    return `${this.manifest.namespace}/${this.manifest.name}`;
  }

  get config(): Record<string, unknown> {
    return this.#config;
  }

  /** True when the plugin's code exports `name`. */
  exports(name: string): boolean {
    return this.instance.exports().includes(name);
  }

  /** Calls an export with JSON and parses its JSON answer (an empty answer is `null`). */
  async callJson(exportName: string, input: unknown, options?: CallOptions): Promise<unknown> {
    const started = performance.now();
    let output: Uint8Array;
    try {
      output = await this.instance.call(exportName, encoder.encode(JSON.stringify(input)), options);
    } finally {
      this.latency.record(performance.now() - started);
    }
    if (output.length === 0) return null;
    const text = decoder.decode(output);
    try {
      return JSON.parse(text) as unknown;
    } catch {
      throw new PluginCallError('TRAP', exportName, `${this.id} answered with something that is not JSON: ${text.slice(0, 80)}`);
    }
  }

  /** Calls `init` (when exported) with the config; used after load and after a config change. */
  async init(config: Record<string, unknown>): Promise<void> {
    this.#config = config;
    if (!this.exports('init')) return;
    const { namespace, name, version } = this.manifest;
    await this.callJson('init', { config, plugin: { namespace, name, version, agent: this.agent.subject } });
  }

  /** Whether a class-scoped hook applies to a resource with these classes (no filter: every resource). */
  matchesClasses(filter: { classes?: string[] } | undefined, classes: readonly string[]): boolean {
    if (!filter) return false;
    return !filter.classes || filter.classes.length === 0 || filter.classes.some((c) => classes.includes(c));
  }

  /** Whether on_resource_get fires for a resource of these classes with these values. */
  wantsResource(classes: readonly string[], propvals: PropVals): boolean {
    const filter = this.manifest.hooks.onResourceGet;
    if (!this.matchesClasses(filter, classes)) return false;
    const prefix = filter?.withValuePrefix;
    if (prefix === undefined) return true;
    const starts = (value: unknown): boolean => typeof value === 'string' && value.startsWith(prefix);
    return Object.values(propvals).some((value) => starts(value) || (Array.isArray(value) && value.some(starts)));
  }

  close(): Promise<void> {
    return this.instance.close();
  }
}

/** The `allow`/`reason` answer of a before_commit hook; anything else counts as a refusal. */
export function readVerdict(answer: unknown): { allow: boolean; reason: string } {
  if (isObject(answer) && answer.allow === true) return { allow: true, reason: '' };
  const reason = isObject(answer) && typeof answer.reason === 'string' ? answer.reason : 'the plugin gave no valid answer';
  return { allow: false, reason };
}
