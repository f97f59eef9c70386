// The `wasm` runtime's public surface: what the plugin host imports.

export { createWasmRuntime, wasmCapabilities } from './wasm-runtime.js';
export type { WasmRuntimeOptions } from './wasm-runtime.js';
export {
  capMemory,
  checkImports,
  extismKernelImports,
  FUEL_EXPORT,
  injectFuel,
  loadPreparedModule,
  memoryMbToPages,
  prepareModule,
  readMemoryLimits,
} from './prepare.js';
export type { PrepareModuleOptions, WasmPreparedCode } from './prepare.js';
