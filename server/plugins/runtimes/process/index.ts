// The `process` runtime: plugins as their own OS processes speaking JSON-RPC over stdio.

export { createProcessRuntime, processCapabilities, processIdOf } from './process-runtime.js';
export type { ProcessRuntimeOptions } from './process-runtime.js';
export { isNodeEntry, launchSpec, nodePermissionFlag } from './launch.js';
export type { LaunchSpec } from './launch.js';
