// The PDK globals for plugin authors: `@extism/js-pdk`'s own declarations (Host, Memory, Config,
// Var, Http, console, TextEncoder/TextDecoder), plus the host functions of plugin ABI v1 that
// `Host.getFunctions()` offers. extism-js reads the same `extism:host` declarations to generate a
// module's imports, so a plugin that compiles with extism-js imports exactly these.

/// <reference types="@extism/js-pdk" />

declare module 'extism:host' {
  interface user {
    get_resource(ptr: PTR): PTR;
    query(ptr: PTR): PTR;
    commit(ptr: PTR): PTR;
    commit_batch(ptr: PTR): PTR;
    can(ptr: PTR): PTR;
    get_config(ptr: PTR): PTR;
    get_plugin_agent(ptr: PTR): PTR;
    kv_get(ptr: PTR): PTR;
    kv_set(ptr: PTR): PTR;
    kv_delete(ptr: PTR): PTR;
    log(ptr: PTR): PTR;
    http_request(ptr: PTR): PTR;
    call_plugin(ptr: PTR): PTR;
    host_stats(ptr: PTR): PTR;
  }
}

// Node's and the DOM's CommonJS globals are not there; the bundle's `module.exports` is written by esbuild.
