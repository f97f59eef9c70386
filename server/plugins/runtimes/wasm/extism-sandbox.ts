// One Extism plugin on the current thread, with our fuel budget and memory cap, and every failed
// call classified into a PluginCallErrorCode. The sandbox worker (wasm-worker.ts) runs one of
// these behind its channel; the inline lane (inline-lane.ts) runs one on the host's own thread.
// Host functions must be synchronous here: Extism rc13 refuses async imports without JSPI.

import type { CallContext } from '@extism/extism';
import type { PluginCallErrorCode } from '../runtime.js';
import { type WasmGlobal, type WasmMemory, type WasmModule, WebAssembly } from './webassembly.js';

/** A host function as the sandbox sees it: request bytes in, answer bytes out, or a throw. */
export type SyncHostFunction = (request: Uint8Array) => Uint8Array;

export interface ExtismSandboxOptions {
  readonly module: WasmModule;
  readonly hostFunctions: Readonly<Record<string, SyncHostFunction>>;
  readonly config: Readonly<Record<string, string>>;
  /** The linear memory's cap in pages, or `null` for a module without memory. */
  readonly memoryPages: number | null;
}

/** The failures a sandbox tells apart by itself; timeouts and crashes are its owner's to see. */
export type SandboxFailureCode = Extract<PluginCallErrorCode, 'FUEL_EXHAUSTED' | 'MEMORY_LIMIT' | 'STACK_OVERFLOW' | 'TRAP' | 'HOST_FUNCTION_FAILED'>;

export type SandboxResult =
  | { readonly ok: true; readonly output: Uint8Array }
  | { readonly ok: false; readonly code: SandboxFailureCode; readonly message: string };

const PAGE_BYTES = 65_536;
const MAX_FUEL = 0x7fff_ffff_ffff_ffffn;
const EMPTY = new Uint8Array(0);
const noop = (): void => {};
const refuseFetch = ((): Promise<never> => Promise.reject(new Error('Extism HTTP is disabled'))) as unknown as typeof fetch;

/** What the host functions and the logger tell the classifier about the call in progress. */
interface CallState extends BulkMemoryTarget {
  hostFailure: string | null;
  outOfMemory: boolean;
}

/** What the bulk copies act on: the instance's memory and fuel counter, set once it exists. */
export interface BulkMemoryTarget {
  memory: WasmMemory | undefined;
  fuel: WasmGlobal | undefined;
}

/** Charges `units` of fuel to the call in progress; throws once the budget is spent. */
function charge(state: BulkMemoryTarget, units: bigint): void {
  if (state.fuel === undefined) return;
  const left = (state.fuel.value as bigint) - units;
  state.fuel.value = left;
  if (left < 0n) throw new Error('out of fuel in a host call'); // classified by the counter
}


/** The host's own import module: bulk copies, needing no permission (docs/plugins/abi.md). */
export const BULK_MEMORY = 'atomic:host/memory';
export const bulkMemoryImports: ReadonlySet<string> = new Set(['read', 'write']);

/**
 * Bulk copies between Extism's memory blocks and the module's linear memory. Through the kernel a
 * plugin moves 8 bytes per import call (each one a BigInt on the way out), which made reading a
 * 1.5 KB hook input cost more than parsing it; these move a whole block in one call.
 */
export function bulkMemoryFunctions(state: BulkMemoryTarget): Record<string, (context: CallContext, ...args: unknown[]) => unknown> {
  const linear = (address: unknown, length: number): Uint8Array => {
    const memory = state.memory;
    const start = Number(address);
    if (memory === undefined) throw new Error('the module has no exported memory');
    if (!Number.isInteger(start) || start < 0 || length < 0 || start + length > memory.buffer.byteLength) {
      throw new Error(`${length} bytes at ${start} are outside the module's memory`);
    }
    return new Uint8Array(memory.buffer, start, length);
  };
  return {
    // (offset: i64, dest: i32, length: i32): copies the first `length` bytes of a block into memory.
    read(context: CallContext, offset: unknown, dest: unknown, length: unknown): void {
      const block = typeof offset === 'bigint' ? context.read(offset)?.bytes() : undefined;
      const n = Number(length);
      if (block === undefined || n > block.length) throw new Error(`no block of ${n} bytes at ${String(offset)}`);
      charge(state, BigInt(Math.floor(n / BYTES_PER_FUEL) + 1));
      linear(dest, n).set(block.subarray(0, n));
    },
    // (src: i32, length: i32) -> i64: a new block holding a copy of that memory.
    write(context: CallContext, src: unknown, length: unknown): bigint {
      const n = Number(length);
      charge(state, BigInt(Math.floor(n / BYTES_PER_FUEL) + 1));
      return context.store(linear(src, n).slice());
    },
  };
}

/**
 * Fuel a host call costs: a fixed part for the call (a few microseconds of host work, like ~1,000
 * loop iterations) and one unit per 64 bytes passed either way. Without it a loop of cheap host
 * calls would spend host time on almost no fuel, and fuel would not bound the time of a call.
 */
export const HOST_CALL_FUEL = 1_000n;
const BYTES_PER_FUEL = 64;

function hostCallCost(request: Uint8Array, answer: Uint8Array): bigint {
  return HOST_CALL_FUEL + BigInt(Math.floor((request.length + answer.length) / BYTES_PER_FUEL));
}

type ExtismPlugin = Awaited<ReturnType<typeof import('@extism/extism').createPlugin>>;

/** Extism, loaded once per thread on first use. */
let extism: Promise<typeof import('@extism/extism')> | null = null;

/**
 * Loads Extism without the ExperimentalWarning Node prints when it loads node:wasi: plugins run
 * with WASI off, and on the host's thread the warning would reach every operator's terminal.
 */
async function loadExtism(): Promise<typeof import('@extism/extism')> {
  const emitWarning = process.emitWarning;
  process.emitWarning = ((warning: string | Error, ...rest: unknown[]): void => {
    const text = typeof warning === 'string' ? warning : warning.message;
    if (/\bWASI\b/.test(text)) return;
    (emitWarning as (...args: unknown[]) => void).call(process, warning, ...rest);
  }) as typeof process.emitWarning;
  try {
    return await import('@extism/extism');
  } finally {
    process.emitWarning = emitWarning;
  }
}

function describe(error: unknown): string {
  return error instanceof Error ? `${error.name}: ${error.message}` : String(error);
}

function mib(bytes: number): string {
  return `${Math.round((bytes / 2 ** 20) * 10) / 10} MiB`;
}

/**
 * An instantiated plugin. After a failed call its state cannot be trusted (AssemblyScript never
 * restores its shadow stack pointer when a call unwinds), so the owner replaces it with a fresh
 * one from {@link ExtismSandbox.create}; the compiled Module is reused, which takes ~0.3–1 ms.
 */
export class ExtismSandbox {
  readonly #plugin: ExtismPlugin;
  readonly #fuel: WasmGlobal | undefined;
  readonly #memory: WasmMemory | undefined;
  readonly #capBytes: number;
  readonly #state: CallState;

  private constructor(plugin: ExtismPlugin, exports: Record<string, unknown>, capBytes: number, state: CallState) {
    this.#plugin = plugin;
    this.#fuel = exports.__fuel instanceof WebAssembly.Global ? exports.__fuel : undefined;
    this.#memory = exports.memory instanceof WebAssembly.Memory ? exports.memory : undefined;
    this.#capBytes = capBytes;
    this.#state = state;
  }

  /** Instantiates the module (running its start function, which spends the initial fuel). */
  static async create(options: ExtismSandboxOptions): Promise<ExtismSandbox> {
    extism ??= loadExtism();
    const { createPlugin } = await extism;
    const state: CallState = { hostFailure: null, outOfMemory: false, fuel: undefined, memory: undefined };
    const functions = Object.fromEntries(
      Object.entries(options.hostFunctions).map(([name, fn]) => [
        name,
        // ABI: one i64 offset of the request in, one offset of the answer out.
        (context: CallContext, offset: unknown): bigint => {
          const request = typeof offset === 'bigint' ? (context.read(offset)?.bytes() ?? EMPTY) : EMPTY;
          let answer: Uint8Array;
          try {
            answer = fn(request);
          } catch (error) {
            state.hostFailure = `host function "${name}" failed: ${error instanceof Error ? error.message : String(error)}`;
            // Thrown through the wasm frames into Extism's call, which rejects: only this call fails.
            throw error;
          }
          charge(state, hostCallCost(request, answer));
          return context.store(answer);
        },
      ]),
    );
    // Extism logs (regardless of level) when it refuses an allocation; that is all we listen for.
    const logger = {
      trace: noop, debug: noop, info: noop, warn: noop, log: noop,
      error(text: unknown): void {
        if (typeof text === 'string' && text.includes('memory limit exceeded')) state.outOfMemory = true;
      },
    } as unknown as Console;
    const capBytes = options.memoryPages === null ? 0 : options.memoryPages * PAGE_BYTES;
    const plugin = await createPlugin(
      { wasm: [{ module: options.module }] },
      {
        useWasi: false,
        functions: { 'extism:host/user': functions, [BULK_MEMORY]: bulkMemoryFunctions(state) },
        // A prototype-less copy: Extism looks keys up with `in`, which would find "toString".
        config: Object.assign(Object.create(null) as Record<string, string>, options.config),
        logger,
        logLevel: 'silent',
        fetch: refuseFetch,
        // Extism's own blocks (input, output, host answers) and vars, capped like the linear memory.
        memory: options.memoryPages === null ? {} : { maxPages: options.memoryPages, maxVarBytes: capBytes },
      },
    );
    const { exports } = await plugin.getInstance();
    const sandbox = new ExtismSandbox(plugin, exports, capBytes, state);
    state.fuel = sandbox.#fuel;
    state.memory = sandbox.#memory;
    return sandbox;
  }

  /** The plugin's linear memory now, in pages. */
  get memoryPages(): number {
    return this.#memory === undefined ? 0 : this.#memory.buffer.byteLength / PAGE_BYTES;
  }

  /** Fuel left after the last call (negative once it ran out), or `null` without fuel. */
  get fuelLeft(): bigint | null {
    return this.#fuel === undefined ? null : (this.#fuel.value as bigint);
  }

  /** Calls an export with a budget of `fuel` units (-1: none). Never throws. */
  async call(name: string, input: Uint8Array, fuel: bigint): Promise<SandboxResult> {
    if (this.#fuel !== undefined) this.#fuel.value = fuel >= 0n ? fuel : MAX_FUEL;
    this.#state.hostFailure = null;
    this.#state.outOfMemory = false;
    try {
      const output = await this.#plugin.call(name, input);
      return { ok: true, output: output === null ? EMPTY : output.bytes() };
    } catch (error) {
      const [code, message] = this.#classify(error, fuel);
      return { ok: false, code, message };
    }
  }

  /** Tells why a call failed, from the error and the state of the instance it left behind. */
  #classify(error: unknown, budget: bigint): [SandboxFailureCode, string] {
    const text = describe(error);
    if (this.#state.hostFailure !== null) return ['HOST_FUNCTION_FAILED', this.#state.hostFailure];
    const left = this.fuelLeft;
    if (left !== null && left < 0n) return ['FUEL_EXHAUSTED', `the budget of ${budget} instructions is spent`];
    if (error instanceof RangeError && /call stack/i.test(error.message)) return ['STACK_OVERFLOW', text];
    if (this.#state.outOfMemory || /memory limit exceeded|allocation failed|out of memory/i.test(text)) {
      return ['MEMORY_LIMIT', text];
    }
    // A module that runs out of linear memory sees memory.grow fail and traps (AssemblyScript:
    // abort → unreachable). There is no trace of the failed grow, so: a trap with memory within
    // 1/8 of the cap is counted as the cap. A bigger single allocation would be reported as TRAP.
    const bytes = this.#memory?.buffer.byteLength ?? 0;
    if (this.#capBytes > 0 && error instanceof WebAssembly.RuntimeError && bytes >= this.#capBytes * 0.875) {
      return ['MEMORY_LIMIT', `linear memory is at ${mib(bytes)} of ${mib(this.#capBytes)} (${text})`];
    }
    return ['TRAP', text];
  }
}
