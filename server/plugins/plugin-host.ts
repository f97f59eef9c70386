// The plugin host: turns Plugin resources into running plugins and wires their hooks into the
// server. Installing, reconfiguring, updating and removing all happen through commits on Plugin
// resources; a gate loads the new code before the commit is written (so a plugin that does not
// load is refused and the old one keeps serving), and the after-commit listener swaps it in.

import { isUtf8 } from 'node:buffer';
import { createHash } from 'node:crypto';
import { closeSync, existsSync, fsyncSync, mkdirSync, openSync, readFileSync, renameSync, writeFileSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { Cron } from 'croner';
import semver from 'semver';
import { createAgentIdentity, decodeSecret, encodeSecret, type AgentIdentity } from '../atomic/agent.js';
import { commitToPropVals, signCommit, type Commit } from '../atomic/commit.js';
import { AtomicError } from '../atomic/errors.js';
import { isObject, type PropVals } from '../atomic/json-ad.js';
import { hasRight } from '../atomic/rights.js';
import { classes, localProps, props, publicAgent } from '../atomic/urls.js';
import { classCollections } from '../collections.js';
import type { CommitGate, CommitPreview, CommitProcessor } from '../commits.js';
import type { CommitAppliedEvent, HostEvents } from '../events.js';
import type { HttpRequest, HttpResponse, Route, RouteContext } from '../http/app.js';
import { HostSampler } from '../host-stats.js';
import type { HostStats, PluginFigures } from '../../sdk/common/host-stats.js';
import type { Store } from '../store/store.js';
import { PluginLogs, pluginLogRoute } from './plugin-logs.js';
import { createHostFunctions, createInlineHostFunctions, type HostFunctionContext } from './host-functions.js';
import { Installation, readVerdict, type PluginViews } from './installation.js';
import { durationMs, effectiveLimits, endpointPath, requiredExports, validateConfig, type Permission } from './manifest.js';
import type { PackageStore } from './package-store.js';
import { readPackage, verifyPackage, type TrustPolicy } from './package.js';
import { type CallOptions, PluginCallError, PluginRuntimeError, type PluginIdentity, type PreparedCode, type Runtime, type RuntimeKind } from './runtimes/runtime.js';
import { allowedHostFunctionsFor } from './permissions.js';
import { pluginFigures } from './plugin-status.js';
import { RequestsInFlight } from './requests-in-flight.js';
import { requirementProblem } from './requirements.js';
import { RESTART_PATH, restartRoute } from './restart-route.js';
import { ensurePluginDataFolder, extractRunFolder, removePluginDataFolder } from './run-folder.js';

const P = props.plugin;

/**
 * Paths (with everything below them) no plugin endpoint may take: the protocol's own and the
 * server's collections. `/plugins` itself is a collection, but below it live the plugins' own
 * prefixes, which the manifest check keeps each plugin inside.
 */
// `/upload` is not among them: the server stores no files itself, and a storage plugin (atomic/ipfs)
// may serve atomic-server's upload form there.
const RESERVED_PATHS = ['/commit', '/ws', '/query', '/ontology', '/plugins/packages', '/plugins/logs', RESTART_PATH, '/plugins/store', '/_dashboard', ...Object.keys(classCollections).filter((p) => p !== '/plugins')];

// What a plugin may put in its response headers: RFC 9110 tokens for names, visible text for
// values. Framing and connection headers belong to the server, never to the plugin.
const HEADER_NAME = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;
const HEADER_VALUE = /^[\t\x20-\x7e]*$/;
const CONNECTION_HEADERS = new Set(['content-length', 'transfer-encoding', 'connection', 'keep-alive', 'upgrade', 'trailer', 'te', 'proxy-connection']);

/** How long a plugin loaded by a gate waits for its commit before it is dropped. */
const PENDING_TTL_MS = 60_000;

/** What the plugin host needs. */
export interface PluginHostOptions {
  store: Store;
  commits: CommitProcessor;
  events: HostEvents;
  packages: PackageStore;
  serverUrl: string;
  dataDir: string;
  trust: TrustPolicy;
  runtimes: Partial<Record<RuntimeKind, Runtime>>;
  /** The agent the host signs its own changes with (switching off a plugin whose breaker tripped). */
  hostAgent: AgentIdentity;
  /** Whether a native route of the program embedding the host serves `path`: no endpoint may take it. */
  servedNatively?: (path: string) => boolean;
}

/**
 * A plugin is switched off after this many failed calls in a row within BREAKER_WINDOW_MS. Any
 * successful call resets the count, so requests that make a working plugin fail now and then
 * (bad input, say) cannot be used to switch it off.
 */
export const BREAKER_FAILURES = 20;
export const BREAKER_WINDOW_MS = 60_000;

function classesOf(propvals: PropVals | undefined): string[] {
  const isA = propvals?.[props.isA];
  return Array.isArray(isA) ? isA.filter((c): c is string => typeof c === 'string') : [];
}

function isPlugin(propvals: PropVals | undefined): boolean {
  return classesOf(propvals).includes(classes.plugin);
}

/** A package's views, for a plugin granted custom-view (the package check made sure ui.js is there). */
function viewsOf(manifest: Installation['manifest'], files: Record<string, Uint8Array>, granted: readonly Permission[]): PluginViews | null {
  const script = files['ui.js'];
  if (!manifest.views || !script || !granted.some((p) => p.name === 'custom-view')) return null;
  const style = files['ui.css'];
  const text = (bytes: Uint8Array): string => new TextDecoder().decode(bytes);
  return { ...manifest.views, script: text(script), style: style ? text(style) : null, granted: granted.map((p) => p.name) };
}

function asAtomicError(error: unknown, code: 'PLUGIN_LOAD_FAILED' | 'PLUGIN_INVALID'): AtomicError {
  if (error instanceof AtomicError) return error;
  return new AtomicError(code, error instanceof Error ? error.message : String(error));
}

export class PluginHost {
  readonly #options: PluginHostOptions;
  readonly #active = new Map<string, Installation>();
  readonly #pending = new Map<string, { installation: Installation; timer: NodeJS.Timeout }>();
  /** Why an installed plugin is not running, by subject (load failures, tripped breakers). */
  readonly #failures = new Map<string, string>();
  readonly #schedules = new Map<string, (() => void)[]>();
  readonly #recentFailures = new Map<string, number[]>();
  /** Preparations under way, by cache file, so that an upload and an install share one. */
  readonly #preparing = new Map<string, Promise<PreparedCode>>();
  /** Sandboxes being closed, awaited by close(). */
  readonly #closing = new Set<Promise<void>>();
  readonly #removers: (() => void)[] = [];
  readonly #local: ReturnType<typeof localProps>;
  /** Where the host reports what no plugin's log can hold (set by start). */
  #hostLog: (line: string) => void = () => {};
  readonly #logs = new PluginLogs();
  readonly #requests = new RequestsInFlight();
  readonly #hostStats: HostSampler;
  /** Restarts operators asked for, by subject (counted in the plugin's restarts). */
  readonly #operatorRestarts = new Map<string, number>();
  /** Restarts under way, by subject, so that two requests at once make one restart. */
  readonly #restarting = new Map<string, Promise<PluginFigures>>();
  /** What each plugin last ran as (namespace/name, version), for the figures of one switched off since. */
  readonly #lastRan = new Map<string, { plugin: string; version: string }>();

  constructor(options: PluginHostOptions) {
    this.#options = options;
    this.#local = localProps(options.serverUrl);
    this.#hostStats = new HostSampler(options.dataDir);
    const gate: CommitGate = { applies: (commit) => this.#gateApplies(commit), check: (preview, signed) => this.#gate(preview, signed) };
    this.#removers.push(options.commits.addGate(gate));
    this.#removers.push(options.events.onCommitApplied((event) => this.#afterCommit(event)));
  }

  /** Loads every installed plugin; one that fails is reported and skipped, the host still starts. */
  async start(log: (line: string) => void = () => {}): Promise<void> {
    this.#hostLog = log;
    const { store } = this.#options;
    for (const subject of store.findSubjects(props.isA, classes.plugin)) {
      const propvals = store.get(subject);
      if (!propvals || propvals[this.#local.pluginEnabled] === false) continue;
      try {
        this.#activate(await this.#load(subject, propvals));
      } catch (error) {
        this.#failures.set(subject, (error as Error).message);
        log(`plugin ${subject} did not load: ${(error as Error).message}`);
      }
    }
  }

  /**
   * Prepares an uploaded package in the background, as if every permission it asks for were
   * granted, so that installing it right after the upload only has to start it. Packages that
   * do not read or prepare are left for the install to refuse.
   */
  warm(zip: Uint8Array): void {
    void (async () => {
      const pkg = readPackage(zip);
      const runtime = this.#options.runtimes[pkg.manifest.runtime];
      if (!runtime) return;
      const names = pkg.manifest.permissions.map((p) => p.name);
      const { memoryMb } = effectiveLimits(pkg.manifest, names);
      await this.#prepare(runtime, pkg.digest, pkg.files[pkg.manifest.entry]!, memoryMb, allowedHostFunctionsFor(names));
    })().catch(() => {});
  }

  /** The route that serves plugins' logs (plugin-logs.ts). */
  logRoute(): Route {
    return pluginLogRoute(this.#logs, this.#options.store);
  }

  /** The route that restarts a plugin for an operator (restart-route.ts). */
  restartRoute(): Route {
    return restartRoute(this.#options.store, (plugin, agent) => this.restart(plugin, agent));
  }

  /**
   * Gives a plugin that is switched on a fresh sandbox with the same package, grants and config
   * (one that failed to load is tried again). The old sandbox serves until the new one is up.
   * Throws AtomicError: NOT_FOUND, PLUGIN_DISABLED, PLUGIN_LOAD_FAILED, PLUGIN_BUSY.
   */
  restart(subject: string, agent: string): Promise<PluginFigures> {
    const running = this.#restarting.get(subject);
    if (running) return running;
    const restarting = this.#restart(subject, agent).finally(() => this.#restarting.delete(subject));
    this.#restarting.set(subject, restarting);
    return restarting;
  }

  async #restart(subject: string, agent: string): Promise<PluginFigures> {
    const { store } = this.#options;
    const propvals = store.get(subject);
    if (!isPlugin(propvals)) throw new AtomicError('NOT_FOUND', `no plugin at ${subject}`);
    if (propvals![this.#local.pluginEnabled] === false) throw new AtomicError('PLUGIN_DISABLED', `${subject} is switched off: switch it on (set ${this.#local.pluginEnabled} to true) instead of restarting it`);
    const before = this.#active.get(subject);
    const unchanged = (): boolean => this.#active.get(subject) === before && JSON.stringify(store.get(subject)) === JSON.stringify(propvals);
    let installation: Installation;
    try {
      installation = await this.#load(subject, propvals!);
    } catch (error) {
      const refusal = asAtomicError(error, 'PLUGIN_LOAD_FAILED');
      if (!before && unchanged()) this.#failures.set(subject, refusal.message);
      throw refusal;
    }
    // A commit updated, reconfigured, switched off or removed the plugin meanwhile: its change wins.
    if (!unchanged()) {
      await installation.close();
      throw new AtomicError('PLUGIN_BUSY', `${subject} changed while it was being restarted; try again`);
    }
    // One that did not run may have lost what it requires meanwhile: it starts only as an install would.
    const problem = before ? null : requirementProblem(subject, installation.manifest, this.#active.values());
    if (problem !== null) {
      await installation.close();
      throw new AtomicError('PLUGIN_REQUIREMENT', problem);
    }
    this.#deactivate(subject, false);
    this.#activate(installation);
    this.#operatorRestarts.set(subject, (this.#operatorRestarts.get(subject) ?? 0) + 1);
    installation.log('info', `restarted by ${agent}`);
    return this.#figuresOf(subject, store.get(subject) ?? propvals!);
  }

  /** Every installed plugin's figures and the host's own, for host_stats (plugin-status.ts, host-stats.ts). */
  #stats(): HostStats {
    const { store } = this.#options;
    const plugins: PluginFigures[] = [];
    for (const subject of store.findSubjects(props.isA, classes.plugin)) {
      const propvals = store.get(subject);
      if (propvals) plugins.push(this.#figuresOf(subject, propvals));
    }
    return { host: this.#hostStats.read(), plugins };
  }

  #figuresOf(subject: string, propvals: PropVals): PluginFigures {
    return pluginFigures(subject, propvals, {
      installation: this.#active.get(subject),
      failure: this.#failures.get(subject),
      operatorRestarts: this.#operatorRestarts.get(subject) ?? 0,
      enabled: propvals[this.#local.pluginEnabled] !== false,
      lastRan: this.#lastRan.get(subject),
    });
  }

  /** The route that serves every active plugin's endpoints. */
  route(): Route {
    return {
      matches: (path) => this.#endpointFor(path) !== undefined,
      handle: (request, context) => this.#handleRequest(request, context),
    };
  }

  /** The active plugins that have views (see Installation.views), for the dashboard's view page. */
  withViews(): Installation[] {
    return [...this.#active.values()].filter((installation) => installation.views !== null);
  }

  /** Lets `on_resource_get` hooks extend a resource being served; a failing hook changes nothing. */
  async extendResource(subject: string, propvals: PropVals, agent: string | undefined): Promise<PropVals> {
    let result = propvals;
    const types = classesOf(propvals);
    if (types.includes(classes.collection)) return result;
    if (types.includes(classes.plugin)) result = { ...result, ...this.#statusOf(subject, propvals) };
    for (const installation of this.#active.values()) {
      if (!installation.wantsResource(types, result)) continue;
      try {
        const answer = await this.#call(installation, 'on_resource_get', { subject, resource: result, agent: agent ?? null });
        if (!isObject(answer)) continue;
        const next: PropVals = { ...result };
        if (isObject(answer.set)) Object.assign(next, answer.set);
        if (Array.isArray(answer.remove)) for (const p of answer.remove) if (typeof p === 'string') delete next[p];
        result = next;
      } catch (error) {
        installation.log('error', `on_resource_get failed: ${(error as Error).message}`);
      }
    }
    return result;
  }

  async close(): Promise<void> {
    for (const remove of this.#removers) remove();
    for (const { installation, timer } of this.#pending.values()) {
      clearTimeout(timer);
      await installation.close();
    }
    this.#pending.clear();
    for (const subject of [...this.#active.keys()]) this.#deactivate(subject, false);
    await Promise.all([...this.#closing]);
  }

  // --- Lifecycle -------------------------------------------------------------------------------

  /** Commits on Plugin resources, and every commit while some plugin has a before-commit hook. */
  #gateApplies(commit: Commit): boolean {
    for (const installation of this.#active.values()) if (installation.manifest.hooks.beforeCommit) return true;
    const setsIsA = commit.set?.[props.isA] ?? commit.push?.[props.isA];
    if (Array.isArray(setsIsA) && setsIsA.includes(classes.plugin)) return true;
    return isPlugin(this.#options.store.get(commit.subject));
  }

  async #gate(preview: CommitPreview, signed: Promise<boolean>): Promise<void> {
    const { commit, after, before } = preview;
    if (isPlugin(before) || isPlugin(after)) {
      // Plugins run code on the server: installing, changing or removing one takes write rights
      // on the drive, not merely the right to append to it.
      const { store, serverUrl } = this.#options;
      for (const agent of [commit.signer, commit.onBehalfOf?.agent]) {
        if (agent !== undefined && !hasRight((s) => store.get(s), store.get(serverUrl), agent, 'write')) {
          throw new AtomicError('FORBIDDEN', `${agent} may not manage plugins: that needs write rights on the drive`);
        }
      }
    }
    // The host's own changes (a tripped breaker) must go through even if they break a requirement.
    const checkRequirements = !preview.asHost;
    if (isPlugin(after) && after![this.#local.pluginEnabled] !== false) {
      // Loading starts the plugin's code: only for a commit whose signature holds.
      if (!(await signed)) return;
      let installation: Installation;
      try {
        installation = await this.#load(commit.subject, after!);
      } catch (error) {
        throw asAtomicError(error, 'PLUGIN_LOAD_FAILED');
      }
      const problem = checkRequirements ? requirementProblem(commit.subject, installation.manifest, this.#active.values()) : null;
      if (problem !== null) {
        void installation.close();
        throw new AtomicError('PLUGIN_REQUIREMENT', problem);
      }
      const timer = setTimeout(() => {
        this.#pending.delete(preview.commitId);
        void installation.close();
      }, PENDING_TTL_MS).unref();
      this.#pending.set(preview.commitId, { installation, timer });
    } else if (checkRequirements && this.#active.has(commit.subject)) {
      const problem = requirementProblem(commit.subject, null, this.#active.values());
      if (problem !== null) throw new AtomicError('PLUGIN_REQUIREMENT', problem);
    }
    // Plugins' own before-commit hooks; they fail closed.
    const types = [...new Set([...classesOf(before), ...classesOf(after)])];
    for (const installation of this.#active.values()) {
      if (installation.agent.subject === commit.signer) continue;
      if (!installation.matchesClasses(installation.manifest.hooks.beforeCommit, types)) continue;
      let verdict: { allow: boolean; reason: string };
      try {
        // Hooks run while the signature is being verified; whatever may change something waits for it.
        verdict = readVerdict(await this.#call(installation, 'before_commit', this.#commitEvent(preview), { urgent: true, startAfter: signed }));
      } catch (error) {
        verdict = { allow: false, reason: `its before-commit hook failed (${(error as Error).message})` };
      }
      if (!verdict.allow) throw new AtomicError('PLUGIN_REJECTED', `${installation.id}: ${verdict.reason}`);
    }
  }

  #afterCommit(event: CommitAppliedEvent): void {
    const subject = event.commit.subject;
    const pending = this.#pending.get(event.commitId);
    if (pending) {
      clearTimeout(pending.timer);
      this.#pending.delete(event.commitId);
      const updated = this.#active.has(subject);
      this.#deactivate(subject, false);
      this.#activate(pending.installation);
      this.#notify(updated ? 'updated' : 'installed', pending.installation);
    } else if (isPlugin(event.before) && this.#active.has(subject)) {
      // Destroyed, switched off, or no longer a Plugin.
      const removed = this.#active.get(subject)!;
      this.#deactivate(subject, true);
      if (!event.after) void this.#options.store.kvClear(subject);
      this.#notify('removed', removed);
    }
    if (!event.after) {
      this.#failures.delete(subject);
      this.#operatorRestarts.delete(subject);
      this.#lastRan.delete(subject);
      this.#logs.forget(subject);
    }
    if (!event.after && isPlugin(event.before)) {
      // Uninstalled (running or not): its data folder goes too, once its process has stopped, and
      // its agent keeps no rights on the drive (the Agent resource stays: it signed commits).
      void Promise.all([...this.#closing]).then(() => removePluginDataFolder(this.#options.dataDir, subject));
      if (existsSync(this.#agentFile(subject))) {
        const agent = this.#agentIdentity(subject).subject;
        this.#revokeDriveWrite(agent).catch((error: Error) => this.#hostLog(`could not take ${agent} off the drive's writers: ${error.message}`));
      }
    }
    const types = [...new Set([...classesOf(event.before), ...classesOf(event.after)])];
    for (const installation of this.#active.values()) {
      if (installation.agent.subject === event.commit.signer) continue;
      if (!installation.matchesClasses(installation.manifest.hooks.afterCommit, types)) continue;
      // after-commit hooks fail open: the commit stands, the failure is logged.
      this.#call(installation, 'after_commit', this.#commitEvent(event)).catch((error: Error) => installation.log('error', `after_commit failed: ${error.message}`));
    }
  }

  #activate(installation: Installation): void {
    const { subject } = installation;
    this.#active.set(subject, installation);
    this.#lastRan.set(subject, { plugin: installation.id, version: installation.manifest.version });
    this.#failures.delete(subject);
    this.#recentFailures.delete(subject);
    const stops: (() => void)[] = [];
    for (const schedule of installation.manifest.hooks.schedules ?? []) {
      let running = false;
      const fire = (): void => {
        // A schedule that is still running when it fires again skips that turn.
        if (running || this.#active.get(subject) !== installation) return;
        running = true;
        this.#call(installation, 'on_schedule', { schedule: schedule.name, firedAt: Date.now() })
          .catch((error: Error) => installation.log('error', `schedule ${schedule.name} failed: ${error.message}`))
          .finally(() => (running = false));
      };
      if (schedule.cron) {
        const job = new Cron(schedule.cron, { unref: true }, fire);
        stops.push(() => job.stop());
      } else if (schedule.every) {
        const timer = setInterval(fire, durationMs(schedule.every)).unref();
        stops.push(() => clearInterval(timer));
      }
    }
    this.#schedules.set(subject, stops);
  }

  /** Stops a running plugin (its schedules, then its sandbox); `keepStatus` leaves its failure reason. */
  #deactivate(subject: string, keepStatus: boolean): void {
    for (const stop of this.#schedules.get(subject) ?? []) stop();
    this.#schedules.delete(subject);
    const installation = this.#active.get(subject);
    this.#active.delete(subject);
    if (!keepStatus) this.#failures.delete(subject);
    if (installation) {
      const closing = installation.close().finally(() => this.#closing.delete(closing));
      this.#closing.add(closing);
    }
  }

  /** Tells the plugins that asked for plugin events that another plugin came, changed or went. */
  #notify(type: 'installed' | 'updated' | 'removed', about: Installation): void {
    for (const installation of this.#active.values()) {
      if (!installation.manifest.hooks.pluginEvents || installation === about) continue;
      this.#call(installation, 'on_plugin_event', { type, plugin: about.id, version: about.manifest.version }).catch((error: Error) =>
        installation.log('error', `on_plugin_event failed: ${error.message}`),
      );
    }
  }

  /**
   * Calls a plugin and counts its failures in a row: BREAKER_FAILURES within BREAKER_WINDOW_MS
   * switch it off, with the reason recorded on its resource, until an operator switches it on again.
   * Requests to its endpoints do not count (`breaker: false`): anyone can send those, and a client
   * that knows an input the plugin fails on must not be able to switch it off for everyone.
   */
  async #call(installation: Installation, exportName: string, input: unknown, options: CallOptions & { breaker?: boolean } = {}): Promise<unknown> {
    try {
      const answer = await installation.callJson(exportName, input, options);
      this.#recentFailures.delete(installation.subject);
      return answer;
    } catch (error) {
      // A call cancelled before it started (a commit whose signature failed) says nothing of the plugin.
      if (error instanceof PluginCallError && error.code !== 'CLOSED' && error.code !== 'CANCELLED' && options.breaker !== false) this.#recordFailure(installation, error);
      throw error;
    }
  }

  /** Counts a failure; `fatal` (a runtime that gave up, e.g. a crash loop) trips the breaker at once. */
  #recordFailure(installation: Installation, error: PluginCallError, fatal = false): void {
    const now = Date.now();
    const recent = (this.#recentFailures.get(installation.subject) ?? []).filter((t) => now - t < BREAKER_WINDOW_MS);
    recent.push(now);
    this.#recentFailures.set(installation.subject, recent);
    if ((!fatal && recent.length < BREAKER_FAILURES) || this.#active.get(installation.subject) !== installation) return;
    const reason = fatal
      ? `switched off: ${error.message}`
      : `switched off after ${recent.length} failed calls in a row within ${BREAKER_WINDOW_MS / 1000} s; the last: ${error.message}`;
    installation.log('error', reason);
    this.#deactivate(installation.subject, true);
    this.#failures.set(installation.subject, reason);
    const { hostAgent, commits } = this.#options;
    const commit = signCommit({ subject: installation.subject, set: { [this.#local.pluginEnabled]: false, [this.#local.pluginError]: reason } }, hostAgent);
    commits.process(commitToPropVals(commit), { asHost: true }).catch((e: Error) => installation.log('error', `could not record the breaker: ${e.message}`));
  }

  /** The runtime state shown on a Plugin resource. */
  #statusOf(subject: string, propvals: PropVals): PropVals {
    const local = this.#local;
    const figures = this.#figuresOf(subject, propvals);
    const installation = this.#active.get(subject);
    if (figures.status !== 'active' || !installation) return { [local.pluginStatus]: figures.status, ...(figures.error ? { [local.pluginError]: figures.error } : {}) };
    const { manifest } = installation;
    const { calls, failures, timeouts, restarts, latencyMs, memoryBytes, lastError } = figures;
    return {
      [local.pluginStatus]: 'active',
      [props.plugin.version]: manifest.version,
      [local.pluginHooks]: {
        endpoints: (manifest.hooks.endpoints ?? []).map((e) => ({ path: endpointPath(manifest, e), methods: e.methods })),
        schedules: (manifest.hooks.schedules ?? []).map((sch) => sch.name),
        beforeCommit: manifest.hooks.beforeCommit !== undefined,
        afterCommit: manifest.hooks.afterCommit !== undefined,
        onResourceGet: manifest.hooks.onResourceGet !== undefined,
      },
      // JSON-AD has no null: percentiles not known yet are left out.
      [local.pluginStats]: {
        calls,
        failures,
        timeouts,
        restarts,
        latencyMs: Object.fromEntries(Object.entries(latencyMs).filter(([, ms]) => ms !== null)),
        memoryBytes,
        ...(lastError ? { lastError } : {}),
      },
    };
  }

  #commitEvent(event: CommitAppliedEvent): Record<string, unknown> {
    return {
      commit: { '@id': event.commitId, ...event.commitPropVals },
      subject: event.commit.subject,
      before: event.before ?? null,
      after: event.after ?? null,
      signer: event.commit.signer,
    };
  }

  /** Verifies, checks and starts the plugin a Plugin resource describes. Throws AtomicError. */
  async #load(subject: string, propvals: PropVals): Promise<Installation> {
    const { packages, serverUrl, trust, runtimes } = this.#options;
    const file = propvals[P.file];
    if (typeof file !== 'string') throw new AtomicError('PLUGIN_INVALID', `${subject} has no ${P.file} (the URL of an uploaded package, or ipfs://<cid>)`);
    const bytes = await packages.resolve(serverUrl, file);
    if (!bytes) {
      throw new AtomicError(
        'PLUGIN_INVALID',
        /^ipfs:\/\//i.test(file)
          ? `${file} is not in this host's blockstore: upload its bytes first with POST ${serverUrl}/plugins/packages?cid=<cid>`
          : `${file} is not a package uploaded to ${serverUrl}/plugins/packages`,
      );
    }
    const pkg = readPackage(bytes);
    const { digest } = verifyPackage(pkg, trust);
    const { manifest } = pkg;

    const granted = this.#grantedPermissions(subject, propvals, manifest.permissions);
    const config = isObject(propvals[P.config]) ? (propvals[P.config] as Record<string, unknown>) : manifest.defaultConfig;
    const problems = validateConfig(manifest, config);
    if (problems.length > 0) throw new AtomicError('PLUGIN_INVALID', `the config does not match the plugin's configSchema: ${problems.join('; ')}`);
    this.#checkEndpoints(subject, manifest);

    const runtime = runtimes[manifest.runtime];
    if (!runtime) throw new AtomicError('PLUGIN_LOAD_FAILED', `this host has no ${manifest.runtime} runtime`);
    const code = pkg.files[manifest.entry]!;
    const limits = effectiveLimits(manifest, granted.map((p) => p.name));
    const agent = this.#agentIdentity(subject);
    // Registering the agent (a commit) overlaps with loading the code; init may use it, so it waits.
    const registered = this.#registerAgent(subject, agent, granted);
    registered.catch(() => {}); // awaited below; a load that fails first must not leave it unhandled
    let installation: Installation | undefined;
    try {
      const prepared = await this.#prepare(runtime, digest, code, limits.memoryMb, allowedHostFunctionsFor(granted.map((p) => p.name)));
      const checkExports = (exported: readonly string[]): void => {
        const missing = requiredExports(manifest).filter((name) => !exported.includes(name));
        if (missing.length > 0) throw new AtomicError('PLUGIN_LOAD_FAILED', `the code does not export ${missing.join(', ')}, which its declared hooks need`);
      };
      // Runtimes without prepare (process) learn the exports only when the plugin starts.
      if (runtime.prepare) checkExports(prepared.exports);
      const log = (level: string, message: string): void => this.#logs.append(subject, level, message);
      const context: HostFunctionContext = {
        store: this.#options.store,
        commits: this.#options.commits,
        serverUrl,
        installation: subject,
        agent,
        config: () => installation?.config ?? config,
        granted,
        log,
        callPlugin: (plugin, fn, input) => this.#callPlugin(subject, plugin, fn, input),
        serving: (requester) => this.#requests.serving(subject, requester),
        hostStats: () => this.#stats(),
      };
      // A plugin on disk (a process) gets its agent's secret at start and may use it at once.
      if (runtime.capabilities.packageOnDisk) await registered;
      const instance = await runtime.instantiate(prepared, {
        hostFunctions: createHostFunctions(context),
        inlineHostFunctions: createInlineHostFunctions(context),
        // A runtime without an instruction budget is given none rather than one it would refuse.
        limits: runtime.capabilities.fuel ? limits : { ...limits, fuel: null },
        log,
        onFailure: (error, fatal) => {
          if (installation) this.#recordFailure(installation, error, fatal);
        },
        ...(runtime.capabilities.packageOnDisk ? { plugin: this.#onDisk(subject, manifest, pkg.files, digest, agent) } : {}),
      });
      try {
        checkExports(instance.exports());
      } catch (error) {
        await instance.close();
        throw error;
      }
      installation = new Installation(subject, manifest, digest, agent, instance, config, log, viewsOf(manifest, pkg.files, granted));
      await registered;
      await installation.init(config);
      return installation;
    } catch (error) {
      await installation?.close();
      if (error instanceof PluginRuntimeError) throw new AtomicError('PLUGIN_LOAD_FAILED', error.message);
      throw asAtomicError(error, 'PLUGIN_LOAD_FAILED');
    }
  }

  /**
   * Prepares code once per (package digest, memory cap) and keeps the result in the data folder:
   * preparing (fuel instrumentation) takes far longer than loading, and a restart, an update back
   * to a known version or a config change should not pay for it again.
   */
  async #prepare(runtime: Runtime, digest: string, code: Uint8Array, memoryMb: number, allowed: Set<string>): Promise<PreparedCode> {
    if (!runtime.prepare) return { kind: runtime.capabilities.kind, bytes: code, exports: [] };
    const dir = join(this.#options.dataDir, 'packages', 'prepared');
    const file = join(dir, `${runtime.capabilities.kind}-${digest.replace(/^sha256:/, '')}-${memoryMb}.bin`);
    const running = this.#preparing.get(file);
    if (running) await running.catch(() => {});
    if (runtime.restore && existsSync(file)) return runtime.restore(readFileSync(file), { allowedHostFunctions: allowed });
    const preparing = runtime.prepare(code, { memoryMb, allowedHostFunctions: allowed }).then((prepared) => {
      mkdirSync(dir, { recursive: true });
      writeFileSync(`${file}.tmp`, prepared.bytes);
      renameSync(`${file}.tmp`, file);
      return prepared;
    });
    this.#preparing.set(file, preparing);
    try {
      return await preparing;
    } finally {
      this.#preparing.delete(file);
    }
  }

  /** The package on disk and the identity a runtime with `packageOnDisk` (process) runs a plugin with. */
  #onDisk(subject: string, manifest: Installation['manifest'], files: Record<string, Uint8Array>, digest: string, agent: AgentIdentity): PluginIdentity {
    const { dataDir, serverUrl } = this.#options;
    return {
      namespace: manifest.namespace,
      name: manifest.name,
      version: manifest.version,
      // The entry is executable: a runtime may run it directly (a non-JavaScript process entry).
      packageDir: extractRunFolder(dataDir, digest, files, [manifest.entry]),
      entry: manifest.entry,
      dataDir: ensurePluginDataFolder(dataDir, subject),
      serverUrl,
      agent: { subject: agent.subject, publicKey: agent.publicKey, secret: agent.privateKey },
    };
  }

  #grantedPermissions(subject: string, propvals: PropVals, requested: readonly Permission[]): Permission[] {
    const raw = propvals[P.permissions];
    if (raw === undefined) return [];
    const names = Array.isArray(raw) ? raw : undefined;
    if (!names || !names.every((n): n is string => typeof n === 'string')) {
      throw new AtomicError('PLUGIN_INVALID', `${P.permissions} of ${subject} must be an array of permission names`);
    }
    return names.map((name) => {
      const permission = requested.find((p) => p.name === name);
      if (!permission) throw new AtomicError('PLUGIN_INVALID', `"${name}" is granted but the plugin does not ask for it`);
      return permission;
    });
  }

  #checkEndpoints(subject: string, manifest: Installation['manifest']): void {
    for (const endpoint of manifest.hooks.endpoints ?? []) {
      const path = endpointPath(manifest, endpoint);
      if (path === '/plugins' || RESERVED_PATHS.some((r) => path === r || path.startsWith(`${r}/`))) {
        throw new AtomicError('ENDPOINT_TAKEN', `${path} is reserved by the server`);
      }
      if (this.#options.servedNatively?.(path)) throw new AtomicError('ENDPOINT_TAKEN', `${path} is served by the program that runs this server`);
      for (const other of this.#active.values()) {
        if (other.subject === subject) continue;
        for (const theirs of other.manifest.hooks.endpoints ?? []) {
          if (endpointPath(other.manifest, theirs) === path) throw new AtomicError('ENDPOINT_TAKEN', `${path} is served by ${other.id}`);
        }
      }
    }
  }

  /** Where the installation's agent key is kept. */
  #agentFile(subject: string): string {
    return join(this.#options.dataDir, 'plugins', 'agents', `${createHash('sha256').update(subject).digest('hex')}.secret`);
  }

  /**
   * The installation's own agent key pair, made and kept (durably, 0600) the first time it is
   * needed. Its Agent resource is created on first load, and `full-drive-access` puts it in the
   * drive's write list.
   */
  #agentIdentity(subject: string): AgentIdentity {
    const { serverUrl } = this.#options;
    const file = this.#agentFile(subject);
    mkdirSync(join(file, '..'), { recursive: true, mode: 0o700 });
    if (existsSync(file)) return decodeSecret(readFileSync(file, 'utf8'));
    const agent = createAgentIdentity(serverUrl);
    // Flushed before the rename: an Agent resource whose secret a crash lost would orphan the plugin.
    const fd = openSync(`${file}.tmp`, 'w', 0o600);
    try {
      writeSync(fd, encodeSecret(agent));
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
    renameSync(`${file}.tmp`, file);
    return agent;
  }

  /** Creates the agent's resource if it has none, and gives it write on the drive with full-drive-access. */
  async #registerAgent(subject: string, agent: AgentIdentity, granted: readonly Permission[]): Promise<void> {
    const { serverUrl, store, commits } = this.#options;
    if (!store.get(agent.subject)) {
      const set: PropVals = {
        [props.isA]: [classes.agent],
        [props.publicKey]: agent.publicKey,
        [props.name]: `Plugin ${subject}`,
        [props.read]: [publicAgent],
        [props.write]: [agent.subject],
      };
      await commits.process(commitToPropVals(signCommit({ subject: agent.subject, set }, agent)), { asHost: true });
    }
    if (granted.some((p) => p.name === 'full-drive-access')) {
      if (!this.#driveWriters().includes(agent.subject)) {
        await commits.process(commitToPropVals(signCommit({ subject: serverUrl, push: { [props.write]: [agent.subject] } }, agent)), { asHost: true });
      }
    } else {
      await this.#revokeDriveWrite(agent.subject);
    }
  }

  #driveWriters(): string[] {
    const drive = this.#options.store.get(this.#options.serverUrl);
    return Array.isArray(drive?.[props.write]) ? (drive![props.write] as string[]) : [];
  }

  /** Takes a plugin agent off the drive's write list: its plugin was uninstalled or lost full-drive-access. */
  async #revokeDriveWrite(agent: string): Promise<void> {
    const { serverUrl, commits, hostAgent } = this.#options;
    const writers = this.#driveWriters();
    if (!writers.includes(agent)) return;
    const set = { [props.write]: writers.filter((w) => w !== agent) };
    await commits.process(commitToPropVals(signCommit({ subject: serverUrl, set }, hostAgent)), { asHost: true });
  }

  // --- Calls -----------------------------------------------------------------------------------

  #endpointFor(path: string): { installation: Installation; base: string } | undefined {
    for (const installation of this.#active.values()) {
      for (const endpoint of installation.manifest.hooks.endpoints ?? []) {
        const base = endpointPath(installation.manifest, endpoint).replace(/\/+$/, '');
        if (path === base || path.startsWith(`${base}/`)) return { installation, base };
      }
    }
    return undefined;
  }

  async #handleRequest(request: HttpRequest, { agent }: RouteContext): Promise<HttpResponse> {
    const [path = '/', search = ''] = request.url.split('?');
    const target = this.#endpointFor(path);
    if (!target) throw new AtomicError('NOT_FOUND', path);
    const { installation, base } = target;
    const endpoint = installation.manifest.hooks.endpoints?.find((e) => endpointPath(installation.manifest, e).replace(/\/+$/, '') === base);
    // HEAD is a GET whose body the server leaves out (Node's response does), as HTTP defines it.
    const method = request.method === 'HEAD' ? 'GET' : request.method;
    if (endpoint && !endpoint.methods.includes(method as (typeof endpoint.methods)[number])) {
      throw new AtomicError('METHOD_NOT_ALLOWED', `${installation.id} answers ${endpoint.methods.join(', ')} on ${base}`);
    }
    const headers = Object.fromEntries(Object.entries(request.headers).map(([k, v]) => [k, Array.isArray(v) ? v.join(', ') : (v ?? '')]));
    delete headers['x-atomic-signature'];
    let answer: unknown;
    try {
      const input = {
        method,
        path,
        query: Object.fromEntries(new URLSearchParams(search)),
        // As sent: `query` keeps one value per name, some protocols repeat names (SPARQL's default-graph-uri).
        queryString: search,
        headers,
        ...requestBody(request.body),
        agent: agent ?? null,
        revision: this.#options.store.revision,
      };
      answer = await this.#requests.during(installation.subject, agent, () => this.#call(installation, 'handle_request', input, { affinity: `endpoint ${base}`, breaker: false }));
    } catch (error) {
      installation.log('error', `handle_request failed: ${(error as Error).message}`);
      if (error instanceof PluginCallError && error.code === 'TIMEOUT') throw new AtomicError('PLUGIN_TIMEOUT', `${installation.id} did not answer in time`);
      throw new AtomicError('PLUGIN_FAILED', `${installation.id}: ${(error as Error).message}`);
    }
    // 1xx answers are interim in HTTP: the client would be left waiting for the real one.
    if (!isObject(answer) || typeof answer.status !== 'number' || !Number.isInteger(answer.status) || answer.status < 200 || answer.status > 599) {
      throw new AtomicError('PLUGIN_FAILED', `${installation.id} answered without a valid status (200-599)`);
    }
    const outHeaders: Record<string, string> = {};
    if (isObject(answer.headers)) {
      for (const [name, value] of Object.entries(answer.headers)) {
        if (typeof value !== 'string' || !HEADER_NAME.test(name) || !HEADER_VALUE.test(value)) {
          throw new AtomicError('PLUGIN_FAILED', `${installation.id} answered with an invalid header ${JSON.stringify(name).slice(0, 80)}`);
        }
        if (!CONNECTION_HEADERS.has(name.toLowerCase())) outHeaders[name.toLowerCase()] = value;
      }
    }
    outHeaders['content-type'] ??= 'text/plain; charset=utf-8';
    return { status: answer.status, headers: outHeaders, body: responseBody(installation.id, answer) };
  }

  /**
   * Calls a provided function for the plugin at `caller`. A plugin never answers its own call:
   * its sandbox is busy with the call that asks, so that would only wait for the deadline.
   */
  async #callPlugin(caller: string, spec: string, fn: string, input: unknown): Promise<unknown> {
    const at = spec.lastIndexOf('@');
    const id = at > 0 ? spec.slice(0, at) : spec;
    const range = at > 0 ? spec.slice(at + 1) : '*';
    const candidates = [...this.#active.values()].filter(
      (i) => i.subject !== caller && ((i.id === id && semver.satisfies(i.manifest.version, range)) || i.manifest.provides.some((p) => p.name === id && semver.satisfies(p.version, range))),
    );
    // The newest compatible provider answers, as npm would resolve a dependency.
    candidates.sort((a, b) => semver.rcompare(a.manifest.version, b.manifest.version));
    const callee = candidates.find((i) => i.manifest.provides.some((p) => p.functions.includes(fn)));
    if (!callee) throw new AtomicError('NOT_FOUND', `no active plugin provides ${fn} as ${spec}`);
    return this.#call(callee, fn, input);
  }
}

/**
 * A request body for the ABI: UTF-8 text as it is, anything else (an image in a multipart upload)
 * as base64 with `bodyEncoding: "base64"`, since JSON carries only text and decoding other bytes
 * as UTF-8 would lose them.
 */
function requestBody(body: Buffer | undefined): { body: string; bodyEncoding?: 'base64' } {
  if (!body || body.length === 0) return { body: '' };
  return isUtf8(body) ? { body: body.toString('utf8') } : { body: body.toString('base64'), bodyEncoding: 'base64' };
}

/** A response body from the ABI: text, or bytes given as base64 with `bodyEncoding: "base64"`. */
function responseBody(plugin: string, answer: Record<string, unknown>): string | Buffer {
  const body = typeof answer.body === 'string' ? answer.body : '';
  if (answer.bodyEncoding === undefined) return body;
  if (answer.bodyEncoding !== 'base64') throw new AtomicError('PLUGIN_FAILED', `${plugin} answered with bodyEncoding ${JSON.stringify(answer.bodyEncoding).slice(0, 40)}; only "base64" is known`);
  return Buffer.from(body, 'base64');
}
