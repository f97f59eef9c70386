// The TypeScript SDK for `js` plugins (plugin ABI v1) on top of the Extism JS PDK API: hook inputs
// and outputs (hooks.ts) and the host functions (host.ts). See README.md.

/// <reference path="./embed.d.ts" />

export * from './app.js';
export * from './hooks.js';
export * from './host.js';
export type { Json, JsonObject, PropVals } from './types.js';
export type { HostFigures, HostStats, LatencyPercentiles, PluginFigures, PluginState } from '../common/host-stats.js';
