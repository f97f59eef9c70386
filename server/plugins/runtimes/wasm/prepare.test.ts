// Units for install-time preparation on tiny hand-made modules: the memory cap, the import check
// and fuel injection.

import { describe, expect, it } from 'vitest';
import { PluginLoadError } from '../runtime.js';
import { allowedHostFunctionsFor } from '../../permissions.js';
import {
  capMemory,
  checkImports,
  FUEL_EXPORT,
  injectFuel,
  readMemoryLimits,
} from './prepare.js';
import { type WasmGlobal, type WasmMemory, type WasmModule, WebAssembly } from './webassembly.js';

// ---- a tiny wasm assembler: just enough sections to build test modules by hand ----

function leb(value: number): number[] {
  const out: number[] = [];
  do {
    let byte = value & 0x7f;
    value = Math.floor(value / 128);
    if (value !== 0) byte |= 0x80;
    out.push(byte);
  } while (value !== 0);
  return out;
}

function name(text: string): number[] {
  const bytes = [...new TextEncoder().encode(text)];
  return [...leb(bytes.length), ...bytes];
}

function section(id: number, payload: number[]): number[] {
  return [id, ...leb(payload.length), ...payload];
}

function wasm(...sections: number[][]): Uint8Array {
  return new Uint8Array([0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00, ...sections.flat()]);
}

/** Type section with one type: (i64) -> i64, the ABI's host function signature. */
const typeSection = section(1, [1, 0x60, 1, 0x7e, 1, 0x7e]);
/** A memory section: flags, minimum and optional maximum, in pages. */
const memorySection = (flags: number, min: number, max?: number): number[] =>
  section(5, [1, flags, ...leb(min), ...(max === undefined ? [] : leb(max))]);
const exportMemory = section(7, [1, ...name('memory'), 0x02, 0]);
/** An import section of functions of type 0, and optionally other raw import entries. */
const importSection = (functions: Array<[string, string]>, raw: number[][] = []): number[] =>
  section(2, [
    ...leb(functions.length + raw.length),
    ...functions.flatMap(([module, field]) => [...name(module), ...name(field), 0x00, 0]),
    ...raw.flat(),
  ]);

function memoryOf(bytes: Uint8Array): WasmMemory {
  const instance = new WebAssembly.Instance(new WebAssembly.Module(bytes));
  return instance.exports.memory as WasmMemory;
}

function loadError(fn: () => unknown): PluginLoadError {
  try {
    fn();
  } catch (error) {
    expect(error).toBeInstanceOf(PluginLoadError);
    return error as PluginLoadError;
  }
  throw new Error('expected a PluginLoadError');
}

describe('capMemory', () => {
  it('adds a maximum to a memory without one, and V8 enforces it', () => {
    const capped = capMemory(wasm(memorySection(0x00, 1), exportMemory), 4);
    expect(readMemoryLimits(capped)).toEqual({ min: 1, max: 4 });
    const memory = memoryOf(capped);
    expect(memory.grow(3)).toBe(1);
    expect(() => memory.grow(1)).toThrow(RangeError);
    expect(memory.buffer.byteLength).toBe(4 * 65_536);
  });

  it('lowers a larger maximum and keeps a smaller one', () => {
    expect(readMemoryLimits(capMemory(wasm(memorySection(0x01, 1, 1000), exportMemory), 256))).toEqual({ min: 1, max: 256 });
    expect(readMemoryLimits(capMemory(wasm(memorySection(0x01, 1, 8), exportMemory), 256))).toEqual({ min: 1, max: 8 });
  });

  it('rewrites multi-byte numbers and keeps the sections around the memory intact', () => {
    // min 200 needs two LEB bytes and the cap 65,536 three, so the section grows by two bytes.
    const input = wasm(typeSection, memorySection(0x00, 200), exportMemory);
    const capped = capMemory(input, 65_536);
    expect(capped.length).toBe(input.length + 3);
    expect(WebAssembly.validate(capped)).toBe(true);
    expect(readMemoryLimits(capped)).toEqual({ min: 200, max: 65_536 });
    expect(memoryOf(capped).buffer.byteLength).toBe(200 * 65_536);
  });

  it('returns a module without memory unchanged', () => {
    const input = wasm(typeSection);
    expect(capMemory(input, 16)).toBe(input);
    expect(readMemoryLimits(input)).toBeNull();
  });

  it('refuses a memory that starts above the cap', () => {
    const error = loadError(() => capMemory(wasm(memorySection(0x00, 300)), 256));
    expect(error.code).toBe('MEMORY_UNSUPPORTED');
    expect(error.message).toMatch(/starts at 300 pages, above the cap of 256 pages \(16 MiB\)/);
  });

  it('refuses imported, shared and 64-bit memories', () => {
    const imported = wasm(importSection([], [[...name('env'), ...name('memory'), 0x02, 0x00, 1]]));
    expect(loadError(() => capMemory(imported, 16)).message).toMatch(/imports its memory \("env" "memory"\)/);
    expect(loadError(() => capMemory(wasm(memorySection(0x03, 1, 2)), 16)).message).toMatch(/shared/);
    expect(loadError(() => capMemory(wasm(memorySection(0x04, 1)), 16)).message).toMatch(/64-bit/);
  });

  it('refuses what is not a wasm binary, and caps out of range', () => {
    expect(loadError(() => capMemory(new TextEncoder().encode('hello world'), 16)).code).toBe('INVALID_MODULE');
    expect(loadError(() => capMemory(wasm([5, 10, 1]), 16)).message).toMatch(/runs past the end/);
    expect(() => capMemory(wasm(), 0)).toThrow(RangeError);
    expect(() => capMemory(wasm(), 65_537)).toThrow(RangeError);
  });
});

describe('checkImports', () => {
  const kernel: Array<[string, string]> = [['extism:host/env', 'alloc'], ['extism:host/env', 'input_length'], ['extism:host/env', 'output_set']];
  const module = (imports: Array<[string, string]>, raw: number[][] = []): WasmModule =>
    new WebAssembly.Module(wasm(typeSection, importSection(imports, raw)));

  it('accepts Extism kernel functions and allowed host functions, and lists the host functions', () => {
    const result = checkImports(module([...kernel, ['extism:host/user', 'get_resource']]), allowedHostFunctionsFor(['read']));
    expect(result).toEqual({ hostFunctions: ['get_resource'] });
  });

  it('names each refused import and the permission it needs', () => {
    const error = loadError(() =>
      checkImports(
        module([
          ...kernel,
          ['extism:host/user', 'get_resource'],
          ['extism:host/user', 'http_request'],
          ['extism:host/user', 'teleport'],
          ['extism:host/env', 'http_request'],
          ['extism:host/env', 'sneaky'],
          ['env', 'abort'],
          ['wasi_snapshot_preview1', 'fd_write'],
        ]),
        allowedHostFunctionsFor([]),
      ),
    );
    expect(error.code).toBe('IMPORT_REFUSED');
    expect(error.problems).toEqual([
      'import "extism:host/user" "get_resource" needs permission "read"',
      'import "extism:host/user" "http_request" needs permission "network"',
      'import "extism:host/user" "teleport" is not a host function of plugin ABI v1',
      'import "extism:host/env" "http_request" is Extism\'s own HTTP, which is disabled; use the host function "extism:host/user" "http_request" (permission "network")',
      'import "extism:host/env" "sneaky" is not an Extism kernel function',
      'import "env" "abort" is neither an Extism kernel function ("extism:host/env") nor a host function ("extism:host/user") (AssemblyScript: build with --use abort=<file>/<function>)',
      'import "wasi_snapshot_preview1" "fd_write" is neither an Extism kernel function ("extism:host/env") nor a host function ("extism:host/user")',
    ]);
    expect(error.message).toMatch(/^The plugin imports what its permissions do not allow: import "extism:host\/user" "get_resource" needs permission "read"; /);
  });

  it('refuses imports that are not functions', () => {
    const error = loadError(() => checkImports(module([], [[...name('env'), ...name('memory'), 0x02, 0x00, 1]]), new Set()));
    expect(error.problems).toEqual(['import "env" "memory" is a memory; a plugin may import only functions']);
  });

  it('takes the permission table as a parameter', () => {
    const table = { get_resource: 'read', shout: 'noise' };
    expect(loadError(() => checkImports(module([['extism:host/user', 'shout']]), new Set(), table)).problems).toEqual([
      'import "extism:host/user" "shout" needs permission "noise"',
    ]);
    expect(allowedHostFunctionsFor(['noise'], table)).toEqual(new Set(['shout']));
  });

  it('allows the host functions that need no permission to everyone', () => {
    expect(allowedHostFunctionsFor([])).toEqual(new Set(['get_config', 'get_plugin_agent', 'log']));
    expect(allowedHostFunctionsFor(['storage', 'write'])).toEqual(
      new Set(['get_config', 'get_plugin_agent', 'log', 'kv_get', 'kv_set', 'kv_delete', 'commit', 'commit_batch']),
    );
  });
});

describe('injectFuel', () => {
  // A counting loop, built with binaryen's text parser: spin(n) loops n times and returns n.
  async function spinModule(): Promise<Uint8Array> {
    const { default: binaryen } = await import('binaryen');
    const mod = binaryen.parseText(`(module
      (memory (export "memory") 1)
      (func (export "spin") (param $n i32) (result i32) (local $i i32)
        (block $done (loop $next
          (br_if $done (i32.ge_u (local.get $i) (local.get $n)))
          (local.set $i (i32.add (local.get $i) (i32.const 1)))
          (br $next)))
        (local.get $i)))`);
    try {
      return mod.emitBinary();
    } finally {
      mod.dispose();
    }
  }

  it('adds an exported __fuel counter that traps when the budget is spent', async () => {
    const bytes = await injectFuel(await spinModule());
    const module = new WebAssembly.Module(bytes);
    expect(WebAssembly.Module.imports(module)).toEqual([]); // the hook became internal
    const { exports } = new WebAssembly.Instance(module);
    const fuel = exports[FUEL_EXPORT] as WasmGlobal;
    const spin = exports.spin as (n: number) => number;

    fuel.value = 1_000_000n;
    expect(spin(1000)).toBe(1000);
    const used = 1_000_000n - (fuel.value as bigint);
    expect(used).toBeGreaterThanOrEqual(1000n); // one tick per loop iteration, one per entry
    expect(used).toBeLessThan(1010n);

    fuel.value = 100n;
    expect(() => spin(1000)).toThrow(WebAssembly.RuntimeError);
    expect(fuel.value as bigint).toBeLessThan(0n);
  });

  it('charges bulk memory operations by their size, so that fuel bounds their time too', async () => {
    const { default: binaryen } = await import('binaryen');
    const mod = binaryen.parseText(`(module
      (memory (export "memory") 16)
      (func (export "fill") (param $n i32) (param $bytes i32) (local $i i32)
        (block $done (loop $next
          (br_if $done (i32.ge_u (local.get $i) (local.get $n)))
          (memory.fill (i32.const 0) (i32.const 7) (local.get $bytes))
          (memory.copy (i32.const 131072) (i32.const 0) (local.get $bytes))
          (local.set $i (i32.add (local.get $i) (i32.const 1)))
          (br $next)))))`);
    mod.setFeatures(binaryen.Features.MVP | binaryen.Features.BulkMemory);
    const source = mod.emitBinary();
    mod.dispose();
    const bytes = await injectFuel(source);
    const module = new WebAssembly.Module(bytes);
    expect(WebAssembly.Module.customSections(module, 'atomic-plugin.fuel')).toHaveLength(1);
    const { exports } = new WebAssembly.Instance(module);
    const fuel = exports[FUEL_EXPORT] as WasmGlobal;
    const fill = exports.fill as (n: number, bytes: number) => void;
    const memory = exports.memory as WasmMemory;

    fuel.value = 1_000_000n;
    fill(10, 64 * 1024);
    const used = 1_000_000n - (fuel.value as bigint);
    // 10 iterations × (fill + copy of 64 KiB at one unit per 64 bytes, plus one each) plus the ticks.
    expect(used).toBeGreaterThanOrEqual(10n * 2n * 1025n);
    expect(used).toBeLessThan(10n * 2n * 1025n + 20n);
    expect(new Uint8Array(memory.buffer)[131072 + 100]).toBe(7); // the operations still happen

    // A budget that covers the ticks but not the bytes runs out.
    fuel.value = 5_000n;
    expect(() => fill(10, 64 * 1024)).toThrow(WebAssembly.RuntimeError);
    expect(fuel.value as bigint).toBeLessThan(0n);
  });

  it('refuses a module that already exports __fuel', async () => {
    const { default: binaryen } = await import('binaryen');
    const mod = binaryen.parseText('(module (global (export "__fuel") (mut i64) (i64.const 0)) (func (export "f")))');
    const bytes = mod.emitBinary();
    mod.dispose();
    await expect(injectFuel(bytes)).rejects.toMatchObject({ code: 'INVALID_MODULE', message: expect.stringMatching(/already exports "__fuel"/) });
  });
});
