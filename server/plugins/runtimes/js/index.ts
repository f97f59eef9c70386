// The `js` runtime's public surface: what the plugin host imports.

export { createJsRuntime, jsCapabilities } from './js-runtime.js';
export type { JsPreparedCode, JsRuntimeOptions } from './js-runtime.js';
