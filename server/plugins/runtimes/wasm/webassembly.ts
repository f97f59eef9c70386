// Types for the parts of Node's global `WebAssembly` that the runtime uses. TypeScript declares
// `WebAssembly` only in lib.dom / lib.webworker, which this project does not load (they would
// retype timers and fetch for every file), so this module gives the global a local type instead
// of declaring one for the whole program. Import `WebAssembly` from here; it is the global object.

/** A compiled module (`WebAssembly.Module`). */
export interface WasmModule {
  readonly [Symbol.toStringTag]: string;
}

export type WasmExternalKind = 'function' | 'table' | 'memory' | 'global' | 'tag';

export interface WasmImportDescriptor {
  readonly module: string;
  readonly name: string;
  readonly kind: WasmExternalKind;
}

export interface WasmExportDescriptor {
  readonly name: string;
  readonly kind: WasmExternalKind;
}

/** `WebAssembly.Global`. */
export interface WasmGlobal {
  value: unknown;
}

/** `WebAssembly.Memory`. */
export interface WasmMemory {
  readonly buffer: ArrayBuffer;
  grow(deltaPages: number): number;
}

export interface WasmInstance {
  readonly exports: Record<string, unknown>;
}

interface WebAssemblyApi {
  readonly Module: {
    new (bytes: Uint8Array): WasmModule;
    imports(module: WasmModule): WasmImportDescriptor[];
    exports(module: WasmModule): WasmExportDescriptor[];
    customSections(module: WasmModule, name: string): ArrayBuffer[];
  };
  readonly Instance: new (module: WasmModule, imports?: Record<string, Record<string, unknown>>) => WasmInstance;
  readonly Global: abstract new (...args: never[]) => WasmGlobal;
  readonly Memory: new (descriptor: { initial: number; maximum?: number }) => WasmMemory;
  readonly RuntimeError: abstract new (...args: never[]) => Error;
  readonly CompileError: abstract new (...args: never[]) => Error;
  compile(bytes: Uint8Array): Promise<WasmModule>;
  validate(bytes: Uint8Array): boolean;
}

/** Node's global `WebAssembly`, typed. */
export const WebAssembly = (globalThis as unknown as { WebAssembly: WebAssemblyApi }).WebAssembly;
