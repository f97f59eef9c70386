// The `wasm` runtime: runs one prepared Extism module per instance in a supervised worker thread
// (docs/design/wasm-runtime.md, "Recommended architecture"). The supervision (one worker per
// instance, queue, deadline by terminate + pre-warmed spare, re-instantiation after a failed call)
// is shared with the js runtime in ../worker-sandbox.ts; this module adds what is wasm's own:
// preparing modules, the memory cap written into the module, and the fuel budget per call.
//
// `resourceLimits` bounds the worker's JS heap and stack only; the plugin's linear memory is
// bounded by the cap written into the module at prepare time (prepare.ts).

import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type {
  CallOptions,
  InstantiateOptions,
  PluginInstance,
  PreparedCode,
  PrepareOptions,
  Runtime,
  RuntimeCapabilities,
} from '../runtime.js';
import { checkTimeout, supervisorConfig, WorkerSandbox, type SupervisorConfig, type SupervisorOptions } from '../worker-sandbox.js';
import type { ChannelInit } from '../worker-channel.js';
import type { WasmWorkerInit } from './worker-init.js';
import { WebAssembly } from './webassembly.js';
import { capMemory, loadPreparedModule, memoryMbToPages, prepareModule, type WasmPreparedCode } from './prepare.js';

export { simulateWorkerCrash } from '../worker-sandbox.js';

/** What the `wasm` runtime enforces. Fuel needs code prepared with fuel (the default). */
export const wasmCapabilities = {
  kind: 'wasm',
  deadline: true,
  fuel: true,
  memoryCap: true,
  syncHostFunctions: true,
} as const satisfies RuntimeCapabilities;

/** Options of {@link createWasmRuntime}; every one has a default (see {@link SupervisorOptions}). */
export type WasmRuntimeOptions = SupervisorOptions;

const MAX_FUEL = 2n ** 63n - 1n;

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

/** A fuel budget as the worker wants it: -1 for none. */
function checkFuel(name: string, value: number | null, instrumented: boolean): bigint {
  if (value === null) return -1n;
  if (!Number.isSafeInteger(value) || value < 1) throw new RangeError(`${name} must be a positive integer or null, not ${value}`);
  if (!instrumented) throw new TypeError(`${name} needs code prepared with fuel (prepareModule with fuel: true)`);
  return BigInt(value) > MAX_FUEL ? MAX_FUEL : BigInt(value);
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
  const config = supervisorConfig(options, {
    workerUrl,
    workerName: 'wasm-plugin',
    // Not the parent's flags; Extism loads node:wasi, whose ExperimentalWarning would print per worker.
    execArgv: ['--disable-warning=ExperimentalWarning'],
    // The worker cannot interrupt wasm itself: the deadline is the terminate.
    deadlineGraceMs: 0,
  });
  return {
    capabilities: wasmCapabilities,
    prepare: (code: Uint8Array, prepareOptions: PrepareOptions) => prepareModule(code, prepareOptions),
    restore: (bytes: Uint8Array, restoreOptions: Pick<PrepareOptions, 'allowedHostFunctions'>) => loadPreparedModule(bytes, restoreOptions),
    instantiate: (prepared: PreparedCode, instantiateOptions: InstantiateOptions) => startWasm(prepared, instantiateOptions, config),
  };
}

function isWasmPrepared(prepared: PreparedCode): prepared is WasmPreparedCode {
  return prepared.kind === 'wasm' && (prepared as Partial<WasmPreparedCode>).module instanceof WebAssembly.Module;
}

/** Checks the options, lowers the memory cap if asked, and starts the supervised sandbox. */
async function startWasm(prepared: PreparedCode, options: InstantiateOptions, config: SupervisorConfig): Promise<PluginInstance> {
  if (!isWasmPrepared(prepared)) {
    throw new TypeError(`the wasm runtime needs code from its own prepare(), not ${prepared.kind} code`);
  }
  const { limits } = options;
  checkTimeout('limits.timeoutMs', limits.timeoutMs);
  checkFuel('limits.fuel', limits.fuel, prepared.fuel);
  const pages = memoryMbToPages(limits.memoryMb);
  const missing = prepared.hostFunctions.filter((name) => typeof options.hostFunctions[name] !== 'function');
  if (missing.length > 0) {
    throw new TypeError(`the module imports host functions with no implementation given: ${missing.join(', ')}`);
  }
  // The cap is a maximum: code prepared with a smaller one keeps it; a larger one is lowered.
  let { module, memoryPages } = prepared;
  if (memoryPages !== null && memoryPages > pages) {
    module = await WebAssembly.compile(capMemory(prepared.bytes, pages));
    memoryPages = pages;
  }
  const init: Omit<WasmWorkerInit, keyof ChannelInit> = { module, config: { ...options.config }, memoryPages };
  return WorkerSandbox.start(
    {
      exports: prepared.exports,
      hostFunctionNames: prepared.hostFunctions,
      hostFunctions: { ...options.hostFunctions },
      init,
      budget: (call: CallOptions) => checkFuel('fuel', call.fuel ?? limits.fuel, prepared.fuel),
    },
    config,
    limits,
  );
}
