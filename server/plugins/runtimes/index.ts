// The plugin runtimes: the shared interface and error family, and each sandbox kind behind it.

export {
  PluginCallError,
  pluginCallErrors,
  PluginLoadError,
  pluginLoadErrors,
  PluginRuntimeError,
} from './runtime.js';
export type {
  CallOptions,
  HostFunction,
  InstanceStats,
  InstantiateOptions,
  PluginCallErrorCode,
  PluginInstance,
  PluginLoadErrorCode,
  PreparedCode,
  PrepareOptions,
  Runtime,
  RuntimeCapabilities,
  RuntimeKind,
  RuntimeLimits,
} from './runtime.js';
export * from './wasm/index.js';
export * from './js/index.js';
export * from './process/index.js';
