// Which permission each host function needs (docs/plugins/abi.md). Shared by every runtime: the
// wasm runtime checks a module's imports against it, the plugin host hands out only what it allows.

/**
 * The ABI v1 host functions (module `extism:host/user`) and the permission each needs; `null`
 * means none (docs/plugins/abi.md, "Host functions").
 */
export const hostFunctionPermissions: Readonly<Record<string, string | null>> = {
  get_resource: 'read',
  query: 'read',
  commit: 'write',
  commit_batch: 'write',
  can: 'read',
  get_config: null,
  get_plugin_agent: null,
  kv_get: 'storage',
  kv_set: 'storage',
  kv_delete: 'storage',
  log: null,
  http_request: 'network',
  call_plugin: 'call-plugins',
  host_stats: 'monitor',
};

/**
 * The host functions a set of granted permissions allows, including those that need none.
 *
 * @example allowedHostFunctionsFor(['read']) // Set { 'get_resource', 'query', 'get_config', … }
 */
export function allowedHostFunctionsFor(
  granted: Iterable<string>,
  permissions: Readonly<Record<string, string | null>> = hostFunctionPermissions,
): Set<string> {
  const grantedSet = new Set(granted);
  const allowed = new Set<string>();
  for (const [name, permission] of Object.entries(permissions)) {
    if (permission === null || grantedSet.has(permission)) allowed.add(name);
  }
  return allowed;
}
