// Loading QuickJS (quickjs-emscripten, the release "sync" build) with the plugin's memory cap.
// The WebAssembly module is compiled once per process and handed to each worker; each worker
// instantiates it with its own WebAssembly.Memory whose maximum is the hard cap on everything the
// plugin allocates. QuickJS's own malloc limit does not count ArrayBuffer contents (measured: 30
// MiB of Uint8Arrays under a 16 MiB limit), the memory maximum does: malloc then fails and QuickJS
// throws "out of memory" (~100–170 ms for a 1 MiB-per-step bomb at 16 MiB).

import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import * as releaseSync from '@jitl/quickjs-wasmfile-release-sync';
import { newQuickJSWASMModuleFromVariant, newVariant, type QuickJSSyncVariant, type QuickJSWASMModule } from 'quickjs-emscripten-core';
import { WebAssembly, type WasmMemory, type WasmModule } from '../wasm/webassembly.js';

const require = createRequire(import.meta.url);
const PAGE_BYTES = 65_536;
/** The emscripten build's initial (and minimum) memory: 256 pages, 16 MiB, before the plugin allocates anything. */
export const QUICKJS_BASE_PAGES = 256;

// The package is typed as CommonJS, so TypeScript sees its ESM default export as a property.
const baseVariant = (releaseSync as unknown as { default: QuickJSSyncVariant }).default;

let compiled: Promise<WasmModule> | null = null;

/** The QuickJS WebAssembly module, compiled once per process. */
export function compileQuickJs(): Promise<WasmModule> {
  compiled ??= readFile(require.resolve('@jitl/quickjs-wasmfile-release-sync/wasm')).then((bytes) => WebAssembly.compile(bytes));
  // A failure is not kept: the next instance tries again.
  compiled.catch(() => {
    compiled = null;
  });
  return compiled;
}

/** The memory maximum for a plugin allowed `memoryMb`: QuickJS's base heap plus the plugin's share. */
export function memoryPagesFor(memoryMb: number): number {
  return QUICKJS_BASE_PAGES + Math.ceil((memoryMb * 2 ** 20) / PAGE_BYTES);
}

/** A QuickJS instance and the memory it may not grow beyond. */
export interface QuickJsInstance {
  readonly module: QuickJSWASMModule;
  readonly memory: WasmMemory;
}

/** Instantiates QuickJS from the compiled module, with a memory capped at `maxPages`. */
export async function instantiateQuickJs(wasmModule: WasmModule, maxPages: number): Promise<QuickJsInstance> {
  const memory = new WebAssembly.Memory({ initial: QUICKJS_BASE_PAGES, maximum: Math.max(QUICKJS_BASE_PAGES, maxPages) });
  type Options = Parameters<typeof newVariant>[1];
  const variant = newVariant(baseVariant, { wasmModule, wasmMemory: memory } as unknown as Options) as QuickJSSyncVariant;
  const module = await newQuickJSWASMModuleFromVariant(variant);
  return { module, memory };
}
