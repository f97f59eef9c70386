// The AssemblyScript SDK for atomic-plugin plugins (plugin ABI v1, docs/plugins/abi.md).
//
//   json.ts  - `Json`, a JSON value type (parse never traps; UTF-8 safe)
//   host.ts  - the host functions: getResource, query, commit/commitFor, commitBatch/commitBatchFor,
//              can, getConfig, getPluginAgent, kvGet/kvSet/kvDelete, log, httpRequest, callPlugin, hostStats;
//              each returns a Result/Status
//   hooks.ts - reading hook inputs (readRequest, readCommitEvent, ...) and writing hook outputs
//              (respond, allow, reject, extend, outputJson, ...)
//   memory.ts - moving bytes in and out of Extism blocks with the host's bulk copies
//
// Build a plugin from its own folder with:
//   asc index.ts --outFile plugin.wasm --use abort=index/pluginAbort -O3
// where the plugin's index.ts has `import { pluginAbort } from "<path to this SDK>"` (see README.md).

import { log_error } from "@extism/as-pdk/lib/env";
import { Memory } from "@extism/as-pdk";

export * from "./json";
export * from "./host";
export * from "./hooks";
export * from "./memory";

let aborting = false;

/**
 * The abort handler for `asc --use abort=index/pluginAbort`. AssemblyScript calls it on `throw`, failed
 * assertions, out-of-bounds access and out-of-memory. It writes the message to the Extism error log
 * (`log_error`) and traps, so the host sees the call fail. Without it AssemblyScript would import
 * `env.abort`, which the host does not provide.
 */
export function pluginAbort(message: string | null, fileName: string | null, lineNumber: u32, columnNumber: u32): void {
  if (!aborting) {
    // Guard: if allocating the message fails (out of memory), abort is re-entered; then just trap.
    aborting = true;
    const text =
      "abort: " +
      (message === null ? "" : message) +
      " at " +
      (fileName === null ? "?" : fileName) +
      ":" +
      lineNumber.toString() +
      ":" +
      columnNumber.toString();
    log_error(Memory.allocateString(text).offset);
  }
  unreachable();
}
