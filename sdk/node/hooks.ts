// The JSON inputs and outputs of the plugin ABI v1 hooks (docs/plugins/abi.md), typed for process
// plugins, and small helpers for the common answers.

import type { Json } from './json-rpc.js';

/** `init` input. */
export interface InitInput {
  config: Record<string, Json>;
  plugin: { namespace: string; name: string; version: string; agent: string };
}

/** `handle_request` input. */
export interface HttpRequestInput {
  method: string;
  /** The full request path. */
  path: string;
  /** One value per name (the last of a repeated one). */
  query: Record<string, string>;
  /** The query string as sent, without `?`: parse it for names given more than once. */
  queryString: string;
  headers: Record<string, string>;
  /** The body: UTF-8 text, or base64 when `bodyEncoding` says so (see {@link requestBytes}). */
  body: string;
  /** `"base64"` when the body's bytes are not UTF-8 text (an upload of an image). */
  bodyEncoding?: 'base64';
  agent: string | null;
  /** Grows whenever the server's resources change: what the host answered for one revision holds for every request of it ({@link RightsCache}). */
  revision: number;
}

/** `handle_request` output. */
export interface HttpResponse {
  status: number;
  headers?: Record<string, string>;
  body?: string;
  /** `"base64"` when `body` is base64 for bytes (see {@link bytes}). */
  bodyEncoding?: 'base64';
}

/** `before_commit` / `after_commit` input. */
export interface CommitEvent {
  commit: Record<string, Json>;
  subject: string;
  before: Record<string, Json> | null;
  after: Record<string, Json> | null;
  signer: string;
}

/** `on_resource_get` input. */
export interface ResourceGetInput {
  subject: string;
  resource: Record<string, Json>;
  agent: string | null;
}

/** `on_schedule` input. */
export interface ScheduleInput {
  schedule: string;
  firedAt: number;
}

/** `on_plugin_event` input. */
export interface PluginEventInput {
  type: 'installed' | 'updated' | 'removed';
  plugin: string;
  version: string;
}

/**
 * The path below the plugin's prefix: `/plugins/{namespace}/{name}/items/1` gives `/items/1` (`/`
 * for the prefix itself). Paths outside `/plugins/` (top-level endpoints) are returned as they are.
 */
export function routeOf(path: string): string {
  if (!path.startsWith('/plugins/')) return path;
  const parts = path.split('/'); // ['', 'plugins', namespace, name, ...]
  return parts.length <= 4 ? '/' : `/${parts.slice(4).join('/')}`;
}

/** A text answer (`content-type: text/plain; charset=utf-8` unless given). */
export function text(status: number, body: string, headers: Record<string, string> = {}): HttpResponse {
  return { status, headers: { 'content-type': 'text/plain; charset=utf-8', ...headers }, body };
}

/** A JSON answer. */
export function json(status: number, value: unknown, headers: Record<string, string> = {}): HttpResponse {
  return { status, headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify(value) };
}

/** A refusal a handler throws: its HTTP status, message and extra headers (`allow`, `retry-after`). */
export class HttpError extends Error {
  constructor(
    readonly status: number,
    message: string,
    readonly headers: Readonly<Record<string, string>> = {},
  ) {
    super(message);
    this.name = 'HttpError';
  }
}

/** The answer for a refusal: JSON `{"error": message}` with its status and headers. */
export function errorReply(error: HttpError): HttpResponse {
  return json(error.status, { error: error.message }, { ...error.headers });
}

/** The request body's bytes, whichever way the host sent them. */
export function requestBytes(request: Pick<HttpRequestInput, 'body' | 'bodyEncoding'>): Buffer {
  return Buffer.from(request.body, request.bodyEncoding === 'base64' ? 'base64' : 'utf8');
}

/** An answer of bytes (a file, an image), sent as base64 and served as the bytes themselves. */
export function bytes(status: number, data: Uint8Array, headers: Record<string, string> = {}): HttpResponse {
  return { status, headers: { 'content-type': 'application/octet-stream', ...headers }, body: Buffer.from(data.buffer, data.byteOffset, data.byteLength).toString('base64'), bodyEncoding: 'base64' };
}

/** The value a commit event sets for `property`, if any. */
export function setValue(event: CommitEvent, property: string): Json | undefined {
  const set = event.commit['https://atomicdata.dev/properties/set'];
  if (typeof set !== 'object' || set === null || Array.isArray(set)) return undefined;
  return set[property];
}
