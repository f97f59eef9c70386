// Install-time preparation of an Extism wasm module (docs/design/wasm-runtime.md, "Recommended
// architecture"): check its imports against the plugin's permissions, instrument it with a fuel
// counter, cap its linear memory, and compile it. Done once per package digest; the prepared bytes
// are what the host caches, and `loadPreparedModule` turns them back into a module at boot without
// binaryen (which is a 15 MB dependency, loaded lazily, that only `injectFuel` needs).

import { hostFunctionPermissions } from '../../permissions.js';
import type { PreparedCode } from '../runtime.js';
import { PluginLoadError } from '../runtime.js';
import { BULK_MEMORY, bulkMemoryImports } from './extism-sandbox.js';
import { chargeBulkMemory, FUEL_FORMAT, FUEL_SECTION } from './bulk-memory-fuel.js';
import { WebAssembly, type WasmModule } from './webassembly.js';

/** Bytes in one wasm page. */
export const WASM_PAGE_BYTES = 65_536;

/** The Extism kernel functions a plugin may import from `extism:host/env`. Its `http_*` are not among them. */
export const extismKernelImports: ReadonlySet<string> = new Set([
  'alloc', 'free', 'length', 'length_unsafe',
  'load_u8', 'load_u64', 'store_u8', 'store_u64',
  'input_offset', 'input_length', 'input_load_u8', 'input_load_u64',
  'output_set', 'error_set', 'error_get',
  'config_get', 'var_get', 'var_set',
  'log_trace', 'log_debug', 'log_info', 'log_warn', 'log_error', 'get_log_level',
]);

export const EXTISM_ENV = 'extism:host/env';
export const EXTISM_USER = 'extism:host/user';

/**
 * Refuses a module that imports anything but Extism kernel functions and allowed host functions,
 * naming every refused import and the permission it needs. Imports are resolved at instantiation,
 * so a gated import is refused even if the plugin never calls it. Returns the host functions
 * (`extism:host/user`) the module imports, which the instance must be given.
 */
export function checkImports(
  module: WasmModule,
  allowedHostFunctions: ReadonlySet<string>,
  permissions: Readonly<Record<string, string | null>> = hostFunctionPermissions,
): { hostFunctions: string[] } {
  const problems: string[] = [];
  const hostFunctions: string[] = [];
  for (const { module: from, name, kind } of WebAssembly.Module.imports(module)) {
    const what = `import "${from}" "${name}"`;
    if (kind !== 'function') {
      problems.push(`${what} is a ${kind}; a plugin may import only functions`);
    } else if (from === EXTISM_ENV) {
      if (name.startsWith('http_')) {
        problems.push(`${what} is Extism's own HTTP, which is disabled; use the host function "${EXTISM_USER}" "http_request" (permission "network")`);
      } else if (!extismKernelImports.has(name)) {
        problems.push(`${what} is not an Extism kernel function`);
      }
    } else if (from === BULK_MEMORY) {
      if (!bulkMemoryImports.has(name)) problems.push(`${what} is not one of "${BULK_MEMORY}"'s functions (read, write)`);
    } else if (from === EXTISM_USER) {
      if (allowedHostFunctions.has(name)) {
        hostFunctions.push(name);
      } else if (!Object.hasOwn(permissions, name)) {
        problems.push(`${what} is not a host function of plugin ABI v1`);
      } else {
        const permission = permissions[name];
        problems.push(permission ? `${what} needs permission "${permission}"` : `${what} is not allowed for this plugin`);
      }
    } else {
      const hint = from === 'env' && name === 'abort' ? ' (AssemblyScript: build with --use abort=<file>/<function>)' : '';
      problems.push(`${what} is neither an Extism kernel function ("${EXTISM_ENV}") nor a host function ("${EXTISM_USER}")${hint}`);
    }
  }
  if (problems.length > 0) throw new PluginLoadError('IMPORT_REFUSED', problems);
  return { hostFunctions };
}

// ---------------------------------------------------------------------------------------------
// Memory cap: rewrite the limits of the module's own memory. Neither worker resourceLimits nor
// Extism's `memory.maxPages` bound a module's linear memory; a `maximum` in its memory section is
// the only per-module bound V8 enforces (memory.grow then returns -1, and AssemblyScript aborts).

/** Where the module's memory is declared, from the binary's section headers. */
interface MemoryDeclaration {
  /** Offsets of the whole memory section (id byte to end of payload). */
  readonly sectionStart: number;
  readonly sectionEnd: number;
  readonly min: number;
  readonly max: number | null;
}

/** Reads an unsigned LEB128 number of up to 32 bits; returns it and the offset after it. */
function readU32(bytes: Uint8Array, at: number): [number, number] {
  let value = 0;
  for (let shift = 0; shift < 35; shift += 7) {
    const byte = bytes[at++];
    if (byte === undefined) throw invalid('the binary ends inside a number');
    value += (byte & 0x7f) * 2 ** shift;
    if ((byte & 0x80) === 0) {
      if (value > 0xffff_ffff) break;
      return [value, at];
    }
  }
  throw invalid('a number is longer than 32 bits');
}

/** Skips an LEB128 number of any length. */
function skipLeb(bytes: Uint8Array, at: number): number {
  for (;;) {
    const byte = bytes[at++];
    if (byte === undefined) throw invalid('the binary ends inside a number');
    if ((byte & 0x80) === 0) return at;
  }
}

function writeU32(value: number): number[] {
  const out: number[] = [];
  do {
    let byte = value & 0x7f;
    value = Math.floor(value / 128);
    if (value !== 0) byte |= 0x80;
    out.push(byte);
  } while (value !== 0);
  return out;
}

function invalid(detail: string): PluginLoadError {
  return new PluginLoadError('INVALID_MODULE', detail);
}

function unsupported(detail: string): PluginLoadError {
  return new PluginLoadError('MEMORY_UNSUPPORTED', detail);
}

/** Skips a value type: one byte, or 0x63/0x64 (ref null / ref) followed by a heap type. */
function skipValueType(bytes: Uint8Array, at: number): number {
  const byte = bytes[at];
  return byte === 0x63 || byte === 0x64 ? skipLeb(bytes, at + 1) : at + 1;
}

/** Skips table limits: a flags byte, the minimum and, if flag bit 0 is set, the maximum. */
function skipLimits(bytes: Uint8Array, at: number): number {
  const flags = bytes[at] ?? 0;
  at = skipLeb(bytes, at + 1);
  return flags & 0x01 ? skipLeb(bytes, at) : at;
}

/** Refuses a module whose import section imports a memory: only a memory it defines can be capped. */
function refuseImportedMemory(bytes: Uint8Array, at: number, end: number): void {
  let count: number;
  [count, at] = readU32(bytes, at);
  for (let i = 0; i < count && at < end; i++) {
    const names: string[] = [];
    for (let part = 0; part < 2; part++) {
      let length: number;
      [length, at] = readU32(bytes, at);
      names.push(new TextDecoder().decode(bytes.subarray(at, at + length)));
      at += length;
    }
    const kind = bytes[at++];
    if (kind === 0x00) at = skipLeb(bytes, at); // function: type index
    else if (kind === 0x01) at = skipLimits(bytes, skipValueType(bytes, at)); // table
    else if (kind === 0x02) throw unsupported(`the module imports its memory ("${names[0]}" "${names[1]}"); only a memory it defines itself can be capped`);
    else if (kind === 0x03) at = skipValueType(bytes, at) + 1; // global: type, mutability
    else if (kind === 0x04) at = skipLeb(bytes, at + 1); // tag: attribute, type index
    else throw invalid(`unknown import kind 0x${(kind ?? 0).toString(16)}`);
  }
}

/** Finds the module's own memory declaration, or `null` if it has none. */
function findMemory(bytes: Uint8Array): MemoryDeclaration | null {
  const magic = [0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00];
  if (bytes.length < 8 || magic.some((b, i) => bytes[i] !== b)) throw invalid('no wasm header (\\0asm, version 1)');
  let at = 8;
  while (at < bytes.length) {
    const sectionStart = at;
    const id = bytes[at++];
    let size: number;
    [size, at] = readU32(bytes, at);
    const payloadStart = at;
    const sectionEnd = payloadStart + size;
    if (sectionEnd > bytes.length) throw invalid(`section ${id} runs past the end of the binary`);
    if (id === 2) refuseImportedMemory(bytes, payloadStart, sectionEnd);
    if (id === 5) {
      let count: number;
      [count, at] = readU32(bytes, payloadStart);
      if (count === 0) return null;
      if (count > 1) throw unsupported(`the module defines ${count} memories; only one can be capped`);
      const flags = bytes[at++] ?? 0;
      if (flags & 0x02) throw unsupported('the memory is shared');
      if (flags & 0x04) throw unsupported('the memory is 64-bit');
      if (flags > 0x01) throw unsupported(`unknown memory limit flags 0x${flags.toString(16)}`);
      let min: number;
      let max: number | null = null;
      [min, at] = readU32(bytes, at);
      if (flags & 0x01) [max, at] = readU32(bytes, at);
      if (at !== sectionEnd) throw invalid('the memory section has trailing bytes');
      return { sectionStart, sectionEnd, min, max };
    }
    at = sectionEnd;
  }
  return null;
}

/** The limits of the module's own memory, in pages (`max` null: unbounded), or `null` if it has none. */
export function readMemoryLimits(bytes: Uint8Array): { min: number; max: number | null } | null {
  const memory = findMemory(bytes);
  return memory && { min: memory.min, max: memory.max };
}

/**
 * Returns the module with its memory's maximum set to at most `maxPages` (64 KiB each): no
 * maximum becomes `maxPages`, a larger one is lowered, a smaller one is kept. Refuses imported,
 * shared and 64-bit memories and a memory whose initial size is already above the cap. A module
 * without memory is returned unchanged.
 *
 * @example capMemory(bytes, 256) // at most 16 MiB
 */
export function capMemory(bytes: Uint8Array, maxPages: number): Uint8Array {
  if (!Number.isInteger(maxPages) || maxPages < 1 || maxPages > 65_536) {
    throw new RangeError(`maxPages must be an integer from 1 to 65536, not ${maxPages}`);
  }
  const memory = findMemory(bytes);
  if (!memory) return bytes;
  if (memory.min > maxPages) {
    throw unsupported(`the memory starts at ${memory.min} pages, above the cap of ${maxPages} pages (${(maxPages * WASM_PAGE_BYTES) / 2 ** 20} MiB)`);
  }
  const max = memory.max === null ? maxPages : Math.min(memory.max, maxPages);
  // Section 5 with one memory: flags 0x01 (has maximum), then minimum and maximum.
  const payload = [...writeU32(1), 0x01, ...writeU32(memory.min), ...writeU32(max)];
  const section = [5, ...writeU32(payload.length), ...payload];
  const out = new Uint8Array(bytes.length - (memory.sectionEnd - memory.sectionStart) + section.length);
  out.set(bytes.subarray(0, memory.sectionStart), 0);
  out.set(section, memory.sectionStart);
  out.set(bytes.subarray(memory.sectionEnd), memory.sectionStart + section.length);
  return out;
}

// ---------------------------------------------------------------------------------------------
// Fuel: a deterministic instruction budget. binaryen's `log-execution` pass puts a call to an
// imported `log_execution(i32)` at every function entry and loop header; we replace that import
// with an internal function that decrements the exported i64 global `__fuel` and traps below
// zero, then inline it everywhere (a call per tick would cost ×1.3–1.8; inlined it is ~0–10%).
// The host sets `__fuel` before each call; after a trap, `__fuel < 0` means the budget ran out.

/** The exported global holding the remaining budget. */
export const FUEL_EXPORT = '__fuel';

/**
 * The budget `__fuel` starts with. The module's start function (AssemblyScript's static
 * initializers) is instrumented too and runs during instantiation, before the host can set it.
 */
export const INITIAL_FUEL = 100_000_000n;

/**
 * Instruments a module with the `__fuel` counter. Takes ~1 s per 100 KB of module: run it once
 * per package digest and cache the result.
 */
export async function injectFuel(bytes: Uint8Array): Promise<Uint8Array> {
  const { default: binaryen } = await import('binaryen');
  const F = binaryen.Features;
  const mod = binaryen.readBinary(bytes);
  try {
    // Explicit features: `All` makes binaryen emit encodings Node 20 rejects ("unknown import kind
    // 0x7f"), and without BulkMemoryOpt an assertion fails on AssemblyScript output.
    mod.setFeatures(F.MVP | F.SignExt | F.MutableGlobals | F.NontrappingFPToInt | F.BulkMemory | F.BulkMemoryOpt | F.SIMD128 | F.Multivalue | F.ReferenceTypes);
    for (let i = 0; i < mod.getNumExports(); i++) {
      if (binaryen.getExportInfo(mod.getExportByIndex(i)).name === FUEL_EXPORT) {
        throw invalid(`the module already exports "${FUEL_EXPORT}", a name the runtime reserves for its fuel counter`);
      }
    }
    const functionNames = (): string[] => {
      const names: string[] = [];
      for (let i = 0; i < mod.getNumFunctions(); i++) names.push(binaryen.getFunctionInfo(mod.getFunctionByIndex(i)).name);
      return names;
    };
    const before = new Set(functionNames());
    mod.runPasses(['log-execution']);
    const hook = functionNames().find((name) => !before.has(name));
    if (hook === undefined) return bytes; // no function bodies and no loops: nothing to count
    const global = uniqueGlobalName(mod, binaryen, '__atomic_plugin_fuel');
    mod.removeFunction(hook);
    mod.addGlobal(global, binaryen.i64, true, mod.i64.const(INITIAL_FUEL));
    mod.addGlobalExport(global, FUEL_EXPORT);
    const fuel = (): number => mod.global.get(global, binaryen.i64);
    mod.addFunction(hook, binaryen.createType([binaryen.i32]), binaryen.none, [], mod.block(null, [
      mod.global.set(global, mod.i64.sub(fuel(), mod.i64.const(1n))),
      mod.if(mod.i64.lt_s(fuel(), mod.i64.const(0n)), mod.unreachable()),
    ]));
    const charge = uniqueFunctionName(functionNames(), '__atomic_plugin_charge');
    if (chargeBulkMemory(binaryen, mod, global, charge)) {
      mod.addCustomSection(FUEL_SECTION, Uint8Array.of(FUEL_FORMAT));
    }
    // Inline the hook into every call site; the setting is global to binaryen, so restore it.
    const previous = binaryen.getAlwaysInlineMaxSize();
    binaryen.setAlwaysInlineMaxSize(40);
    try {
      mod.runPasses(['inlining']);
    } finally {
      binaryen.setAlwaysInlineMaxSize(previous);
    }
    if (!mod.validate()) throw invalid('binaryen produced an invalid module while adding fuel');
    return mod.emitBinary();
  } finally {
    mod.dispose();
  }
}

function uniqueFunctionName(taken: readonly string[], base: string): string {
  let name = base;
  for (let n = 1; taken.includes(name); n++) name = `${base}_${n}`;
  return name;
}

function uniqueGlobalName(mod: { getNumGlobals(): number; getGlobalByIndex(i: number): number }, binaryen: { getGlobalInfo(g: number): { name: string } }, base: string): string {
  const taken = new Set<string>();
  for (let i = 0; i < mod.getNumGlobals(); i++) taken.add(binaryen.getGlobalInfo(mod.getGlobalByIndex(i)).name);
  let name = base;
  for (let n = 1; taken.has(name); n++) name = `${base}_${n}`;
  return name;
}

// ---------------------------------------------------------------------------------------------

/** Wasm code ready for `createWasmRuntime().instantiate`. */
export interface WasmPreparedCode extends PreparedCode {
  readonly kind: 'wasm';
  readonly module: WasmModule;
  /** The host functions (`extism:host/user`) the module imports. */
  readonly hostFunctions: readonly string[];
  /** The memory's maximum in pages, or `null` if the module has no memory. */
  readonly memoryPages: number | null;
  /** Whether the module carries the `__fuel` counter. */
  readonly fuel: boolean;
  /**
   * Whether its fuel also bounds bulk memory work (`memory.fill`/`copy`/`init` charged by size),
   * so that the number of fuel units bounds the time a call can take.
   */
  readonly fuelBoundsTime: boolean;
}

export interface PrepareModuleOptions {
  readonly memoryMb: number;
  readonly allowedHostFunctions: Iterable<string>;
  /** Instrument for an instruction budget (default true). */
  readonly fuel?: boolean;
}

async function compile(bytes: Uint8Array): Promise<WasmModule> {
  try {
    return await WebAssembly.compile(bytes);
  } catch (error) {
    throw invalid(error instanceof Error ? error.message : String(error));
  }
}

/** Converts a memory limit in MiB to pages, refusing what a 32-bit memory cannot hold. */
export function memoryMbToPages(memoryMb: number): number {
  if (!Number.isFinite(memoryMb) || memoryMb <= 0 || memoryMb > 4096) {
    throw new RangeError(`memoryMb must be more than 0 and at most 4096, not ${memoryMb}`);
  }
  return Math.max(1, Math.floor((memoryMb * 2 ** 20) / WASM_PAGE_BYTES));
}

function describe(module: WasmModule, bytes: Uint8Array, hostFunctions: string[]): WasmPreparedCode {
  const exports = WebAssembly.Module.exports(module);
  return {
    kind: 'wasm',
    bytes,
    module,
    exports: Object.freeze(exports.filter((e) => e.kind === 'function').map((e) => e.name)),
    hostFunctions: Object.freeze(hostFunctions),
    memoryPages: readMemoryLimits(bytes)?.max ?? null,
    fuel: exports.some((e) => e.name === FUEL_EXPORT && e.kind === 'global'),
    fuelBoundsTime: WebAssembly.Module.customSections(module, FUEL_SECTION).some((s) => new Uint8Array(s)[0] === FUEL_FORMAT),
  };
}

/**
 * Install-time preparation: validate, check imports (before spending a second in binaryen),
 * add fuel, cap memory, compile. Refuses with a {@link PluginLoadError}.
 */
export async function prepareModule(bytes: Uint8Array, options: PrepareModuleOptions): Promise<WasmPreparedCode> {
  const pages = memoryMbToPages(options.memoryMb);
  const allowed = new Set(options.allowedHostFunctions);
  const { hostFunctions } = checkImports(await compile(bytes), allowed);
  let prepared = options.fuel === false ? bytes : await injectFuel(bytes);
  prepared = capMemory(prepared, pages);
  const module = await compile(prepared);
  checkImports(module, allowed); // the transformation must not have added any import
  return describe(module, prepared, hostFunctions);
}

/**
 * The module to run under a cap of `memoryMb`. The cap is a maximum: code prepared with a smaller
 * one keeps it; a larger one is lowered (and the module compiled again).
 */
export async function withMemoryCap(prepared: WasmPreparedCode, memoryMb: number): Promise<{ module: WasmModule; memoryPages: number | null }> {
  const pages = memoryMbToPages(memoryMb);
  if (prepared.memoryPages === null || prepared.memoryPages <= pages) return { module: prepared.module, memoryPages: prepared.memoryPages };
  return { module: await compile(capMemory(prepared.bytes, pages)), memoryPages: pages };
}

/**
 * Load-time: turns prepared bytes (cached by `prepareModule`) back into a module, re-checking the
 * imports against the permissions granted now. ~1–2 ms for 100 KB; no binaryen.
 */
export async function loadPreparedModule(bytes: Uint8Array, options: { allowedHostFunctions: Iterable<string> }): Promise<WasmPreparedCode> {
  const module = await compile(bytes);
  const { hostFunctions } = checkImports(module, new Set(options.allowedHostFunctions));
  return describe(module, bytes, hostFunctions);
}
