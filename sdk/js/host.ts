// Typed wrappers over the host functions of plugin ABI v1 (docs/plugins/abi.md) on top of the
// Extism JS PDK API: each sends its JSON request in a PDK memory block through
// `Host.getFunctions()` and reads the `{"ok": value}` / `{"error": {code, message}}` envelope the
// host answers with. A refusal comes back as a result with an error, never as an exception; a host
// function the plugin's permissions do not cover throws, failing the call.

/// <reference path="./pdk.d.ts" />

import type { HostStats } from '../common/host-stats.js';
import type { Json, JsonObject, PropVals } from './types.js';

/** A refusal or failure reported by the host: a stable code (e.g. `NOT_FOUND`) and a message. */
export interface HostError {
  readonly code: string;
  readonly message: string;
  /** For a refused {@link commitBatch}: the place of the refused commit in the batch, and its subject. */
  readonly index?: number;
  readonly subject?: string;
}

// The HTTP status that fits each refusal of a commit (or read) on a requester's behalf.
const REFUSAL_STATUS: Readonly<Record<string, number>> = {
  UNAUTHORIZED: 401,
  FORBIDDEN: 403,
  PLUGIN_REJECTED: 403,
  NOT_FOUND: 404,
  PREVIOUS_COMMIT_MISMATCH: 409,
  COMMIT_REPLAYED: 409,
  INVALID_VALUE: 400,
  INVALID_COMMIT: 400,
  INVALID_SUBJECT: 400,
  FOREIGN_SUBJECT: 400,
};

/**
 * The HTTP status an endpoint answers when the host refused something it did for the requester
 * (`UNAUTHORIZED` 401, `FORBIDDEN` 403, `INVALID_VALUE` 400, `PREVIOUS_COMMIT_MISMATCH` 409...),
 * or `undefined` for failures that are not the requester's doing (answer those with a 5xx).
 */
export function refusalStatus(error: HostError): number | undefined {
  return REFUSAL_STATUS[error.code];
}

/** The outcome of a host call: `value` when `ok`, otherwise `error`. */
export type HostResult<T> = { readonly ok: true; readonly value: T } | { readonly ok: false; readonly error: HostError };

/** Error code the SDK uses when the host's answer is not a valid envelope. */
export const INVALID_RESPONSE = 'INVALID_RESPONSE';

/** The names of the ABI's host functions (the `extism:host` user functions). */
export type HostFunctionName = keyof import('extism:host').user;

function fail<T>(code: string, message: string): HostResult<T> {
  return { ok: false, error: { code, message } };
}

/** Parses a host answer envelope. Exported for tests and advanced use. */
export function parseEnvelope(text: string): HostResult<Json> {
  let envelope: unknown;
  try {
    envelope = JSON.parse(text);
  } catch {
    return fail(INVALID_RESPONSE, "the host's answer is not JSON");
  }
  if (envelope === null || typeof envelope !== 'object' || Array.isArray(envelope)) return fail(INVALID_RESPONSE, "the host's answer is not a JSON object");
  const { ok, error } = envelope as { ok?: Json; error?: { code?: unknown; message?: unknown; index?: unknown; subject?: unknown } };
  if (error !== undefined) {
    const code = typeof error?.code === 'string' ? error.code : INVALID_RESPONSE;
    const message = typeof error?.message === 'string' ? error.message : JSON.stringify(error);
    // A refused batch names the refused commit.
    const at = typeof error?.index === 'number' ? { index: error.index, subject: typeof error.subject === 'string' ? error.subject : '' } : {};
    return { ok: false, error: { code, message, ...at } };
  }
  if (ok === undefined) return fail(INVALID_RESPONSE, "the host's answer has neither ok nor error");
  return { ok: true, value: ok };
}

/**
 * Calls host function `name` with a JSON request and returns the parsed envelope. Throws (failing
 * the call) only if the plugin may not call `name` at all.
 */
export function callHost(name: HostFunctionName, request: JsonObject): HostResult<Json> {
  const fn = Host.getFunctions()[name];
  const input = Memory.fromString(JSON.stringify(request));
  const answer = Memory.find(fn(input.offset));
  const text = answer.readString();
  input.free();
  answer.free();
  return parseEnvelope(text);
}

function map<T>(result: HostResult<Json>, read: (value: Json) => T | undefined, what: string): HostResult<T> {
  if (!result.ok) return result;
  const value = read(result.value);
  return value === undefined ? fail(INVALID_RESPONSE, what) : { ok: true, value };
}

function isObject(value: Json | undefined): value is JsonObject {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

/** The value of a result; throws (failing the call) with the host's error if there is none. */
export function unwrap<T>(result: HostResult<T>): T {
  if (result.ok) return result.value;
  throw new Error(`${result.error.code}: ${result.error.message}`);
}

/** A resource as the host answers it: JSON-AD, with `@id`. */
export interface Resource extends PropVals {
  readonly '@id': string;
}

/** Reads a resource (permission `read`) with the rights of the plugin's agent. */
export function getResource(subject: string): HostResult<Resource> {
  return map(callHost('get_resource', { subject }), (v) => (isObject(v) ? (v as Resource) : undefined), 'get_resource did not answer an object');
}

/** Options of {@link query}. */
export interface QueryOptions {
  readonly sortBy?: string;
  readonly sortDesc?: boolean;
  readonly page?: number;
  readonly pageSize?: number;
  /** Also answer the members' resources, so that mirroring the store takes no call per resource. */
  readonly includeResources?: boolean;
  /**
   * A cursor: the matches in subject order after this subject (`''` to start), a page at a time;
   * the answer's `next` is where the following page starts. Not with `sortBy`.
   */
  readonly after?: string;
}

/** A page of subjects, and how many there are in all; with `includeResources`, the resources too. */
export interface QueryResult {
  readonly members: string[];
  /** How many match in all; -1 with `after` (not counted). */
  readonly total: number;
  readonly resources?: Resource[];
  /** With `after`: the cursor of the next page, or `null` after the last one. */
  readonly next?: string | null;
}

/**
 * Finds the subjects that have `property` (with `value`, if given), as a collection query does
 * (permission `read`). An empty `property` leaves it out: every local resource the plugin's agent
 * may read.
 */
export function query(property: string, value: string | null = null, options: QueryOptions = {}): HostResult<QueryResult> {
  const request: JsonObject = {};
  if (property !== '') request.property = property;
  if (value !== null) request.value = value;
  if (options.sortBy !== undefined) request.sort_by = options.sortBy;
  if (options.sortDesc) request.sort_desc = true;
  if (options.page !== undefined) request.page = options.page;
  if (options.pageSize !== undefined) request.page_size = options.pageSize;
  if (options.includeResources) request.include_resources = true;
  if (options.after !== undefined) request.after = options.after;
  return map(
    callHost('query', request),
    (v) => {
      if (!isObject(v) || !Array.isArray(v.members)) return undefined;
      const members = v.members.filter((m): m is string => typeof m === 'string');
      const total = typeof v.total === 'number' ? v.total : members.length;
      const next = 'next' in v ? { next: typeof v.next === 'string' ? v.next : null } : {};
      if (!Array.isArray(v.resources)) return { members, total, ...next };
      return { members, total, resources: v.resources.filter((r): r is Resource => isObject(r) && typeof r['@id'] === 'string'), ...next };
    },
    'query did not answer members',
  );
}

/** The most members one {@link query} page holds (the host's cap). */
export const MAX_QUERY_PAGE = 1000;

/**
 * Every match of a {@link query}, 1,000 at a time: by cursor, in subject order (each page costs
 * its own length), or, with `options.sortBy`, by numbered pages in that order (each page rescans
 * the matches before it).
 */
export function queryAll(property: string, value: string | null = null, options: Omit<QueryOptions, 'page' | 'pageSize' | 'after'> = {}): HostResult<QueryResult> {
  const members: string[] = [];
  const resources: Resource[] = [];
  const sorted = options.sortBy !== undefined;
  let after = '';
  for (let page = 0; ; page++) {
    const result = query(property, value, { ...options, pageSize: MAX_QUERY_PAGE, ...(sorted ? { page } : { after }) });
    if (!result.ok) return result;
    members.push(...result.value.members);
    resources.push(...(result.value.resources ?? []));
    const done = sorted ? result.value.members.length < MAX_QUERY_PAGE || members.length >= result.value.total : typeof result.value.next !== 'string';
    if (done) return { ok: true, value: options.includeResources ? { members, total: members.length, resources } : { members, total: members.length } };
    if (!sorted) after = result.value.next as string;
  }
}

/** The changes of a commit the plugin's agent signs. */
export interface CommitChanges {
  readonly subject: string;
  readonly set?: PropVals;
  readonly remove?: readonly string[];
  readonly push?: Readonly<Record<string, readonly Json[]>>;
  readonly destroy?: boolean;
}

/** Options of {@link commit} and {@link commitBatch}. */
export interface CommitOptions {
  /**
   * The requester of the HTTP request being served (its `agent`): the commit records it and must
   * pass that agent's rights as well as the plugin's. `null` (anonymous) is refused (UNAUTHORIZED).
   */
  readonly onBehalfOf?: string | null;
}

function changesRequest(changes: CommitChanges): JsonObject {
  const request: JsonObject = { subject: changes.subject };
  if (changes.set && Object.keys(changes.set).length > 0) request.set = { ...changes.set };
  if (changes.remove && changes.remove.length > 0) request.remove = [...changes.remove];
  if (changes.push && Object.keys(changes.push).length > 0) request.push = Object.fromEntries(Object.entries(changes.push).map(([k, v]) => [k, [...v]]));
  if (changes.destroy) request.destroy = true;
  return request;
}

function withBehalf(request: JsonObject, options: CommitOptions): JsonObject {
  if (options.onBehalfOf !== undefined) request.on_behalf_of = options.onBehalfOf;
  return request;
}

/** Applies a commit signed by the plugin's agent (permission `write`); the value is the commit's subject. */
export function commit(changes: CommitChanges, options: CommitOptions = {}): HostResult<string> {
  return map(callHost('commit', withBehalf(changesRequest(changes), options)), (v) => (isObject(v) && typeof v.commit === 'string' ? v.commit : undefined), 'commit did not answer a commit subject');
}

/**
 * Applies up to 1,000 commits signed by the plugin's agent all or nothing (permission `write`):
 * each is checked against the state the earlier ones leave, then all are written at once. The
 * value is the commits' subjects; a refusal's error has the refused commit's `index` and `subject`.
 */
export function commitBatch(commits: readonly CommitChanges[], options: CommitOptions = {}): HostResult<string[]> {
  return map(
    callHost('commit_batch', withBehalf({ commits: commits.map(changesRequest) }, options)),
    (v) => (isObject(v) && Array.isArray(v.commits) && v.commits.every((c) => typeof c === 'string') ? (v.commits as string[]) : undefined),
    'commit_batch did not answer commit subjects',
  );
}

/** A right {@link can} asks about. */
export type Right = 'read' | 'write' | 'append';

/**
 * Which of `subjects` (at most 10,000) `agent` (null: anonymous) has `right` on, by the server's
 * own rules (permission `read`). Subjects the plugin's own agent may not read are never listed.
 */
export function can(agent: string | null, right: Right, subjects: readonly string[]): HostResult<string[]> {
  return map(
    callHost('can', { agent, right, subjects: [...subjects] }),
    (v) => (isObject(v) && Array.isArray(v.allowed) ? v.allowed.filter((s): s is string => typeof s === 'string') : undefined),
    'can did not answer allowed subjects',
  );
}

/** The plugin's configuration object (as validated against its `configSchema`). */
export function getConfig(): HostResult<JsonObject> {
  return map(callHost('get_config', {}), (v) => (isObject(v) ? v : undefined), 'get_config did not answer an object');
}

/** The agent the plugin acts as. */
export interface PluginAgent {
  readonly subject: string;
  /** Its Ed25519 public key, base64. */
  readonly publicKey: string;
}

/** The plugin's own agent (it signs the plugin's commits). */
export function getPluginAgent(): HostResult<PluginAgent> {
  return map(
    callHost('get_plugin_agent', {}),
    (v) => (isObject(v) && typeof v.subject === 'string' && typeof v.publicKey === 'string' ? { subject: v.subject, publicKey: v.publicKey } : undefined),
    'get_plugin_agent did not answer an agent',
  );
}

/** The JSON value stored at `key`, `null` if none (permission `storage`). */
export function kvGet(key: string): HostResult<Json> {
  return callHost('kv_get', { key });
}

/** Stores `value` (any JSON) at `key` (permission `storage`). */
export function kvSet(key: string, value: Json): HostResult<true> {
  return map(callHost('kv_set', { key, value }), () => true as const, '');
}

/** Deletes `key` (permission `storage`). */
export function kvDelete(key: string): HostResult<true> {
  return map(callHost('kv_delete', { key }), () => true as const, '');
}

/** Log levels of the `log` host function. */
export type LogLevel = 'debug' | 'info' | 'warn' | 'error';

/** Writes to the plugin's log on the server (no permission needed). */
export function log(level: LogLevel, message: string): HostResult<true> {
  return map(callHost('log', { level, message }), () => true as const, '');
}

/** The answer to {@link httpRequest}. */
export interface HttpResponse {
  readonly status: number;
  /** Response headers (names as the host gives them, normally lower case). */
  readonly headers: Record<string, string>;
  readonly body: string;
}

/**
 * Makes an HTTP request through the host (permission `network`, only to the hosts it lists). A
 * refused host or a network failure is an error result; any HTTP status is `ok`. (The PDK's
 * `Http.request` goes through the same host function, but throws on a refusal.)
 */
export function httpRequest(method: string, url: string, headers: Record<string, string> = {}, body: string | null = null): HostResult<HttpResponse> {
  const request: JsonObject = { method, url, headers: { ...headers } };
  if (body !== null) request.body = body;
  return map(
    callHost('http_request', request),
    (v) => {
      if (!isObject(v) || typeof v.status !== 'number') return undefined;
      const out: Record<string, string> = {};
      if (isObject(v.headers)) for (const [k, h] of Object.entries(v.headers)) out[k] = typeof h === 'string' ? h : JSON.stringify(h);
      return { status: v.status, headers: out, body: typeof v.body === 'string' ? v.body : '' };
    },
    'http_request did not answer a response',
  );
}

/**
 * Calls function `fn` that another plugin provides (permission `call-plugins`). `plugin` is
 * `namespace/name@range`, e.g. `acme/greeter@^1.0.0`. The value is the callee's answer.
 */
export function callPlugin(plugin: string, fn: string, input: Json): HostResult<Json> {
  return callHost('call_plugin', { plugin, function: fn, input });
}

/**
 * The host's memory, CPU, disk and uptime, and every installed plugin's status and figures
 * (permission `monitor`; docs/plugins/abi.md#host_stats).
 */
export function hostStats(): HostResult<HostStats> {
  return map(
    callHost('host_stats', {}),
    (v) => (isObject(v) && isObject(v.host) && Array.isArray(v.plugins) ? (v as unknown as HostStats) : undefined),
    'host_stats did not answer host and plugins',
  );
}
