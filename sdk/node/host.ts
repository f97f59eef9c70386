// The host functions of plugin ABI v1, as async functions for process plugins. Each sends a
// JSON-RPC request named after the host function and reads the ABI envelope: the typed helpers
// resolve to the `ok` value and throw a HostError for an `error` answer; hostCall() gives the
// envelope itself. What a plugin may call is gated by the host by its granted permissions.

import { RpcError, type Json } from './json-rpc.js';
import type { HostFunctionName } from './protocol.js';

/** The ABI envelope. */
export type Envelope<T = Json> = { ok: T } | { error: { code: string; message: string } };

/** An error answer from a host function (`PERMISSION_DENIED`, `NOT_FOUND`, `HOST_NOT_ALLOWED`, …). */
export class HostError extends Error {
  readonly code: string;

  constructor(code: string, message: string) {
    super(`${code}: ${message}`);
    this.name = 'HostError';
    this.code = code;
  }
}

/**
 * A host function failed in the host itself (not a refusal). Left uncaught, it fails the call with
 * HOST_FUNCTION_FAILED, as it would for a wasm plugin.
 */
export class HostFunctionFailed extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'HostFunctionFailed';
  }
}

type Sender = (method: string, params: Json | undefined) => Promise<Json>;
let sender: Sender | null = null;

/** Set by definePlugin once the connection is up. */
export function setHostSender(send: Sender | null): void {
  sender = send;
}

/**
 * Calls a host function and resolves to its envelope. `request` is the ABI request object, or a
 * string holding request text that is passed on as it is (for plugins that build their own JSON).
 */
export async function hostCall<T = Json>(name: HostFunctionName, request: Json | undefined = {}): Promise<Envelope<T>> {
  if (sender === null) throw new Error('host functions are available once definePlugin() has connected to the host');
  try {
    return (await sender(name, request)) as unknown as Envelope<T>;
  } catch (error) {
    if (error instanceof RpcError) throw new HostFunctionFailed(error.message);
    throw error;
  }
}

async function ok<T>(name: HostFunctionName, request: Json): Promise<T> {
  const answer = await hostCall<T>(name, request);
  if ('error' in answer) throw new HostError(answer.error.code, answer.error.message);
  return answer.ok;
}

/** A resource as JSON-AD: `@id` and full property URLs. */
export type Resource = { '@id': string } & Record<string, Json>;

/** Reads a resource as the plugin's agent (`read`). */
export const getResource = (subject: string): Promise<Resource> => ok('get_resource', { subject });

/** Runs a collection query as the plugin's agent (`read`). */
export const query = (request: { property?: string; value?: string; sort_by?: string; sort_desc?: boolean; page?: number; page_size?: number }): Promise<{ members: string[]; total: number }> =>
  ok('query', request as Json);

/** Signs and applies a commit as the plugin's agent (`write`); resolves to the commit's subject. */
export const commit = async (changes: { subject: string; set?: Record<string, Json>; remove?: string[]; push?: Record<string, Json[]>; destroy?: boolean }): Promise<string> =>
  (await ok<{ commit: string }>('commit', changes as Json)).commit;

/** The installation's config. */
export const getConfig = <T = Record<string, Json>>(): Promise<T> => ok('get_config', {});

/** The installation's agent: subject and public key. */
export const getPluginAgent = (): Promise<{ subject: string; publicKey: string }> => ok('get_plugin_agent', {});

/** Reads a value from the installation's key/value store (`storage`); null when absent. */
export const kvGet = <T = Json>(key: string): Promise<T | null> => ok('kv_get', { key });

/** Stores a JSON value (`storage`). */
export const kvSet = async (key: string, value: Json): Promise<void> => {
  await ok('kv_set', { key, value });
};

/** Deletes a key (`storage`). */
export const kvDelete = async (key: string): Promise<void> => {
  await ok('kv_delete', { key });
};

/** Writes a line to the plugin's log on the host. */
export const log = async (level: 'debug' | 'info' | 'warn' | 'error', message: string): Promise<void> => {
  await ok('log', { level, message });
};

/** An HTTP request through the host, to the hosts the `network` permission lists. */
export const httpRequest = (request: { method?: string; url: string; headers?: Record<string, string>; body?: string }): Promise<{ status: number; headers: Record<string, string>; body: string }> =>
  ok('http_request', request as Json);

/** Calls a function another plugin provides, by `namespace/name@range` (`call-plugins`). */
export const callPlugin = <T = Json>(plugin: string, fn: string, input: Json): Promise<T> => ok('call_plugin', { plugin, function: fn, input });
