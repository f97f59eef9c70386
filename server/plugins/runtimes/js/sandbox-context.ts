// One QuickJS sandbox running one plugin script: a QuickJS runtime with the plugin's memory and
// stack limits and a deadline checked by the interrupt handler, one context with the PDK API
// (prelude.ts) and the plugin's CommonJS bundle evaluated in it. Used by the js worker, both to
// serve calls and to list a script's exports at prepare. Knows nothing about channels or workers:
// the host side of the PDK (input, output, host functions, log) comes in as `SandboxIo`.

import type { QuickJSContext, QuickJSHandle, QuickJSRuntime, QuickJSWASMModule } from 'quickjs-emscripten-core';
import { PRELUDE_SOURCE } from './prelude.js';

/** QuickJS's stack limit for plugin code: deep enough for real code, far below the worker's own stack. */
export const STACK_LIMIT_BYTES = 256 * 1024;

/** The host side of the PDK API for one sandbox. */
export interface SandboxIo {
  /** The current call's input; throws outside a call. */
  input(): Uint8Array;
  output(bytes: Uint8Array): void;
  /** Runs an allowed host function synchronously; throws to fail the call. */
  hostCall(name: string, request: Uint8Array): Uint8Array;
  log(level: string, message: string): void;
  config(key: string): string | null;
}

export interface SandboxContextOptions {
  /** The plugin's CommonJS bundle. */
  readonly script: string;
  /** The file name in stack traces. */
  readonly fileName: string;
  /** QuickJS's own allocation limit, in bytes. */
  readonly memoryLimitBytes: number;
  /** Every ABI host function with the permission it needs (null: none). */
  readonly permissions: Readonly<Record<string, string | null>>;
  /** The host functions this plugin may call. */
  readonly allowed: readonly string[];
  readonly io: SandboxIo;
}

/** What an export call or the script's evaluation ended with. */
export type SandboxOutcome =
  | { readonly ok: true; readonly code: number }
  | { readonly ok: false; readonly error: SandboxError };

/** A JS exception out of the sandbox, as plain data. */
export interface SandboxError {
  readonly name: string;
  readonly message: string;
  /** The first frames of its stack, if it had one. */
  readonly stack: string;
}

const encoder = new TextEncoder();
const decoder = new TextDecoder();

/** Turns whatever the sandbox threw into a SandboxError (`null`/`""` when QuickJS could not even allocate one). */
function toSandboxError(value: unknown): SandboxError {
  if (value !== null && typeof value === 'object') {
    const v = value as { name?: unknown; message?: unknown; stack?: unknown };
    return {
      name: typeof v.name === 'string' ? v.name : 'Error',
      message: typeof v.message === 'string' ? v.message : JSON.stringify(value),
      stack: typeof v.stack === 'string' ? v.stack.split('\n').slice(0, 8).join('\n') : '',
    };
  }
  return { name: '', message: value === undefined || value === null || value === '' ? '' : String(value), stack: '' };
}

/** A live sandbox. Dispose it after any failed call: the runtime starts over from a fresh one. */
export class SandboxContext {
  readonly #runtime: QuickJSRuntime;
  readonly #vm: QuickJSContext;
  #invoke: QuickJSHandle | null = null;
  #collect: QuickJSHandle | null = null;
  #names: QuickJSHandle[] = [];
  /** `performance.now()` past which the interrupt handler stops the code running. */
  #deadline = Infinity;
  #exports: readonly string[] = [];

  private constructor(module: QuickJSWASMModule, memoryLimitBytes: number) {
    this.#runtime = module.newRuntime();
    this.#runtime.setMemoryLimit(memoryLimitBytes);
    this.#runtime.setMaxStackSize(STACK_LIMIT_BYTES);
    this.#runtime.setInterruptHandler(() => performance.now() > this.#deadline);
    this.#vm = this.#runtime.newContext();
  }

  /**
   * Creates the sandbox and evaluates the prelude and the plugin script, under `deadlineMs`.
   * Resolves to the sandbox and the outcome of evaluating the script (its exports are known only
   * if that succeeded). Throws only if the prelude itself cannot be set up.
   */
  static create(module: QuickJSWASMModule, options: SandboxContextOptions, deadlineMs: number): { context: SandboxContext; outcome: SandboxOutcome } {
    const context = new SandboxContext(module, options.memoryLimitBytes);
    try {
      context.#deadline = performance.now() + deadlineMs;
      const outcome = context.#load(options);
      return { context, outcome };
    } catch (error) {
      context.dispose();
      throw error;
    } finally {
      context.#deadline = Infinity;
    }
  }

  /** The names of the functions the script exports (after a successful load). */
  get exports(): readonly string[] {
    return this.#exports;
  }

  #native(options: SandboxContextOptions): QuickJSHandle {
    const vm = this.#vm;
    const { io } = options;
    const native = vm.newObject();
    const bytesOf = (handle: QuickJSHandle): Uint8Array => {
      const view = vm.getArrayBuffer(handle);
      try {
        return view.value.slice();
      } finally {
        view.dispose();
      }
    };
    const define = (name: string, fn: (...args: QuickJSHandle[]) => QuickJSHandle | void): void => {
      const handle = vm.newFunction(name, (...args) => {
        try {
          return fn(...args);
        } catch (error) {
          // Becomes an exception in the sandbox; whether it fails the call is the worker's decision.
          return { error: vm.newError({ name: 'Error', message: error instanceof Error ? error.message : String(error) }) };
        }
      });
      vm.setProp(native, name, handle);
      handle.dispose();
    };
    const buffer = (bytes: Uint8Array): QuickJSHandle => vm.newArrayBuffer(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength));
    define('input', () => buffer(io.input()));
    define('output', (bytes) => io.output(bytesOf(bytes!)));
    define('hostCall', (name, request) => buffer(io.hostCall(vm.getString(name!), bytesOf(request!))));
    define('log', (level, text) => io.log(vm.getString(level!), vm.getString(text!)));
    define('config', (key) => {
      const value = io.config(vm.getString(key!));
      return value === null ? vm.null : vm.newString(value);
    });
    define('encode', (text) => buffer(encoder.encode(vm.getString(text!))));
    define('decode', (bytes) => vm.newString(decoder.decode(bytesOf(bytes!))));
    define('toBase64', (bytes) => vm.newString(Buffer.from(bytesOf(bytes!)).toString('base64')));
    define('fromBase64', (text) => buffer(Buffer.from(vm.getString(text!), 'base64')));
    return native;
  }

  #load(options: SandboxContextOptions): SandboxOutcome {
    const vm = this.#vm;
    const factory = vm.unwrapResult(vm.evalCode(PRELUDE_SOURCE, 'atomic-plugin:prelude.js'));
    const native = this.#native(options);
    const permissions = vm.unwrapResult(vm.evalCode(`(${JSON.stringify(options.permissions)})`));
    const allowed = vm.unwrapResult(vm.evalCode(`(${JSON.stringify(options.allowed)})`));
    const api = vm.unwrapResult(vm.callFunction(factory, vm.undefined, native, permissions, allowed));
    for (const handle of [factory, native, permissions, allowed]) handle.dispose();
    this.#invoke = vm.getProp(api, 'invoke');
    this.#collect = vm.getProp(api, 'collect');
    api.dispose();

    // As a classic script: quickjs-emscripten would otherwise guess, and run an ES module as one.
    const evaluated = vm.evalCode(options.script, options.fileName, { type: 'global' });
    if (evaluated.error) return this.#failure(evaluated.error);
    evaluated.value.dispose();
    // Promise jobs the top-level code started run now, under the same time limit.
    const jobs = this.#runtime.executePendingJobs();
    if (jobs.error) return this.#failure(jobs.error);
    const collected = vm.callFunction(this.#collect, vm.undefined);
    if (collected.error) return this.#failure(collected.error);
    // What comes out of the sandbox is the plugin's to shape (it may have replaced JSON or Object
    // before this ran): checked, never trusted.
    let names: unknown;
    try {
      names = JSON.parse(vm.getString(collected.value));
    } catch {
      names = null;
    } finally {
      collected.value.dispose();
    }
    if (!Array.isArray(names) || !names.every((n): n is string => typeof n === 'string')) {
      return { ok: false, error: { name: 'TypeError', message: 'the exports of the script could not be read', stack: '' } };
    }
    this.#exports = names;
    this.#names = this.#exports.map((name) => vm.newString(name));
    return { ok: true, code: 0 };
  }

  #failure(handle: QuickJSHandle): SandboxOutcome {
    let value: unknown;
    try {
      value = this.#vm.dump(handle);
    } catch {
      value = null;
    } finally {
      handle.dispose();
    }
    return { ok: false, error: toSandboxError(value) };
  }

  /** Calls export number `index` (of {@link exports}) with a deadline; the host side did its I/O through `io`. */
  invoke(index: number, deadlineMs: number): SandboxOutcome {
    const vm = this.#vm;
    const name = this.#names[index];
    if (this.#invoke === null || name === undefined) return { ok: false, error: { name: 'TypeError', message: `no export number ${index}`, stack: '' } };
    this.#deadline = performance.now() + deadlineMs;
    try {
      const result = vm.callFunction(this.#invoke, vm.undefined, name);
      if (result.error) return this.#failure(result.error);
      return this.#settle(result.value);
    } finally {
      this.#deadline = Infinity;
    }
  }

  /**
   * Runs the promise jobs the call left (an async export, `.then` callbacks), still under the
   * call's deadline, and reads the outcome: a number is the return code (non-zero fails the call),
   * a promise must be settled by then, since nothing can settle it after the call.
   */
  #settle(value: QuickJSHandle): SandboxOutcome {
    const vm = this.#vm;
    try {
      const jobs = this.#runtime.executePendingJobs();
      if (jobs.error) return this.#failure(jobs.error);
      const state = vm.getPromiseState(value);
      if (state.type === 'pending') {
        return { ok: false, error: { name: 'TypeError', message: 'the export returned a promise that was still pending when its jobs ran out', stack: '' } };
      }
      if (state.type === 'rejected') return this.#failure(state.error);
      const code = vm.typeof(state.value) === 'number' ? vm.getNumber(state.value) : 0;
      if (!state.notAPromise) state.value.dispose();
      return { ok: true, code };
    } finally {
      if (value.alive) value.dispose();
    }
  }

  /** Whether the deadline of the call or load that just ended had passed. */
  static pastDeadline(startedAt: number, deadlineMs: number): boolean {
    return performance.now() - startedAt >= deadlineMs;
  }

  /** Frees the sandbox; false if QuickJS could not be torn down cleanly (then drop its WebAssembly instance too). */
  dispose(): boolean {
    for (const handle of [this.#invoke, this.#collect, ...this.#names]) {
      if (handle !== null && handle.alive) handle.dispose();
    }
    this.#names = [];
    this.#invoke = null;
    this.#collect = null;
    try {
      this.#vm.dispose();
      this.#runtime.dispose();
      return true;
    } catch {
      return false;
    }
  }
}
