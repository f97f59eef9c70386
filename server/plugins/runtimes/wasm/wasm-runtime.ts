// The `wasm` runtime: runs one prepared Extism module per instance in a supervised worker thread
// (docs/design/wasm-runtime.md, "Recommended architecture"), and calls that can run on the host's
// own thread in the inline lane in front of it (inline-lane.ts, §7). The supervision (one worker
// per instance, queue, deadline by terminate + pre-warmed spare, re-instantiation after a failed
// call) is shared with the js runtime in ../worker-sandbox.ts; this module adds what is wasm's own:
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
import { PluginLoadError } from '../runtime.js';
import { DEFAULT_INLINE_FUEL, InlineLane } from './inline-lane.js';
import { WebAssembly } from './webassembly.js';
import { loadPreparedModule, prepareModule, type WasmPreparedCode, withMemoryCap } from './prepare.js';

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
export interface WasmRuntimeOptions extends SupervisorOptions {
  /**
   * Run calls on the host's thread while they stay within `inlineFuel`, for plugins that can
   * (inline-lane.ts). Default true.
   */
  readonly inline?: boolean;
  /** The most fuel one inline call may spend before it moves to the worker. Default 500,000. */
  readonly inlineFuel?: number;
}

interface WasmConfig {
  readonly supervisor: SupervisorConfig;
  readonly inline: boolean;
  readonly inlineFuel: number;
}

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
  const supervisor = supervisorConfig(options, {
    workerUrl,
    workerName: 'wasm-plugin',
    // Not the parent's flags; Extism loads node:wasi, whose ExperimentalWarning would print per worker.
    execArgv: ['--disable-warning=ExperimentalWarning'],
    // The worker cannot interrupt wasm itself: the deadline is the terminate.
    deadlineGraceMs: 0,
  });
  const inlineFuel = options.inlineFuel ?? DEFAULT_INLINE_FUEL;
  if (!Number.isSafeInteger(inlineFuel) || inlineFuel < 1) throw new RangeError(`inlineFuel must be a positive integer, not ${inlineFuel}`);
  const config: WasmConfig = { supervisor, inline: options.inline ?? true, inlineFuel };
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

/** Whether calls of this plugin can start inline: see inline-lane.ts for why these conditions. */
function runsInline(prepared: WasmPreparedCode, options: InstantiateOptions, config: WasmConfig): boolean {
  return config.inline && prepared.fuelBoundsTime && options.limits.fuel !== null && options.inlineHostFunctions !== undefined;
}

/** Checks the options, lowers the memory cap if asked, and starts the sandbox (inline lane and worker, or the worker alone). */
async function startWasm(prepared: PreparedCode, options: InstantiateOptions, config: WasmConfig): Promise<PluginInstance> {
  if (!isWasmPrepared(prepared)) {
    throw new TypeError(`the wasm runtime needs code from its own prepare(), not ${prepared.kind} code`);
  }
  const { limits } = options;
  checkTimeout('limits.timeoutMs', limits.timeoutMs);
  checkFuel('limits.fuel', limits.fuel, prepared.fuel);
  const missing = prepared.hostFunctions.filter((name) => typeof options.hostFunctions[name] !== 'function');
  if (missing.length > 0) {
    throw new TypeError(`the module imports host functions with no implementation given: ${missing.join(', ')}`);
  }
  const { module, memoryPages } = await withMemoryCap(prepared, limits.memoryMb);
  const init: Omit<WasmWorkerInit, keyof ChannelInit> = { module, config: { ...options.config }, memoryPages };
  const inline = runsInline(prepared, options, config);
  const worker = await WorkerSandbox.start(
    {
      exports: prepared.exports,
      hostFunctionNames: prepared.hostFunctions,
      hostFunctions: { ...options.hostFunctions },
      init,
      budget: (call: CallOptions) => checkFuel('fuel', call.fuel ?? limits.fuel, prepared.fuel),
    },
    config.supervisor,
    limits,
    !inline, // with the inline lane in front, the worker starts only if a call falls back to it
  );
  if (!inline) return worker;
  try {
    return await InlineLane.start({
      module,
      memoryPages,
      config: { ...options.config },
      hostFunctions: { ...options.inlineHostFunctions },
      imports: prepared.hostFunctions,
      fuel: limits.fuel ?? Number.MAX_SAFE_INTEGER,
      inlineFuel: config.inlineFuel,
      worker,
    });
  } catch (error) {
    await worker.close();
    throw new PluginLoadError('INSTANTIATE_FAILED', error instanceof Error ? error.message : String(error), { cause: error });
  }
}
