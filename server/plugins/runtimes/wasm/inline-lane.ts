// The inline lane: calls of a wasm plugin run on the host's own thread, with no hop to a sandbox
// worker, when nothing can keep that thread busy for long (docs/design/wasm-runtime.md, "Inline
// lane"). The hop costs more than a small plugin call itself (~35 µs against ~5–25 µs).
//
// What makes it safe:
// - Only modules whose fuel bounds their time (ticks per loop and call, bulk memory charged by
//   size, host calls charged too).
// - Inline, only read-only host functions with synchronous implementations answer. A call that
//   reaches for any other (commit, kv_set, http_request…) is abandoned at that point and run again
//   on the worker, which is sound because nothing it did so far changed anything.
// - Each inline call gets a small budget (`inlineFuel`, a few milliseconds of work at most), not
//   the plugin's whole budget, and runs in a fresh instance after any failure.
// - A call that runs out of the inline budget but not of the plugin's is retried on the worker
//   with the plugin's full budget and deadline. That group of calls (CallOptions.affinity: the
//   export, or the endpoint for requests) then stays on the worker: a plugin costs the host thread
//   one short stall per group at most. Any other failure also moves the group to the worker.
//
// Having no effects, an inline call also runs before its CallOptions.startAfter says so (a
// before_commit hook while the commit's signature is verified); a call handed to the worker waits.
//
// A plugin may therefore run in two instances at once (inline and on the worker); like any
// Extism host, we promise no state between calls beyond what the key/value store keeps.

import type { CallOptions, InlineHostFunction, InstanceStats, PluginInstance } from '../runtime.js';
import { PluginCallError } from '../runtime.js';
import { ExtismSandbox, type ExtismSandboxOptions, type SyncHostFunction } from './extism-sandbox.js';
import type { WasmModule } from './webassembly.js';

/** The default inline budget: ~2–5 ms of the host thread at most. */
export const DEFAULT_INLINE_FUEL = 500_000;
const PAGE_BYTES = 65_536;

export interface InlineLaneOptions {
  readonly module: WasmModule;
  readonly memoryPages: number | null;
  readonly config: Readonly<Record<string, string>>;
  readonly hostFunctions: Readonly<Record<string, InlineHostFunction>>;
  /** Every host function the module imports: those without an inline version defer to the worker. */
  readonly imports: readonly string[];
  /** The plugin's budget per call when the caller gives none. */
  readonly fuel: number;
  /** The most fuel one inline call may spend. */
  readonly inlineFuel: number;
  /** The plugin on its sandbox worker: what calls fall back to. It starts its worker on first use. */
  readonly worker: PluginInstance;
}

/** A wasm plugin whose calls run inline until they prove too heavy for it. */
export class InlineLane implements PluginInstance {
  readonly #options: InlineLaneOptions;
  readonly #sandboxOptions: ExtismSandboxOptions;
  readonly #exports: ReadonlySet<string>;
  /** Call groups that failed or deferred inline: they run on the worker from then on. */
  readonly #onWorker = new Set<string>();
  /** The host function that made the call in progress defer to the worker, if one did. */
  #deferredBy: string | null = null;
  #sandbox: Promise<ExtismSandbox>;
  /** Inline calls run one after the other, like calls on a worker. */
  #tail: Promise<unknown> = Promise.resolve();
  #closed = false;
  /** Set if a fresh inline instance could not be made: everything runs on the worker then. */
  #broken = false;
  #memoryBytes = 0;
  #calls = 0;
  #failures = 0;
  #reinstantiations = 0;
  #lastError: InstanceStats['lastError'] = null;

  private constructor(options: InlineLaneOptions) {
    this.#options = options;
    const hostFunctions: Record<string, SyncHostFunction> = {};
    for (const name of options.imports) {
      hostFunctions[name] = options.hostFunctions[name] ?? ((): never => {
        this.#deferredBy = name;
        throw new Error(`"${name}" runs on the worker only`);
      });
    }
    this.#sandboxOptions = { module: options.module, hostFunctions, config: options.config, memoryPages: options.memoryPages };
    this.#exports = new Set(options.worker.exports());
    this.#sandbox = ExtismSandbox.create(this.#sandboxOptions);
  }

  /** Instantiates the plugin inline; refuses as instantiation would (the module's start function runs). */
  static async start(options: InlineLaneOptions): Promise<InlineLane> {
    const lane = new InlineLane(options);
    await lane.#sandbox;
    return lane;
  }

  exports(): readonly string[] {
    return this.#options.worker.exports();
  }

  /** The call groups that moved to the worker. */
  groupsOnWorker(): readonly string[] {
    return [...this.#onWorker];
  }

  call(exportName: string, input: Uint8Array, options: CallOptions = {}): Promise<Uint8Array> {
    const group = options.affinity ?? exportName;
    if (this.#closed || this.#broken || !this.#exports.has(exportName) || this.#onWorker.has(group) || !(input instanceof Uint8Array)) {
      return this.#options.worker.call(exportName, input, options); // which also reports the misuse
    }
    const run = this.#tail.then(() => this.#callInline(exportName, group, input, options));
    this.#tail = run.catch(() => undefined);
    // A call handed to the worker leaves the inline queue at once: it must not hold up the calls behind it.
    return run.then((output) => output ?? this.#options.worker.call(exportName, input, options));
  }

  /** Runs a call inline; resolves to `null` when it belongs on the worker instead. */
  async #callInline(exportName: string, group: string, input: Uint8Array, options: CallOptions): Promise<Uint8Array | null> {
    if (this.#closed || this.#broken || this.#onWorker.has(group)) return null;
    const fuel = options.fuel ?? this.#options.fuel;
    const budget = Math.min(fuel, this.#options.inlineFuel);
    let sandbox: ExtismSandbox;
    try {
      sandbox = await this.#sandbox;
    } catch {
      this.#broken = true;
      return null;
    }
    this.#calls++;
    this.#deferredBy = null;
    const result = await sandbox.call(exportName, input, BigInt(budget));
    this.#memoryBytes = sandbox.memoryPages * PAGE_BYTES;
    if (result.ok) return result.output;
    // Whatever happened, this instance unwound mid-call: start a fresh one for the next call.
    this.#onWorker.add(group);
    this.#reinstantiations++;
    this.#sandbox = ExtismSandbox.create(this.#sandboxOptions);
    this.#sandbox.catch(() => undefined); // a failure here shows at the next inline call
    const outgrown = result.code === 'FUEL_EXHAUSTED' && budget < fuel;
    if (this.#deferredBy !== null || outgrown) return null;
    this.#failures++;
    const error = new PluginCallError(result.code, exportName, result.message);
    this.#lastError = { code: error.code, message: error.message, at: Date.now() };
    throw error;
  }

  stats(): InstanceStats {
    const worker = this.#options.worker.stats();
    const newest = [worker.lastError, this.#lastError].filter((e) => e !== null).sort((a, b) => b.at - a.at)[0] ?? null;
    return {
      calls: worker.calls + this.#calls,
      failures: worker.failures + this.#failures,
      timeouts: worker.timeouts,
      restarts: worker.restarts,
      reinstantiations: worker.reinstantiations + this.#reinstantiations,
      lastError: newest,
      memoryBytes: Math.max(worker.memoryBytes, this.#memoryBytes),
      queued: worker.queued,
    };
  }

  async close(): Promise<void> {
    this.#closed = true;
    await this.#options.worker.close();
  }
}
