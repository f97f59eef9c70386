// The messages of the process plugin protocol, version 1 (docs/design/process-runtime.md): what
// the host and a process plugin send each other over newline-delimited JSON-RPC 2.0. Types only,
// plus the version, so that both ends are checked against one definition.

import type { Json } from './json-rpc.js';

/** The protocol version this SDK and host speak. */
export const PROTOCOL_VERSION = 1;

/** Host → plugin methods. */
export const hostMethods = {
  /** Request, first message: {@link InitializeParams} → {@link InitializeResult}. */
  initialize: 'initialize',
  /** Request: `{}` → `{}`. Heartbeat; a plugin that does not answer while idle is treated as hung. */
  ping: 'ping',
  /** Request: {@link CallParams} → {@link CallResult}. One hook or export call (plugin ABI v1). */
  call: 'call',
  /** Notification: the plugin should finish and exit; the host closes stdin and kills it after a grace period. */
  shutdown: 'shutdown',
} as const;

/** The plugin's agent: it signs its own requests and commits with it. */
export interface AgentCredentials {
  subject: string;
  publicKey: string;
  /** Base64 of the 32-byte Ed25519 seed. Never on the command line or in the environment. */
  secret: string;
}

/** What the host tells the plugin first. */
export interface InitializeParams {
  protocol: number;
  /** The host software. */
  host: { name: string; version: string };
  /** Who the plugin is, from its manifest. */
  plugin: { namespace: string; name: string; version: string };
  /** The server's URL, for the plugin's own Atomic Data requests. */
  serverUrl: string | null;
  agent: AgentCredentials | null;
  /** The extracted package (read-only) and the plugin's own writable folder. */
  runDir: string | null;
  dataDir: string | null;
  /** Host functions this installation may call (its granted permissions). */
  hostFunctions: string[];
  /** How often the host pings. */
  heartbeatMs: number;
}

/** The plugin's answer to `initialize`. */
export interface InitializeResult {
  protocol: number;
  /** The plugin's name and version, as it knows them (checked against the manifest's). */
  name: string;
  version: string;
  /** The hooks and provided functions it answers (plugin ABI v1 export names). */
  exports: string[];
}

/** One call of an export: `input` is the ABI's JSON input. */
export interface CallParams {
  export: string;
  input: Json;
}

/**
 * The export's output: `output` is serialized as JSON; `outputText` is taken as the output bytes
 * as they are (a plugin may answer anything, as a wasm module may); neither is an empty output.
 */
export interface CallResult {
  output?: Json;
  outputText?: string;
}

/**
 * Plugin → host requests are the host functions of plugin ABI v1 under their own names
 * (`get_resource`, `kv_get`, …). `params` is the ABI's request object (or a string holding the
 * request's JSON text, passed on as it is); the result is the ABI's envelope, `{"ok": …}` or
 * `{"error": {"code", "message"}}`.
 */
export type HostFunctionName =
  | 'get_resource'
  | 'query'
  | 'commit'
  | 'commit_batch'
  | 'can'
  | 'get_config'
  | 'get_plugin_agent'
  | 'kv_get'
  | 'kv_set'
  | 'kv_delete'
  | 'log'
  | 'http_request'
  | 'call_plugin'
  | 'host_stats';
