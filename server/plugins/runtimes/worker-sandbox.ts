// The supervisor shared by the worker-based runtimes (wasm, js): one worker thread per plugin
// instance, one call in flight, the rest queued here (bounded), every call through the
// SharedArrayBuffer channel (worker-channel.ts). What a runtime brings is its worker entry, the
// runtime-specific part of the worker's init payload, and how a call's budget is computed.
//
// - Deadline: a timer here. On expiry the call is rejected at once with TIMEOUT, the worker is
//   terminated in the background (10–30 ms) and a pre-warmed spare takes its place, because a
//   cold worker costs 75–130 ms, mostly Node's worker bootstrap. A timed-out worker is never reused.
//   A runtime that interrupts a late call itself (js) gets `deadlineGraceMs` more before this
//   backstop fires, and reports TIMEOUT through the channel, keeping its worker.
// - A worker that exits on its own fails the call in flight with CRASHED and is replaced the same way.
// - Every other failure is classified by the worker, which then starts the plugin afresh in place
//   (~1 ms) and keeps serving.
// - `resourceLimits` bounds the worker's JS heap and stack only; each runtime caps the plugin's
//   own memory itself.

import { MessageChannel, type ResourceLimits, Worker } from 'node:worker_threads';
import { enqueue } from './call-queue.js';
import type {
  CallOptions,
  HostFunction,
  InstanceStats,
  PluginCallErrorCode,
  PluginInstance,
  RuntimeLimits,
} from './runtime.js';
import { PluginCallError, PluginLoadError, whenAllowed } from './runtime.js';
import {
  Channel,
  type ChannelInit,
  DEFAULT_CHANNEL_BYTES,
  failureCodes,
  Phase,
  State,
  STATUS_HOST_FAILED,
  STATUS_OK,
  type WorkerMessage,
} from './worker-channel.js';

/** Supervision options a worker-based runtime offers its users; every one has a default. */
export interface SupervisorOptions {
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
  /** Limits of the worker's JS side. Default old 64 MB, young 16 MB, stack 4 MB. */
  readonly resourceLimits?: ResourceLimits;
}

/** The complete supervision config of one runtime, normalized once by {@link supervisorConfig}. */
export interface SupervisorConfig {
  readonly spareWorker: boolean;
  readonly maxQueuedCalls: number;
  readonly channelBytes: number;
  readonly startupTimeoutMs: number;
  readonly resourceLimits: ResourceLimits;
  /** The compiled worker entry. */
  readonly workerUrl: URL;
  /** The worker's thread name (shown in diagnostics). */
  readonly workerName: string;
  /** Node flags of the worker (not the parent's). */
  readonly execArgv: readonly string[];
  /** How long after a call's deadline the worker is terminated, for runtimes that interrupt calls themselves. */
  readonly deadlineGraceMs: number;
}

/** How long close() waits for a terminated worker to be gone. */
const TERMINATE_WAIT_MS = 5_000;
/** Node's setTimeout limit. */
export const MAX_TIMEOUT_MS = 2 ** 31 - 1;
const encoder = new TextEncoder();
const decoder = new TextDecoder();
const noop = (): void => {};

// `Atomics.waitAsync` is in Node 20 but not in TypeScript's es2023 lib.
type WaitAsync = (array: Int32Array, index: number, value: number) => { async: boolean; value: Promise<string> | string };
const waitAsync = (Atomics as unknown as { waitAsync: WaitAsync }).waitAsync;

/** Checks a count option: a positive safe integer, or a RangeError naming it. */
export function positiveInteger(name: string, value: number): number {
  if (!Number.isSafeInteger(value) || value < 1) throw new RangeError(`${name} must be a positive integer, not ${value}`);
  return value;
}

/** Checks a duration in ms: more than 0 and within Node's setTimeout limit, or a RangeError naming it. */
export function checkTimeout(name: string, value: number): number {
  if (!Number.isFinite(value) || value <= 0 || value > MAX_TIMEOUT_MS) {
    throw new RangeError(`${name} must be more than 0 and at most ${MAX_TIMEOUT_MS} ms, not ${value}`);
  }
  return value;
}

/** The message of whatever was thrown. */
export function message(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/** Fills in the defaults of the user's options and checks them. */
export function supervisorConfig(
  options: SupervisorOptions,
  fixed: Pick<SupervisorConfig, 'workerUrl' | 'workerName' | 'execArgv' | 'deadlineGraceMs'>,
): SupervisorConfig {
  return {
    spareWorker: options.spareWorker ?? true,
    maxQueuedCalls: positiveInteger('maxQueuedCalls', options.maxQueuedCalls ?? 1024),
    channelBytes: positiveInteger('channelBytes', options.channelBytes ?? DEFAULT_CHANNEL_BYTES),
    startupTimeoutMs: checkTimeout('startupTimeoutMs', options.startupTimeoutMs ?? 10_000),
    resourceLimits: options.resourceLimits ?? { maxOldGenerationSizeMb: 64, maxYoungGenerationSizeMb: 16, stackSizeMb: 4 },
    ...fixed,
  };
}

/** Everything a worker needs, fixed for the life of an instance. */
export interface SandboxSpec {
  /** The plugin's exports, indexed by CALL_REQ's argument. */
  readonly exports: readonly string[];
  /** The host functions the worker may ask for, indexed by HOST_REQ's argument. */
  readonly hostFunctionNames: readonly string[];
  readonly hostFunctions: Readonly<Record<string, HostFunction>>;
  /** The runtime's own part of the worker's `workerData` (structured-cloned into each worker). */
  readonly init: Readonly<Record<string, unknown>>;
  /**
   * The budget written to the channel for one call (wasm: fuel, -1 for none), from the call's
   * options and the instance's limits. Throws a RangeError or TypeError for options it refuses.
   */
  readonly budget: (options: CallOptions) => bigint;
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

  constructor(spec: SandboxSpec, config: SupervisorConfig, onUnexpectedExit: (slot: WorkerSlot) => void) {
    this.#spec = spec;
    const buffer = Channel.allocate(config.channelBytes);
    const { port1, port2 } = new MessageChannel();
    this.#channel = new Channel(buffer, port1);
    const init: ChannelInit = { ...spec.init, buffer, port: port2, exports: spec.exports, hostFunctions: spec.hostFunctionNames };
    this.#worker = new Worker(config.workerUrl, {
      workerData: init,
      transferList: [port2],
      resourceLimits: config.resourceLimits,
      execArgv: [...config.execArgv],
      env: {},
      name: config.workerName,
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

  /** The plugin's own memory after the last call, in bytes. */
  get memoryBytes(): number {
    return this.#channel.memoryKib * 1024;
  }

  /** Where a call that got no answer stood, in words, for the TIMEOUT message. */
  get waitingOn(): string {
    const state = this.#channel.state;
    if (state === State.HOST_REQ) return `the host function "${this.#spec.hostFunctionNames[this.#channel.arg] ?? '?'}" had not answered`;
    if (state !== State.CALL_REQ && state !== State.HOST_RES) return 'the call had ended';
    switch (this.#channel.phase) {
      case Phase.RUNNING:
        return 'the plugin was still running';
      case Phase.RESTARTING:
        return 'the worker had not picked up the call: it was still starting the plugin afresh after a failed call';
      default:
        return 'the worker had not picked up the call';
    }
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
      // Bounded: a worker terminated in the middle of starting a module has been seen to never
      // report its exit; the thread is then abandoned rather than holding up close() forever.
      const gone = this.#worker.terminate().then(noop, noop);
      this.#termination = Promise.race([gone, new Promise<void>((resolve) => setTimeout(resolve, TERMINATE_WAIT_MS).unref())]);
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
  async call(exportIndex: number, exportName: string, input: Uint8Array, budget: bigint, timeoutMs: number): Promise<Uint8Array> {
    if (this.#dead) throw this.#deathError(exportName);
    const channel = this.#channel;
    channel.writePayload(input);
    channel.arg = exportIndex;
    channel.fuel = budget;
    channel.timeoutMs = timeoutMs;
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
  readonly budget: bigint;
  readonly urgent: boolean;
  readonly resolve: (output: Uint8Array) => void;
  readonly reject: (error: PluginCallError) => void;
  settled: boolean;
}

/** A running plugin in supervised worker threads: see the header comment. */
export class WorkerSandbox implements PluginInstance {
  readonly #spec: SandboxSpec;
  readonly #config: SupervisorConfig;
  readonly #limits: RuntimeLimits;
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

  private constructor(spec: SandboxSpec, config: SupervisorConfig, limits: RuntimeLimits) {
    this.#spec = spec;
    this.#config = config;
    this.#limits = limits;
    this.#exportIndex = new Map(spec.exports.map((name, index) => [name, index]));
  }

  /**
   * Starts the first worker and waits until the plugin is loaded in it; refuses with PluginLoadError.
   * With `startWorker` false the first call starts it instead (a plugin that may never need one).
   */
  static async start(spec: SandboxSpec, config: SupervisorConfig, limits: RuntimeLimits, startWorker = true): Promise<WorkerSandbox> {
    checkTimeout('limits.timeoutMs', limits.timeoutMs);
    const missing = spec.hostFunctionNames.filter((name) => typeof spec.hostFunctions[name] !== 'function');
    if (missing.length > 0) {
      throw new TypeError(`the plugin imports host functions with no implementation given: ${missing.join(', ')}`);
    }
    const instance = new WorkerSandbox(spec, config, { ...limits });
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
    return whenAllowed(exportName, options, () => this.#enqueue(exportName, input, options));
  }

  #enqueue(exportName: string, input: Uint8Array, options: CallOptions): Promise<Uint8Array> {
    try {
      if (this.#closed) throw new PluginCallError('CLOSED', exportName, 'close() was called');
      const exportIndex = this.#exportIndex.get(exportName);
      if (exportIndex === undefined) {
        throw new PluginCallError('NO_SUCH_EXPORT', exportName, `it exports ${this.#spec.exports.map((e) => `"${e}"`).join(', ') || 'no functions'}`);
      }
      if (!(input instanceof Uint8Array)) throw new TypeError('input must be a Uint8Array');
      const timeoutMs = checkTimeout('timeoutMs', options.timeoutMs ?? this.#limits.timeoutMs);
      const budget = this.#spec.budget(options);
      if (this.#queue.length >= this.#config.maxQueuedCalls) {
        throw new PluginCallError('QUEUE_FULL', exportName, `${this.#queue.length} calls are already waiting; try again later`);
      }
      return new Promise<Uint8Array>((resolve, reject) => {
        const job: Job = { exportName, exportIndex, input, timeoutMs, budget, urgent: options.urgent === true, resolve, reject, settled: false };
        enqueue(this.#queue, job);
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
    const backstopMs = Math.min(MAX_TIMEOUT_MS, job.timeoutMs + this.#config.deadlineGraceMs);
    const timer = setTimeout(() => this.#timeout(job, slot), backstopMs);
    timer.unref(); // the worker is ref'd while the call runs
    try {
      this.#finish(job, null, await slot.call(job.exportIndex, job.exportName, job.input, job.budget, job.timeoutMs));
    } catch (error) {
      const failure = error instanceof PluginCallError ? error : new PluginCallError('CRASHED', job.exportName, message(error), { cause: error });
      if (slot.dead) {
        // It exited (already replaced by the exit handler) or was killed (timeout, close).
      } else if (failure.code === 'CRASHED') {
        this.#retire(slot); // a broken channel: the worker cannot be trusted
      } else {
        // The worker starts the plugin afresh after every failure it reports, timeouts it
        // interrupted itself included.
        this.#reinstantiations++;
        if (failure.code === 'TIMEOUT') this.#timeouts++;
      }
      this.#finish(job, failure);
    } finally {
      clearTimeout(timer);
    }
  }

  #timeout(job: Job, slot: WorkerSlot): void {
    if (job.settled) return;
    this.#timeouts++;
    const waitingOn = slot.waitingOn;
    this.#retire(slot);
    this.#finish(job, new PluginCallError('TIMEOUT', job.exportName, `no answer within ${job.timeoutMs} ms (${waitingOn}); the sandbox worker was replaced`));
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

/** For tests: makes a worker-based instance's current worker exit as if it had crashed. */
export function simulateWorkerCrash(instance: PluginInstance): Promise<void> {
  if (!(instance instanceof WorkerSandbox)) throw new TypeError('not a worker-based plugin instance');
  return instance.crashWorkerForTests();
}
