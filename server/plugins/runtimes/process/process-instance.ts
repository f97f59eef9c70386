// One running `process` plugin and its supervision (the runtime's options: process-runtime.ts):
// its process, its call queue, deadline, restarts, heartbeat and memory watchdog.
//
// - One process per instance, one call in flight, the rest queued here (bounded), as for wasm.
// - Deadline: a timer here. On expiry the call fails with TIMEOUT and the process is killed
//   (SIGKILL to its group): a process stuck in a loop cannot be interrupted any other way.
// - A process that exits on its own fails the call in flight with CRASHED (MEMORY_LIMIT when V8
//   says it ran out of heap, or when the host's resident-memory watchdog killed it).
// - Every lost process is replaced, with exponential backoff while losses follow each other
//   without a successful call; after `maxCrashes` crashes in a row the runtime gives up and tells
//   the host (`onFailure(…, fatal)`), whose breaker switches the plugin off.
// - Heartbeat: a `ping` every `heartbeatMs`; one unanswered for `heartbeatTimeoutMs` while no
//   call runs means the process hangs: it is killed and replaced. During a call the deadline rules.
// - close(): a `shutdown` notification and stdin closed; killed after `shutdownGraceMs`.

import { mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { packageDir } from '../../../package-dir.js';
import { enqueue } from '../call-queue.js';
import type {
  CallOptions,
  HostFunction,
  InstanceStats,
  InstantiateOptions,
  PluginCallErrorCode,
  PluginIdentity,
  PluginInstance,
  PreparedCode,
  RuntimeLimits,
} from '../runtime.js';
import { PluginCallError, PluginLoadError, whenAllowed } from '../runtime.js';
import { hostFunctionPermissions } from '../../permissions.js';
import { RpcError, rpcErrorCodes, type CallFailureKind, type Json } from '../../../../sdk/node/json-rpc.js';
import { hostMethods, PROTOCOL_VERSION, type CallResult, type InitializeParams } from '../../../../sdk/node/protocol.js';
import { isNodeEntry, launchSpec, type LaunchSpec } from './launch.js';
import { describeExit, PluginProcess, type LogLevel, type ProcessExit } from './plugin-process.js';

/** The runtime options with every default filled in. */
export interface ProcessRuntimeConfig {
  readonly maxQueuedCalls: number;
  readonly startupTimeoutMs: number;
  readonly heartbeatMs: number;
  readonly heartbeatTimeoutMs: number;
  readonly shutdownGraceMs: number;
  readonly backoffBaseMs: number;
  readonly backoffMaxMs: number;
  readonly maxCrashes: number;
  readonly rssOverheadMb: number | undefined;
  readonly memorySampleMs: number;
  readonly transport: 'stdio' | 'socket';
  readonly cpuProfile: { readonly plugins: readonly string[]; readonly dir: string } | undefined;
}

const MAX_TIMEOUT_MS = 2 ** 31 - 1;
let hostVersionCache: string | undefined;

/** The host's version for the handshake: atomic-plugin's package.json (source or dist). */
function hostVersion(): string {
  if (hostVersionCache !== undefined) return hostVersionCache;
  hostVersionCache = 'unknown';
  try {
    const pkg = JSON.parse(readFileSync(join(packageDir(), 'package.json'), 'utf8')) as { version?: unknown };
    if (typeof pkg.version === 'string') hostVersionCache = pkg.version;
  } catch {
    // not in a package: the plugin is told "unknown"
  }
  return hostVersionCache;
}
const encoder = new TextEncoder();
const decoder = new TextDecoder();

/** Checks a positive number option. */
export function positive(name: string, value: number, max = MAX_TIMEOUT_MS): number {
  if (!Number.isFinite(value) || value <= 0 || value > max) throw new RangeError(`${name} must be more than 0 and at most ${max}, not ${value}`);
  return value;
}

function message(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

interface Job {
  readonly exportName: string;
  readonly input: Uint8Array;
  readonly timeoutMs: number;
  readonly urgent: boolean;
  readonly resolve: (output: Uint8Array) => void;
  readonly reject: (error: PluginCallError) => void;
  settled: boolean;
}

/** Why we killed a process, so that its exit is reported as that and not as a crash. */
type KillReason = { code: PluginCallErrorCode; detail: string } | null;

/** A process and why (if) we killed it. */
interface Slot {
  readonly process: PluginProcess;
  reason: KillReason;
}

/** How a failure reported by the SDK (`error.data.kind`) maps to a call error code. */
const failureCodes: Record<CallFailureKind, PluginCallErrorCode> = {
  throw: 'TRAP',
  hook: 'TRAP',
  'stack-overflow': 'STACK_OVERFLOW',
  memory: 'MEMORY_LIMIT',
  'no-such-export': 'NO_SUCH_EXPORT',
  'host-function': 'HOST_FUNCTION_FAILED',
};

function failureKind(data: Json | undefined): CallFailureKind | undefined {
  if (typeof data !== 'object' || data === null || Array.isArray(data)) return undefined;
  const kind = data.kind;
  return typeof kind === 'string' && kind in failureCodes ? (kind as CallFailureKind) : undefined;
}

/** The output bytes of a call answer. */
function outputBytes(result: Json): Uint8Array {
  if (typeof result !== 'object' || result === null || Array.isArray(result)) {
    throw new TypeError(`the answer to a call must be {"output"} or {"outputText"}, not ${JSON.stringify(result).slice(0, 80)}`);
  }
  const answer = result as CallResult;
  if (typeof answer.outputText === 'string') return encoder.encode(answer.outputText);
  if (answer.output === undefined || answer.output === null) return new Uint8Array(0);
  return encoder.encode(JSON.stringify(answer.output));
}

/** The ABI input bytes as a JSON value for the wire (the host always sends JSON). */
function inputJson(input: Uint8Array): Json {
  if (input.length === 0) return null;
  const text = decoder.decode(input);
  try {
    return JSON.parse(text) as Json;
  } catch {
    return text;
  }
}

/** A running process plugin: see the header comment for how it is supervised. */
export class ProcessInstance implements PluginInstance {
  readonly #config: ProcessRuntimeConfig;
  readonly #limits: RuntimeLimits;
  readonly #identity: PluginIdentity;
  readonly #launch: LaunchSpec;
  readonly #hostFunctions: Readonly<Record<string, HostFunction>>;
  readonly #log: (level: LogLevel, message: string) => void;
  readonly #onFailure: InstantiateOptions['onFailure'];
  readonly #rssLimitBytes: number;
  #exports: readonly string[] = [];
  #slot: Slot | null = null;
  /** The start under way (spawn + handshake), shared by every call that waits for it. */
  #starting: Promise<Slot> | null = null;
  #restartTimer: NodeJS.Timeout | null = null;
  #restartAt = 0;
  readonly #queue: Job[] = [];
  #inFlight: Job | null = null;
  #closed = false;
  #closing: Promise<void> | null = null;
  /** Processes lost (crashed or killed) since the last successful call. */
  #losses = 0;
  /** Of those, the ones that crashed or failed to start on their own. */
  #crashes = 0;
  /** Set when the runtime gave up after a crash loop. */
  #gaveUp: string | null = null;
  #heartbeat: NodeJS.Timeout | null = null;
  #pingOutstanding = false;
  #calls = 0;
  #failures = 0;
  #timeouts = 0;
  #restarts = 0;
  #memoryBytes = 0;
  #lastError: InstanceStats['lastError'] = null;

  private constructor(config: ProcessRuntimeConfig, options: InstantiateOptions, identity: PluginIdentity, launch: LaunchSpec) {
    this.#config = config;
    this.#limits = { ...options.limits };
    this.#identity = identity;
    this.#launch = launch;
    this.#hostFunctions = { ...options.hostFunctions };
    this.#log = options.log ?? (() => {});
    this.#onFailure = options.onFailure;
    const overheadMb = config.rssOverheadMb ?? (launch.node ? 96 : 0);
    this.#rssLimitBytes = (options.limits.memoryMb + overheadMb) * 1024 * 1024;
  }

  /** Checks the options, starts the process and waits for its handshake. */
  static async start(prepared: PreparedCode, options: InstantiateOptions, config: ProcessRuntimeConfig): Promise<ProcessInstance> {
    if (prepared.kind !== 'process') throw new TypeError(`the process runtime runs process plugins, not ${prepared.kind} code`);
    const identity = options.plugin;
    if (identity === undefined) throw new TypeError('the process runtime needs options.plugin: the run folder, entry, data folder and agent');
    positive('limits.timeoutMs', options.limits.timeoutMs);
    positive('limits.memoryMb', options.limits.memoryMb, 1 << 20);
    let launch: LaunchSpec;
    try {
      // Where Node can withhold the network (Node 25+), a plugin without `network` (and so without
      // the http_request host function) gets none of its own either.
      const network = typeof options.hostFunctions.http_request === 'function';
      const id = `${identity.namespace}/${identity.name}`;
      const cpuProfileDir = config.cpuProfile?.plugins.includes(id) ? join(config.cpuProfile.dir, `${identity.namespace}-${identity.name}`) : undefined;
      if (cpuProfileDir !== undefined) {
        mkdirSync(cpuProfileDir, { recursive: true });
        options.log?.('warn', `profiled with --cpu-prof into ${cpuProfileDir}, so it runs WITHOUT Node's permission model (development only)`);
      }
      launch = launchSpec({ runDir: identity.packageDir, dataDir: identity.dataDir, entry: identity.entry, memoryMb: options.limits.memoryMb, network, ...(cpuProfileDir === undefined ? {} : { cpuProfileDir }) });
    } catch (error) {
      throw new PluginLoadError('INSTANTIATE_FAILED', `the plugin's folders are not usable: ${message(error)}`, { cause: error });
    }
    const instance = new ProcessInstance(config, options, identity, launch);
    try {
      const slot = await instance.#start();
      instance.#exports = (await slot.process.ready).exports;
    } catch (error) {
      await instance.close();
      throw new PluginLoadError('INSTANTIATE_FAILED', `${isNodeEntry(identity.entry) ? 'node ' : ''}${identity.entry}: ${message(error)}`, { cause: error });
    }
    instance.#heartbeat = setInterval(() => instance.#beat(), config.heartbeatMs);
    instance.#heartbeat.unref();
    return instance;
  }

  exports(): readonly string[] {
    return this.#exports;
  }

  stats(): InstanceStats {
    return {
      calls: this.#calls,
      failures: this.#failures,
      timeouts: this.#timeouts,
      restarts: this.#restarts,
      reinstantiations: 0,
      lastError: this.#lastError,
      memoryBytes: this.#memoryBytes,
      queued: this.#queue.length,
    };
  }

  /** The pid of the current process, for tests and status. */
  get pid(): number | undefined {
    return this.#slot?.process.pid;
  }

  call(exportName: string, input: Uint8Array, options: CallOptions = {}): Promise<Uint8Array> {
    return whenAllowed(exportName, options, () => this.#enqueue(exportName, input, options));
  }

  #enqueue(exportName: string, input: Uint8Array, options: CallOptions): Promise<Uint8Array> {
    try {
      if (this.#closed) throw new PluginCallError('CLOSED', exportName, 'close() was called');
      if (!this.#exports.includes(exportName)) {
        throw new PluginCallError('NO_SUCH_EXPORT', exportName, `it exports ${this.#exports.map((e) => `"${e}"`).join(', ') || 'no functions'}`);
      }
      if (!(input instanceof Uint8Array)) throw new TypeError('input must be a Uint8Array');
      const timeoutMs = positive('timeoutMs', options.timeoutMs ?? this.#limits.timeoutMs);
      if (this.#queue.length >= this.#config.maxQueuedCalls) {
        throw new PluginCallError('QUEUE_FULL', exportName, `${this.#queue.length} calls are already waiting; try again later`);
      }
      return new Promise<Uint8Array>((resolve, reject) => {
        const job: Job = { exportName, input, timeoutMs, urgent: options.urgent === true, resolve, reject, settled: false };
        enqueue(this.#queue, job);
        this.#pump();
      });
    } catch (error) {
      return Promise.reject(error);
    }
  }

  close(): Promise<void> {
    this.#closing ??= (async () => {
      this.#closed = true;
      if (this.#heartbeat) clearInterval(this.#heartbeat);
      if (this.#restartTimer) clearTimeout(this.#restartTimer);
      const pending = this.#inFlight === null ? [...this.#queue] : [this.#inFlight, ...this.#queue];
      this.#queue.length = 0;
      for (const job of pending) this.#finish(job, new PluginCallError('CLOSED', job.exportName, 'close() was called'));
      const starting = this.#starting;
      if (starting) await starting.catch(() => {});
      const slot = this.#slot;
      this.#slot = null;
      if (slot) {
        slot.reason ??= { code: 'CLOSED', detail: 'close() was called' };
        await slot.process.shutdown(this.#config.shutdownGraceMs);
      }
    })();
    return this.#closing;
  }

  // --- Processes -------------------------------------------------------------------------------

  #initializeParams(): InitializeParams {
    const id = this.#identity;
    return {
      protocol: PROTOCOL_VERSION,
      host: { name: 'atomic-plugin', version: hostVersion() },
      plugin: { namespace: id.namespace, name: id.name, version: id.version },
      serverUrl: id.serverUrl,
      agent: { subject: id.agent.subject, publicKey: id.agent.publicKey, secret: id.agent.secret },
      runDir: this.#launch.env.ATOMIC_PLUGIN_RUN_DIR ?? id.packageDir,
      dataDir: this.#launch.cwd,
      hostFunctions: Object.keys(this.#hostFunctions),
      heartbeatMs: this.#config.heartbeatMs,
    };
  }

  /** Spawns a process and resolves once its handshake is done (shared by concurrent waiters). */
  #start(): Promise<Slot> {
    this.#starting ??= (async () => {
      const proc = new PluginProcess({
        launch: this.#launch,
        initialize: this.#initializeParams(),
        startupTimeoutMs: this.#config.startupTimeoutMs,
        serve: (method, params) => this.#serveHost(method, params),
        log: this.#log,
        transport: this.#config.transport,
      });
      const slot: Slot = { process: proc, reason: null };
      void proc.exited.then((exit) => this.#onExit(slot, exit));
      try {
        const hello = await proc.ready;
        if (this.#exports.length > 0 && hello.exports.join() !== this.#exports.join()) {
          this.#log('warn', `the restarted process declares other exports (${hello.exports.join(', ')}); the first ones stay in force`);
        }
      } catch (error) {
        slot.reason = { code: 'CRASHED', detail: `it did not start: ${message(error)}` };
        proc.kill();
        throw error;
      }
      if (this.#closed) {
        slot.reason = { code: 'CLOSED', detail: 'close() was called' };
        await proc.shutdown(this.#config.shutdownGraceMs);
        throw new Error('the instance was closed while its process started');
      }
      this.#slot = slot;
      // A first reading at once: the stats would say 0 bytes until the first heartbeat otherwise.
      this.#sampleMemory(slot, null);
      return slot;
    })();
    const starting = this.#starting;
    starting.then(
      () => {
        if (this.#starting === starting) this.#starting = null;
      },
      () => {
        if (this.#starting === starting) this.#starting = null;
        // The exit of a process that failed to start may have come while this start was still
        // under way, when no restart could be scheduled: schedule it now.
        this.#scheduleRestart();
      },
    );
    return starting;
  }

  /** A process is gone: count it, and schedule its replacement. */
  #onExit(slot: Slot, exit: ProcessExit): void {
    if (this.#slot === slot) this.#slot = null;
    if (this.#closed) return;
    this.#losses++;
    const killedByUs = slot.reason !== null && slot.reason.code !== 'CRASHED';
    if (!killedByUs) this.#crashes++;
    const how = slot.reason ? slot.reason.detail : `it exited (${describeExit(exit)})`;
    this.#log(killedByUs ? 'warn' : 'error', `plugin process ${slot.process.pid ?? '?'} ended: ${how}`);
    // A loss with no call in flight is nobody's failed call: report it, so the breaker sees it.
    if (this.#inFlight === null && !killedByUs) {
      this.#report(new PluginCallError(exit.outOfMemory ? 'MEMORY_LIMIT' : 'CRASHED', '(idle)', `the plugin process ${how}`), false);
    }
    if (this.#crashes >= this.#config.maxCrashes) {
      this.#gaveUp = `the plugin process crashed ${this.#crashes} times in a row (a crash loop) and is not restarted; the last: ${how}`;
      this.#log('error', this.#gaveUp);
      if (this.#restartTimer !== null) clearTimeout(this.#restartTimer);
      this.#restartTimer = null;
      this.#report(new PluginCallError('CRASHED', '(idle)', this.#gaveUp), true);
      for (const job of this.#queue.splice(0)) this.#finish(job, new PluginCallError('CRASHED', job.exportName, this.#gaveUp));
      return;
    }
    this.#scheduleRestart();
  }

  #report(error: PluginCallError, fatal: boolean): void {
    this.#failures++;
    this.#lastError = { code: error.code, message: error.message, at: Date.now() };
    try {
      this.#onFailure?.(error, fatal);
    } catch {
      // the host's bookkeeping must not break supervision
    }
  }

  /** The backoff before the next start: none after one loss, then doubling. */
  #backoffMs(): number {
    if (this.#losses <= 1) return 0;
    return Math.min(this.#config.backoffBaseMs * 2 ** (this.#losses - 2), this.#config.backoffMaxMs);
  }

  #scheduleRestart(): void {
    if (this.#closed || this.#gaveUp !== null || this.#restartTimer !== null || this.#starting !== null || this.#slot !== null) return;
    const delay = this.#backoffMs();
    this.#restartAt = Date.now() + delay;
    this.#restartTimer = setTimeout(() => {
      this.#restartTimer = null;
      if (this.#closed || this.#slot !== null) return;
      this.#restarts++;
      this.#start().then(
        () => this.#pump(),
        () => {
          // Counted by #onExit; the next start is scheduled by #start.
        },
      );
    }, delay);
    this.#restartTimer.unref();
  }

  /** Waits for a live process for `job`, or explains why there is none soon enough. */
  async #ready(job: Job): Promise<Slot> {
    if (this.#slot !== null && this.#slot.process.alive && this.#slot.reason === null) return this.#slot;
    if (this.#gaveUp !== null) throw new PluginCallError('CRASHED', job.exportName, this.#gaveUp);
    if (this.#restartTimer !== null) {
      const wait = this.#restartAt - Date.now();
      if (wait > job.timeoutMs) {
        throw new PluginCallError('CRASHED', job.exportName, `the plugin process is restarting after ${this.#losses} failures in a row; next start in ${wait} ms`);
      }
      clearTimeout(this.#restartTimer);
      this.#restartTimer = null;
      if (wait > 0) await new Promise((r) => setTimeout(r, wait));
      if (this.#closed) throw new PluginCallError('CLOSED', job.exportName, 'close() was called');
      this.#restarts++;
    } else if (this.#starting === null) {
      this.#restarts++;
    }
    try {
      return await this.#start();
    } catch (error) {
      throw new PluginCallError('CRASHED', job.exportName, `the plugin process did not start: ${message(error)}`);
    }
  }

  // --- Calls -----------------------------------------------------------------------------------

  #pump(): void {
    if (this.#inFlight !== null || this.#closed) return;
    const job = this.#queue.shift();
    if (job === undefined) return;
    this.#inFlight = job;
    void this.#run(job);
  }

  async #run(job: Job): Promise<void> {
    let slot: Slot;
    try {
      slot = await this.#ready(job);
    } catch (error) {
      this.#finish(job, error instanceof PluginCallError ? error : new PluginCallError('CRASHED', job.exportName, message(error)));
      return;
    }
    if (job.settled) return;
    this.#calls++;
    const proc = slot.process;
    const timer = setTimeout(() => {
      this.#timeouts++;
      this.#kill(slot, { code: 'TIMEOUT', detail: `killed: no answer within ${job.timeoutMs} ms` });
      this.#finish(job, new PluginCallError('TIMEOUT', job.exportName, `no answer within ${job.timeoutMs} ms; the plugin process was killed and is restarted`));
    }, job.timeoutMs);
    const sampler = setInterval(() => this.#sampleMemory(slot, job), this.#config.memorySampleMs);
    try {
      const result = await proc.request(hostMethods.call, { export: job.exportName, input: inputJson(job.input) });
      this.#losses = 0;
      this.#crashes = 0;
      this.#finish(job, null, outputBytes(result));
    } catch (error) {
      if (job.settled) return;
      this.#finish(job, await this.#callError(job, slot, error));
    } finally {
      // No sample here: reading /proc costs more than the rest of a trivial call. The heartbeat samples idle processes.
      clearTimeout(timer);
      clearInterval(sampler);
    }
  }

  /** Classifies a failed call. */
  async #callError(job: Job, slot: Slot, error: unknown): Promise<PluginCallError> {
    if (error instanceof RpcError) {
      if (error.code === rpcErrorCodes.METHOD_NOT_FOUND) return new PluginCallError('NO_SUCH_EXPORT', job.exportName, error.message);
      const kind = failureKind(error.data);
      if (error.code === rpcErrorCodes.CALL_FAILED && kind !== undefined) {
        // Callers are not the plugin's to bring down: the process keeps serving after an error it reported.
        return new PluginCallError(failureCodes[kind], job.exportName, error.message);
      }
      return new PluginCallError('TRAP', job.exportName, error.message);
    }
    if (error instanceof TypeError) return new PluginCallError('TRAP', job.exportName, error.message);
    // The connection closed: the process is gone. Its exit says why.
    const exit = await slot.process.exited;
    if (slot.reason && slot.reason.code !== 'CRASHED') return new PluginCallError(slot.reason.code, job.exportName, `${slot.reason.detail}; it is restarted`);
    if (exit.outOfMemory) return new PluginCallError('MEMORY_LIMIT', job.exportName, `the plugin process ran out of heap (limit ${this.#limits.memoryMb} MiB) and is restarted`);
    return new PluginCallError('CRASHED', job.exportName, `the plugin process exited during the call (${describeExit(exit)}); it is restarted`);
  }

  /** Reads the process's resident memory; over the cap, kills it (MEMORY_LIMIT). */
  #sampleMemory(slot: Slot, job: Job | null): void {
    const rss = slot.process.residentBytes();
    if (rss === null) return;
    this.#memoryBytes = rss;
    if (rss <= this.#rssLimitBytes) return;
    const detail = `killed: ${Math.round(rss / 1048576)} MiB resident, over its cap of ${Math.round(this.#rssLimitBytes / 1048576)} MiB`;
    this.#kill(slot, { code: 'MEMORY_LIMIT', detail });
    if (job) this.#finish(job, new PluginCallError('MEMORY_LIMIT', job.exportName, `${detail}; it is restarted`));
    else this.#report(new PluginCallError('MEMORY_LIMIT', '(idle)', detail), false);
  }

  /** Kills a process and takes it out of service at once: it may take a moment to be gone. */
  #kill(slot: Slot, reason: NonNullable<KillReason>): void {
    slot.reason ??= reason;
    if (this.#slot === slot) this.#slot = null;
    slot.process.kill();
  }

  /** Pings the idle process; no answer in time means it hangs. */
  #beat(): void {
    const slot = this.#slot;
    if (this.#closed || slot === null || !slot.process.alive || this.#pingOutstanding) return;
    this.#sampleMemory(slot, null);
    this.#pingOutstanding = true;
    let answered = false;
    const timer = setTimeout(() => {
      if (answered || this.#slot !== slot || !slot.process.alive) return;
      if (this.#inFlight !== null) return; // a busy call: its deadline decides
      const detail = `killed: no answer to a heartbeat within ${this.#config.heartbeatTimeoutMs} ms while idle (hung)`;
      this.#timeouts++;
      this.#kill(slot, { code: 'TIMEOUT', detail });
      this.#report(new PluginCallError('TIMEOUT', '(heartbeat)', detail), false);
    }, this.#config.heartbeatTimeoutMs);
    timer.unref();
    slot.process
      .request(hostMethods.ping, {})
      .catch(() => {})
      .finally(() => {
        answered = true;
        this.#pingOutstanding = false;
        clearTimeout(timer);
      });
  }

  /** Settles a job once and starts the next. */
  #finish(job: Job, error: PluginCallError | null, output?: Uint8Array): void {
    if (job.settled) return;
    job.settled = true;
    if (error === null) {
      job.resolve(output!);
    } else {
      if (error.code !== 'CLOSED') {
        this.#failures++;
        this.#lastError = { code: error.code, message: error.message, at: Date.now() };
      }
      job.reject(error);
    }
    if (this.#inFlight === job) {
      this.#inFlight = null;
      this.#pump();
    }
  }

  // --- Host functions --------------------------------------------------------------------------

  /** Answers a plugin's host function request with the ABI envelope, gated by its permissions. */
  async #serveHost(method: string, params: Json | undefined): Promise<Json> {
    if (!Object.hasOwn(hostFunctionPermissions, method)) {
      throw new RpcError(rpcErrorCodes.METHOD_NOT_FOUND, `"${method}" is not a host function of plugin ABI v1`);
    }
    const fn = this.#hostFunctions[method];
    if (fn === undefined) {
      const permission = hostFunctionPermissions[method];
      const why = permission ? `needs permission "${permission}", which was not granted` : 'is not allowed for this plugin';
      return { error: { code: 'PERMISSION_DENIED', message: `host function "${method}" ${why}` } };
    }
    const request = params === undefined ? new Uint8Array(0) : typeof params === 'string' ? encoder.encode(params) : encoder.encode(JSON.stringify(params));
    let answer: Uint8Array;
    try {
      answer = await fn(request);
    } catch (error) {
      throw new RpcError(rpcErrorCodes.INTERNAL_ERROR, `host function "${method}" failed: ${message(error)}`, { kind: 'host-function' });
    }
    return JSON.parse(decoder.decode(answer)) as Json;
  }
}

/** For tests: the pid of an instance's current process. */
export function processIdOf(instance: PluginInstance): number | undefined {
  if (!(instance instanceof ProcessInstance)) throw new TypeError('not a process plugin instance');
  return instance.pid;
}
