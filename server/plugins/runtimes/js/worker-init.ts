// What the js runtime hands a sandbox worker (`workerData`), and what an inspecting worker answers.

import type { ChannelInit } from '../worker-channel.js';
import type { WasmModule } from '../wasm/webassembly.js';

/** The fields every js worker gets. */
export interface JsSandboxInit {
  /** QuickJS, compiled once in the parent. */
  readonly wasmModule: WasmModule;
  /** The plugin's CommonJS bundle. */
  readonly script: string;
  /** Its name in stack traces and messages (the package entry). */
  readonly fileName: string;
  /** QuickJS's own allocation limit, in MiB. */
  readonly memoryMb: number;
  /** The hard cap: the maximum of the sandbox's WebAssembly memory, in pages. */
  readonly maxPages: number;
  /** How long the script's top-level code may run. */
  readonly loadTimeoutMs: number;
  /** Every ABI host function with the permission it needs, so that ungranted ones fail clearly. */
  readonly permissions: Readonly<Record<string, string | null>>;
  /** The plugin's config, for the PDK's `Config.get`. */
  readonly config: Readonly<Record<string, string>>;
}

/** A worker that serves calls, or one that only evaluates the script and reports its exports. */
export type JsWorkerInit = JsSandboxInit & ({ readonly mode: 'serve' } & ChannelInit | { readonly mode: 'inspect' });

/** The answer of an inspecting worker (besides `failed`). */
export interface JsInspectMessage {
  readonly type: 'inspected';
  readonly exports: readonly string[];
}
