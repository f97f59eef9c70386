// The TypeScript SDK for `js` plugins (plugin ABI v1) on top of the Extism JS PDK API: hook inputs
// and outputs (hooks.ts), the host functions (host.ts), and helpers on top of them: the server's
// URL (server-url.ts), resources kept in place (ensure.ts, ontology.ts) and core URLs (urls.ts).
// See README.md.

/// <reference path="./embed.d.ts" />

export * from './app.js';
export * from './hooks.js';
export * from './host.js';
export * from './ensure.js';
export * from './server-url.js';
export * from './ontology.js';
export * from './urls.js';
export type { Json, JsonObject, PropVals } from './types.js';
export type { HostFigures, HostStats, LatencyPercentiles, PluginFigures, PluginState } from '../common/host-stats.js';
