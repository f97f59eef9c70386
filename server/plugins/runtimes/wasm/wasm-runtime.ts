// The `wasm` runtime: runs one prepared Extism module per instance in a supervised worker thread
// (docs/design/wasm-runtime.md, "Recommended architecture").
//
// - One worker per instance, one call in flight, the rest queued here (bounded).
// - Deadline: a timer here. On expiry the call is rejected at once with TIMEOUT, the worker is
//   terminated in the background (10–30 ms) and a pre-warmed spare takes its place, because a
//   cold worker costs 75–130 ms, mostly Node's worker bootstrap. A timed-out worker is never reused.
// - A worker that exits on its own fails the call in flight with CRASHED and is replaced the same way.
// - Every other failure (trap, fuel, memory cap, stack overflow, host function) is classified by
//   the worker, which then re-instantiates the plugin in place (~1 ms) and keeps serving.
// - `resourceLimits` bounds the worker's JS heap and stack only; the plugin's linear memory is
//   bounded by the cap written into the module at prepare time (prepare.ts).

import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { MessageChannel, type ResourceLimits, Worker } from 'node:worker_threads';
import type {
  CallOptions,
  HostFunction,
  InstanceStats,
  InstantiateOptions,
  PluginCallErrorCode,
  PluginInstance,
  PreparedCode,
  PrepareOptions,
  Runtime,
  RuntimeCapabilities,
  RuntimeLimits,
} from '../runtime.js';
import { PluginCallError, PluginLoadError } from '../runtime.js';
import {
  Channel,
  DEFAULT_CHANNEL_BYTES,
  failureCodes,
  State,
  STATUS_HOST_FAILED,
  STATUS_OK,
  type WorkerInit,
  type WorkerMessage,
} from './channel.js';
import { WebAssembly, type WasmModule } from './webassembly.js';
import { DEFAULT_INLINE_FUEL, InlineLane } from './inline-lane.js';
import { loadPreparedModule, prepareModule, WASM_PAGE_BYTES, type WasmPreparedCode, withMemoryCap } from './prepare.js';

/** What the `wasm` runtime enforces. Fuel needs code prepared with fuel (the default). */
export const wasmCapabilities = {
  kind: 'wasm',
  deadline: true,
  fuel: true,
  memoryCap: true,
  syncHostFunctions: true,
} as const satisfies RuntimeCapabilities;

/** Options of {@link createWasmRuntime}; every one has a default. */
export interface WasmRuntimeOptions {
  /**
   * Keep a started spare worker per instance, so that replacing a timed-out or crashed worker
   * costs nothing instead of ~80 ms. Costs one idle thread per instance. Default true.
   */
  readonly spareWorker?: boolean;
  /** Calls that may wait behind the one in flight before new ones fail with QUEUE_FULL. Default 1024. */
  readonly maxQueuedCalls?: number;
  /** Inline payload bytes per worker channel; bigger payloads go through a MessagePort. Default 1 MiB. */
  readonly channelBytes?: number;
  /** How long a new worker may take to load the plugin. Default 10 s. */
  readonly startupTimeoutMs?: number;
  /** Limits of the worker's JS side. Default old 64 MB, young 16 MB, stack 4 MB. Does not bound wasm memory. */
  readonly resourceLimits?: ResourceLimits;
  /**
   * Run calls on the host's thread while they stay within `inlineFuel`, for plugins that can
   * (inline-lane.ts). Default true.
   */
  readonly inline?: boolean;
  /** The most fuel one inline call may spend before it moves to the worker. Default 500,000. */
  readonly inlineFuel?: number;
}

interface RuntimeConfig {
  readonly inline: boolean;
  readonly inlineFuel: number;
  readonly spareWorker: boolean;
  readonly maxQueuedCalls: number;
  readonly channelBytes: number;
  readonly startupTimeoutMs: number;
  readonly resourceLimits: ResourceLimits;
  readonly workerUrl: URL;
}

/** Node's setTimeout limit. */
const MAX_TIMEOUT_MS = 2 ** 31 - 1;
const MAX_FUEL = 2n ** 63n - 1n;
const encoder = new TextEncoder();
const decoder = new TextDecoder();
const noop = (): void => {};

// `Atomics.waitAsync` is in Node 20 but not in TypeScript's es2023 lib.
type WaitAsync = (array: Int32Array, index: number, value: number) => { async: boolean; value: Promise<string> | string };
const waitAsync = (Atomics as unknown as { waitAsync: WaitAsync }).waitAsync;

/**
 * The compiled worker entry. Node starts workers from JavaScript only. Compiled, this module is
 * `dist/server/plugins/runtimes/wasm/wasm-runtime.js` and the worker sits next to it. Run from
 * TypeScript source (vitest imports `server/…` directly), it takes the worker from tsc's output
 * instead: outDir `dist` mirrors rootDir `.`, so `server/x.ts` compiles to `dist/server/x.js`.
 * `npm test` builds first; after editing the worker, build again.
 */
export function resolveWorkerUrl(moduleUrl: string = import.meta.url): URL {
  return moduleUrl.endsWith('.ts')
    ? new URL('../../../../dist/server/plugins/runtimes/wasm/wasm-worker.js', moduleUrl)
    : new URL('./wasm-worker.js', moduleUrl);
}

function positiveInteger(name: string, value: number): number {
  if (!Number.isSafeInteger(value) || value < 1) throw new RangeError(`${name} must be a positive integer, not ${value}`);
  return value;
}

function checkTimeout(name: string, value: number): number {
  if (!Number.isFinite(value) || value <= 0 || value > MAX_TIMEOUT_MS) {
    throw new RangeError(`${name} must be more than 0 and at most ${MAX_TIMEOUT_MS} ms, not ${value}`);
  }
  return value;
}

/** A fuel budget as the worker wants it: -1 for none. */
function checkFuel(name: string, value: number | null, instrumented: boolean): bigint {
  if (value === null) return -1n;
  if (!Number.isSafeInteger(value) || value < 1) throw new RangeError(`${name} must be a positive integer or null, not ${value}`);
  if (!instrumented) throw new TypeError(`${name} needs code prepared with fuel (prepareModule with fuel: true)`);
  return BigInt(value) > MAX_FUEL ? MAX_FUEL : BigInt(value);
}

function message(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/**
 * Creates the `wasm` runtime.
 *
 * @example
 * const runtime = createWasmRuntime();
 * const prepared = await runtime.prepare!(bytes, { memoryMb: 32, allowedHostFunctions: allowedHostFunctionsFor(['read']) });
 * const plugin = await runtime.instantiate(prepared, { hostFunctions: { get_resource }, limits: { timeoutMs: 1000, fuel: 1e8, memoryMb: 32 } });
 * const out = await plugin.call('handle_request', input);
 */
export function createWasmRuntime(options: WasmRuntimeOptions = {}): Runtime {
  const workerUrl = resolveWorkerUrl();
  if (!existsSync(fileURLToPath(workerUrl))) {
    throw new Error(`The wasm sandbox worker is missing: ${fileURLToPath(workerUrl)} does not exist; run \`npm run build\``);
  }
  const config: RuntimeConfig = {
    inline: options.inline ?? true,
    inlineFuel: positiveInteger('inlineFuel', options.inlineFuel ?? DEFAULT_INLINE_FUEL),
    spareWorker: options.spareWorker ?? true,
    maxQueuedCalls: positiveInteger('maxQueuedCalls', options.maxQueuedCalls ?? 1024),
    channelBytes: positiveInteger('channelBytes', options.channelBytes ?? DEFAULT_CHANNEL_BYTES),
    startupTimeoutMs: checkTimeout('startupTimeoutMs', options.startupTimeoutMs ?? 10_000),
    resourceLimits: options.resourceLimits ?? { maxOldGenerationSizeMb: 64, maxYoungGenerationSizeMb: 16, stackSizeMb: 4 },
    workerUrl,
  };
  return {
    capabilities: wasmCapabilities,
    prepare: (code: Uint8Array, prepareOptions: PrepareOptions) => prepareModule(code, prepareOptions),
    restore: (bytes: Uint8Array, restoreOptions: Pick<PrepareOptions, 'allowedHostFunctions'>) => loadPreparedModule(bytes, restoreOptions),
    instantiate: (prepared: PreparedCode, instantiateOptions: InstantiateOptions) => instantiate(prepared, instantiateOptions, config),
  };
}

/** Whether every call of this plugin can start inline: see inline-lane.ts for why these conditions. */
function runsInline(prepared: PreparedCode, options: InstantiateOptions, config: RuntimeConfig): prepared is WasmPreparedCode {
  return (
    config.inline &&
    isWasmPrepared(prepared) &&
    prepared.fuelBoundsTime &&
    options.limits.fuel !== null &&
    options.inlineHostFunctions !== undefined
  );
}

async function instantiate(prepared: PreparedCode, options: InstantiateOptions, config: RuntimeConfig): Promise<PluginInstance> {
  if (!runsInline(prepared, options, config)) return WasmInstance.start(prepared, options, config);
  // The worker starts only if a call falls back to it.
  const worker = await WasmInstance.start(prepared, options, config, false);
  try {
    const { module, memoryPages } = await withMemoryCap(prepared, options.limits.memoryMb);
    return await InlineLane.start({
      module,
      memoryPages,
      config: { ...options.config },
      hostFunctions: { ...options.inlineHostFunctions },
      imports: prepared.hostFunctions,
      fuel: options.limits.fuel ?? Number.MAX_SAFE_INTEGER,
      inlineFuel: config.inlineFuel,
      worker,
    });
  } catch (error) {
    await worker.close();
    throw new PluginLoadError('INSTANTIATE_FAILED', message(error), { cause: error });
  }
}

/** Everything a worker needs, fixed for the life of an instance. */
interface SandboxSpec {
  readonly module: WasmModule;
  readonly exports: readonly string[];
  readonly hostFunctionNames: readonly string[];
  readonly hostFunctions: Readonly<Record<string, HostFunction>>;
  readonly config: Readonly<Record<string, string>>;
  readonly memoryPages: number | null;
}

/** One worker and its channel. Once dead (exited or killed) it is never used again. */
class WorkerSlot {
  readonly #channel: Channel;
  readonly #worker: Worker;
  readonly #spec: SandboxSpec;
  readonly ready: Promise<void>;
  #dead = false;
  #killed = false;
  #termination: Promise<void> | null = null;
  #exitCode: number | null = null;
  #workerError: Error | null = null;
  #startupFailure: string | null = null;
  #rejectReady: ((error: Error) => void) | null = null;
  #startupTimer: NodeJS.Timeout | null = null;
  /** Rejects the host function call being awaited, so that a kill never leaves it hanging. */
  #abortHost: ((error: Error) => void) | null = null;
  #lastHostError: unknown = null;

  constructor(spec: SandboxSpec, config: RuntimeConfig, onUnexpectedExit: (slot: WorkerSlot) => void) {
    this.#spec = spec;
    const buffer = Channel.allocate(config.channelBytes);
    const { port1, port2 } = new MessageChannel();
    this.#channel = new Channel(buffer, port1);
    const init: WorkerInit = {
      module: spec.module,
      buffer,
      port: port2,
      exports: spec.exports,
      hostFunctions: spec.hostFunctionNames,
      config: { ...spec.config },
      memoryPages: spec.memoryPages,
    };
    this.#worker = new Worker(config.workerUrl, {
      workerData: init,
      transferList: [port2],
      resourceLimits: config.resourceLimits,
      // Not the parent's flags; Extism loads node:wasi, whose ExperimentalWarning would print per worker.
      execArgv: ['--disable-warning=ExperimentalWarning'],
      env: {},
      name: 'wasm-plugin',
    });
    this.ready = new Promise<void>((resolve, reject) => {
      this.#rejectReady = reject;
      this.#startupTimer = setTimeout(() => {
        reject(new Error(`it did not start within ${config.startupTimeoutMs} ms`));
        void this.kill();
      }, config.startupTimeoutMs);
      this.#startupTimer.unref();
      this.#worker.once('message', (msg: WorkerMessage) => {
        this.#endStartup();
        if (msg.type === 'ready') {
          // Idle workers must not keep the process alive; `call` refs the worker while it runs.
          this.#worker.unref();
          resolve();
        } else {
          this.#startupFailure = msg.message;
          reject(new Error(msg.message));
        }
      });
    });
    this.ready.catch(noop); // a spare's failed start is handled when (if ever) it is used
    this.#worker.on('error', (error) => {
      this.#workerError = error;
    });
    this.#worker.on('exit', (code) => {
      this.#exitCode = code;
      this.#markDead();
      this.#channel.close();
      this.#rejectReady?.(new Error(this.#startupFailure ?? this.#exitReason()));
      this.#endStartup();
      if (!this.#killed) onUnexpectedExit(this);
    });
  }

  #endStartup(): void {
    if (this.#startupTimer !== null) clearTimeout(this.#startupTimer);
    this.#startupTimer = null;
    this.#rejectReady = null;
  }

  get dead(): boolean {
    return this.#dead;
  }

  /** The plugin's linear memory after the last call, in bytes. */
  get memoryBytes(): number {
    return this.#channel.memoryPages * WASM_PAGE_BYTES;
  }

  #exitReason(): string {
    const detail = this.#workerError ? `: ${this.#workerError.message}` : '';
    return `the sandbox worker exited (code ${this.#exitCode ?? 'unknown'})${detail}`;
  }

  /** Wakes every waiter with DEAD and aborts the host call in progress, if any. */
  #markDead(): void {
    if (this.#dead) return;
    this.#dead = true;
    this.#channel.setState(State.DEAD);
    this.#abortHost?.(new Error('the sandbox worker is gone'));
  }

  /** Terminates the worker (in the background: resolves when it is gone, never rejects). */
  kill(): Promise<void> {
    if (this.#termination === null) {
      this.#killed = true;
      this.#markDead();
      this.#termination = this.#worker.terminate().then(noop, noop);
    }
    return this.#termination;
  }

  /** For tests: ends the worker as a crash would, without marking it as killed. */
  crash(): Promise<void> {
    return this.#worker.terminate().then(noop, noop);
  }

  #deathError(exportName: string): PluginCallError {
    const code = (this.#workerError as { code?: string } | null)?.code;
    if (code === 'ERR_WORKER_OUT_OF_MEMORY') {
      return new PluginCallError('MEMORY_LIMIT', exportName, `the sandbox worker ran out of JS heap (${message(this.#workerError)}); it was replaced`);
    }
    return new PluginCallError('CRASHED', exportName, `${this.#exitReason()}; it was replaced`);
  }

  /** Runs one call through the channel. Rejects with a PluginCallError. */
  async call(exportIndex: number, exportName: string, input: Uint8Array, fuel: bigint): Promise<Uint8Array> {
    if (this.#dead) throw this.#deathError(exportName);
    const channel = this.#channel;
    channel.writePayload(input);
    channel.arg = exportIndex;
    channel.fuel = fuel;
    this.#worker.ref();
    channel.setState(State.CALL_REQ);
    try {
      for (;;) {
        if (this.#dead) throw this.#deathError(exportName);
        const state = channel.state;
        if (state === State.CALL_REQ || state === State.HOST_RES) {
          const wait = waitAsync(channel.ctrl, 0, state);
          if (wait.async) await wait.value;
        } else if (state === State.HOST_REQ) {
          await this.#serveHost();
        } else if (state === State.CALL_RES) {
          const status = channel.arg;
          const payload = channel.readPayload();
          // No notify: the worker wakes for the next CALL_REQ, or after its idle timeout.
          Atomics.store(channel.ctrl, 0, State.IDLE);
          if (status === STATUS_OK) return payload;
          const code: PluginCallErrorCode = failureCodes[status - 1] ?? 'CRASHED';
          const cause = code === 'HOST_FUNCTION_FAILED' ? this.#lastHostError : undefined;
          this.#lastHostError = null;
          throw new PluginCallError(code, exportName, decoder.decode(payload), cause === undefined ? undefined : { cause });
        } else {
          throw new PluginCallError('CRASHED', exportName, `the sandbox channel is in an unexpected state (${state})`);
        }
      }
    } finally {
      if (!this.#dead) this.#worker.unref();
    }
  }

  /** Runs the host function the worker asked for and hands it the answer (or the failure). */
  async #serveHost(): Promise<void> {
    const channel = this.#channel;
    const name = this.#spec.hostFunctionNames[channel.arg] ?? '';
    const request = channel.readPayload();
    let status = STATUS_OK;
    let answer: Uint8Array;
    try {
      answer = await new Promise<Uint8Array>((resolve, reject) => {
        this.#abortHost = reject;
        const fn = this.#spec.hostFunctions[name];
        if (fn === undefined) throw new Error(`no implementation of host function "${name}"`);
        Promise.resolve(fn(request)).then((value) => {
          if (value instanceof Uint8Array) resolve(value);
          else reject(new TypeError(`host function "${name}" resolved to ${typeof value}, not a Uint8Array`));
        }, reject);
      });
    } catch (error) {
      this.#lastHostError = error;
      status = STATUS_HOST_FAILED;
      answer = encoder.encode(message(error));
    } finally {
      this.#abortHost = null;
    }
    if (this.#dead) return;
    channel.writePayload(answer);
    channel.arg = status;
    channel.setState(State.HOST_RES);
  }
}

interface Job {
  readonly exportName: string;
  readonly exportIndex: number;
  readonly input: Uint8Array;
  readonly timeoutMs: number;
  readonly fuel: bigint;
  readonly urgent: boolean;
  readonly resolve: (output: Uint8Array) => void;
  readonly reject: (error: PluginCallError) => void;
  settled: boolean;
}

function isWasmPrepared(prepared: PreparedCode): prepared is WasmPreparedCode {
  return prepared.kind === 'wasm' && (prepared as Partial<WasmPreparedCode>).module instanceof WebAssembly.Module;
}

/** A running wasm plugin: see the header comment for how it is supervised. */
class WasmInstance implements PluginInstance {
  readonly #spec: SandboxSpec;
  readonly #config: RuntimeConfig;
  readonly #limits: RuntimeLimits;
  readonly #fuelInstrumented: boolean;
  readonly #exportIndex: Map<string, number>;
  #current: WorkerSlot | null = null;
  #spare: WorkerSlot | null = null;
  readonly #queue: Job[] = [];
  #inFlight: Job | null = null;
  #closed = false;
  readonly #terminations = new Set<Promise<void>>();
  #calls = 0;
  #failures = 0;
  #timeouts = 0;
  #restarts = 0;
  #reinstantiations = 0;
  #lastError: InstanceStats['lastError'] = null;

  private constructor(spec: SandboxSpec, config: RuntimeConfig, limits: RuntimeLimits, fuelInstrumented: boolean) {
    this.#spec = spec;
    this.#config = config;
    this.#limits = limits;
    this.#fuelInstrumented = fuelInstrumented;
    this.#exportIndex = new Map(spec.exports.map((name, index) => [name, index]));
  }

  /**
   * Checks the options, starts the first worker and waits until the plugin is loaded in it; or,
   * with `startWorker` false, leaves that to the first call.
   */
  static async start(prepared: PreparedCode, options: InstantiateOptions, config: RuntimeConfig, startWorker = true): Promise<WasmInstance> {
    if (!isWasmPrepared(prepared)) {
      throw new TypeError(`the wasm runtime needs code from its own prepare(), not ${prepared.kind} code`);
    }
    const { limits } = options;
    checkTimeout('limits.timeoutMs', limits.timeoutMs);
    checkFuel('limits.fuel', limits.fuel, prepared.fuel);
    const missing = prepared.hostFunctions.filter((name) => typeof options.hostFunctions[name] !== 'function');
    if (missing.length > 0) {
      throw new TypeError(`the module imports host functions with no implementation given: ${missing.join(', ')}`);
    }
    const { module, memoryPages } = await withMemoryCap(prepared, limits.memoryMb);
    const spec: SandboxSpec = {
      module,
      exports: prepared.exports,
      hostFunctionNames: prepared.hostFunctions,
      hostFunctions: { ...options.hostFunctions },
      config: { ...options.config },
      memoryPages,
    };
    const instance = new WasmInstance(spec, config, { ...limits }, prepared.fuel);
    if (!startWorker) return instance;
    const first = instance.#spawnCurrent();
    try {
      await first.ready;
    } catch (error) {
      await instance.close();
      throw new PluginLoadError('INSTANTIATE_FAILED', message(error), { cause: error });
    }
    return instance;
  }

  exports(): readonly string[] {
    return this.#spec.exports;
  }

  stats(): InstanceStats {
    return {
      calls: this.#calls,
      failures: this.#failures,
      timeouts: this.#timeouts,
      restarts: this.#restarts,
      reinstantiations: this.#reinstantiations,
      lastError: this.#lastError,
      memoryBytes: this.#current?.memoryBytes ?? 0,
      queued: this.#queue.length,
    };
  }

  call(exportName: string, input: Uint8Array, options: CallOptions = {}): Promise<Uint8Array> {
    try {
      if (this.#closed) throw new PluginCallError('CLOSED', exportName, 'close() was called');
      const exportIndex = this.#exportIndex.get(exportName);
      if (exportIndex === undefined) {
        throw new PluginCallError('NO_SUCH_EXPORT', exportName, `it exports ${this.#spec.exports.map((e) => `"${e}"`).join(', ') || 'no functions'}`);
      }
      if (!(input instanceof Uint8Array)) throw new TypeError('input must be a Uint8Array');
      const timeoutMs = checkTimeout('timeoutMs', options.timeoutMs ?? this.#limits.timeoutMs);
      const fuel = checkFuel('fuel', options.fuel ?? this.#limits.fuel, this.#fuelInstrumented);
      if (this.#queue.length >= this.#config.maxQueuedCalls) {
        throw new PluginCallError('QUEUE_FULL', exportName, `${this.#queue.length} calls are already waiting; try again later`);
      }
      return new Promise<Uint8Array>((resolve, reject) => {
        const job: Job = { exportName, exportIndex, input, timeoutMs, fuel, urgent: options.urgent === true, resolve, reject, settled: false };
        // Urgent calls go behind the urgent calls already waiting, ahead of the rest.
        const at = job.urgent ? this.#queue.findIndex((queued) => !queued.urgent) : -1;
        if (at === -1) this.#queue.push(job);
        else this.#queue.splice(at, 0, job);
        this.#pump();
      });
    } catch (error) {
      return Promise.reject(error);
    }
  }

  async close(): Promise<void> {
    if (!this.#closed) {
      this.#closed = true;
      const pending = this.#inFlight === null ? [...this.#queue] : [this.#inFlight, ...this.#queue];
      this.#queue.length = 0;
      for (const job of pending) this.#finish(job, new PluginCallError('CLOSED', job.exportName, 'close() was called'));
      for (const slot of [this.#current, this.#spare]) if (slot !== null) this.#kill(slot);
      this.#current = null;
      this.#spare = null;
    }
    await Promise.all(this.#terminations);
  }

  /** For tests: makes the current worker exit as if it had crashed. */
  async crashWorkerForTests(): Promise<void> {
    await this.#current?.crash();
  }

  #spawn(): WorkerSlot {
    return new WorkerSlot(this.#spec, this.#config, (slot) => this.#onUnexpectedExit(slot));
  }

  #spawnCurrent(): WorkerSlot {
    const slot = this.#spawn();
    this.#current = slot;
    this.#refillSpareWhenReady(slot);
    return slot;
  }

  /**
   * Starts a spare once `slot` is the current worker and ready. Tying refills to a worker that
   * did start means a plugin whose workers keep failing to start cannot spawn workers in a loop.
   */
  #refillSpareWhenReady(slot: WorkerSlot): void {
    if (!this.#config.spareWorker) return;
    slot.ready.then(() => {
      // A macrotask later: `new Worker` blocks this thread for ~1 ms, which should not
      // delay the caller that is just being told about the timeout or crash that led here.
      setImmediate(() => {
        if (this.#closed || slot !== this.#current || slot.dead || this.#spare !== null) return;
        try {
          this.#spare = this.#spawn();
        } catch {
          // No spare, then: a replacement will start a worker when it is needed.
        }
      });
    }, noop);
  }

  /** Swaps in the spare (or nothing: the next call starts a worker) for a current worker that is gone. */
  #replaceCurrent(): void {
    this.#restarts++;
    this.#current = this.#spare;
    this.#spare = null;
    if (this.#current !== null) this.#refillSpareWhenReady(this.#current);
  }

  #onUnexpectedExit(slot: WorkerSlot): void {
    if (slot === this.#current) this.#replaceCurrent();
    else if (slot === this.#spare) this.#spare = null; // refilled at the next replacement
  }

  /** Takes a worker out of service and terminates it in the background. */
  #retire(slot: WorkerSlot): void {
    if (slot === this.#current) this.#replaceCurrent();
    else if (slot === this.#spare) this.#spare = null;
    this.#kill(slot);
  }

  #kill(slot: WorkerSlot): void {
    const termination = slot.kill();
    this.#terminations.add(termination);
    void termination.then(() => this.#terminations.delete(termination));
  }

  #pump(): void {
    if (this.#inFlight !== null || this.#closed) return;
    const job = this.#queue.shift();
    if (job === undefined) return;
    this.#inFlight = job;
    this.#run(job).catch((error: unknown) => {
      // Only if starting a worker threw (`new Worker` itself); everything else is handled in #run.
      this.#finish(job, new PluginCallError('CRASHED', job.exportName, `the sandbox worker could not be started: ${message(error)}`, { cause: error }));
    });
  }

  async #run(job: Job): Promise<void> {
    let slot = this.#current ?? this.#spawnCurrent();
    // A worker can die while the call waits for it to start, or while idle just before: then
    // the call goes to its replacement. Three tries, so that a crash loop cannot keep a call forever.
    for (let attempt = 1; ; attempt++) {
      try {
        // Not under the call's deadline: a deadline shorter than a worker's start would otherwise
        // kill every replacement. The start has its own timeout.
        await slot.ready;
      } catch (error) {
        if (!slot.dead) this.#retire(slot);
        this.#finish(job, new PluginCallError('CRASHED', job.exportName, `the sandbox worker did not start: ${message(error)}`));
        return;
      }
      if (job.settled) return;
      if (!slot.dead || attempt === 3) break;
      slot = this.#current ?? this.#spawnCurrent();
    }
    this.#calls++;
    const timer = setTimeout(() => this.#timeout(job, slot), job.timeoutMs);
    timer.unref(); // the worker is ref'd while the call runs
    try {
      this.#finish(job, null, await slot.call(job.exportIndex, job.exportName, job.input, job.fuel));
    } catch (error) {
      const failure = error instanceof PluginCallError ? error : new PluginCallError('CRASHED', job.exportName, message(error), { cause: error });
      if (slot.dead) {
        // It exited (already replaced by the exit handler) or was killed (timeout, close).
      } else if (failure.code === 'CRASHED') {
        this.#retire(slot); // a broken channel: the worker cannot be trusted
      } else {
        this.#reinstantiations++; // the worker re-instantiates after every failure it reports
      }
      this.#finish(job, failure);
    } finally {
      clearTimeout(timer);
    }
  }

  #timeout(job: Job, slot: WorkerSlot): void {
    if (job.settled) return;
    this.#timeouts++;
    this.#retire(slot);
    this.#finish(job, new PluginCallError('TIMEOUT', job.exportName, `no answer within ${job.timeoutMs} ms; the sandbox worker was replaced`));
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
}

/** For tests: makes the instance's current worker exit as if it had crashed. */
export function simulateWorkerCrash(instance: PluginInstance): Promise<void> {
  if (!(instance instanceof WasmInstance)) throw new TypeError('not a wasm plugin instance');
  return instance.crashWorkerForTests();
}
