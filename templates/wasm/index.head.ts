// {{namespace}}/{{name}}: {{description}}
// An atomic-plugin wasm plugin in AssemblyScript. Build and package it with `npm run build`
// (`atomic-plugin build`); the API is in node_modules/atomic-plugin/sdk/assemblyscript/README.md.

import {
{{imports}}
} from "atomic-plugin/sdk/assemblyscript";

// AssemblyScript's abort handler (`asc --use abort=index/myAbort`, which `atomic-plugin build`
// passes): reports the message to the host and stops the call.
function myAbort(message: string | null, file: string | null, line: u32, column: u32): void {
  pluginAbort(message, file, line, column);
}

/** Called after the plugin is loaded and after every config change. */
export function init(): i32 {
  const input = readInit();
  log(LogLevel.Info, "{{namespace}}/{{name}} " + input.plugin.version + " ready");
  return 0;
}
