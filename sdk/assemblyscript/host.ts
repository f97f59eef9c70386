// Typed wrappers over the host functions of plugin ABI v1 (docs/plugins/abi.md). Each one sends its
// JSON request in one Extism memory block and reads the `{"ok": value}` / `{"error": {code,
// message}}` envelope the host answers with. A refusal comes back as a result with an error, never
// as a trap. Each wrapper calls its own import, so a plugin imports only the host functions it
// actually uses (the host refuses imports that the granted permissions do not cover).

import { free } from "@extism/as-pdk/lib/env";
import { Json } from "./json";
import { readBlock, writeBlock } from "./memory";

@external("extism:host/user", "get_resource")
declare function host_get_resource(offset: u64): u64;
@external("extism:host/user", "query")
declare function host_query(offset: u64): u64;
@external("extism:host/user", "commit")
declare function host_commit(offset: u64): u64;
@external("extism:host/user", "commit_batch")
declare function host_commit_batch(offset: u64): u64;
@external("extism:host/user", "can")
declare function host_can(offset: u64): u64;
@external("extism:host/user", "get_config")
declare function host_get_config(offset: u64): u64;
@external("extism:host/user", "get_plugin_agent")
declare function host_get_plugin_agent(offset: u64): u64;
@external("extism:host/user", "kv_get")
declare function host_kv_get(offset: u64): u64;
@external("extism:host/user", "kv_set")
declare function host_kv_set(offset: u64): u64;
@external("extism:host/user", "kv_delete")
declare function host_kv_delete(offset: u64): u64;
@external("extism:host/user", "log")
declare function host_log(offset: u64): u64;
@external("extism:host/user", "http_request")
declare function host_http_request(offset: u64): u64;
@external("extism:host/user", "call_plugin")
declare function host_call_plugin(offset: u64): u64;
@external("extism:host/user", "host_stats")
declare function host_host_stats(offset: u64): u64;

/** Error code the SDK uses when the host's answer is not a valid envelope. */
export const INVALID_RESPONSE = "INVALID_RESPONSE";

/** A refusal or failure reported by the host: a stable code (e.g. `NOT_FOUND`) and a message. */
export class HostError {
  /** For a refused {@link commitBatch}: the place of the refused commit in the batch (else -1). */
  index: i32 = -1;
  /** For a refused {@link commitBatch}: the subject of the refused commit. */
  subject: string = "";

  constructor(
    public code: string,
    public message: string,
  ) {}

  /** `CODE: message`. */
  toString(): string {
    return this.code + ": " + this.message;
  }
}

/** The outcome of a host call that has no value: `ok`, or an error code and message. */
export class Status {
  constructor(public error: HostError | null) {}

  /** Whether the host call succeeded. */
  get ok(): bool {
    return this.error === null;
  }

  /** The error code, or `""` when ok. */
  get code(): string {
    const e = this.error;
    return e === null ? "" : e.code;
  }

  /** The error message, or `""` when ok. */
  get message(): string {
    const e = this.error;
    return e === null ? "" : e.message;
  }
}

/** The outcome of a host call: `value` when `ok`, otherwise `error` (code and message). */
export class Result<T> extends Status {
  constructor(
    public value: T | null,
    error: HostError | null,
  ) {
    super(error);
  }

  /** The value; aborts the plugin call (a trap) with the error if there is none. */
  unwrap(): T {
    const v = this.value;
    if (v === null) {
      const e = this.error;
      throw new Error(e === null ? "no value" : e.toString());
    }
    return v;
  }
}

function fail<T>(code: string, message: string): Result<T> {
  return new Result<T>(null, new HostError(code, message));
}

// ---- memory and envelope plumbing ----

/** Parses a host answer envelope; the `ok` value or the error. Exported for tests and advanced use. */
export function parseEnvelope(bytes: Uint8Array): Result<Json> {
  const env = Json.parseBytes(bytes);
  if (env === null || !env.isObject) {
    return fail<Json>(INVALID_RESPONSE, "the host's answer is not a JSON object");
  }
  const e = env.get("error");
  if (e !== null) {
    const error = new HostError(e.getString("code", INVALID_RESPONSE), e.getString("message", e.isObject ? "" : e.stringify()));
    // A refused batch names the refused commit.
    if (e.isObject && e.has("index")) {
      error.index = <i32>e.getNumber("index", -1);
      error.subject = e.getString("subject");
    }
    return new Result<Json>(null, error);
  }
  const ok = env.get("ok");
  if (ok === null) return fail<Json>(INVALID_RESPONSE, "the host's answer has neither ok nor error");
  return new Result<Json>(ok, null);
}

/** Writes `request` into a memory block for a host function; returns its offset. */
function send(request: Json): u64 {
  return writeBlock(request.toBytes());
}

function receive(requestOffset: u64, answerOffset: u64): Result<Json> {
  free(requestOffset);
  if (answerOffset == 0) return fail<Json>(INVALID_RESPONSE, "the host returned no answer");
  return parseEnvelope(readBlock(answerOffset));
}

function toStatus(r: Result<Json>): Status {
  return new Status(r.error);
}

// ---- resources ----

/** A resource: its subject and its property-value pairs (JSON-AD, keyed by property URL). */
export class Resource {
  constructor(
    /** The resource's URL. */
    public subject: string,
    /** The property-value pairs as a JSON object (without `@id`). */
    public propvals: Json,
  ) {}

  /** Builds a resource from a JSON-AD object with `@id`. */
  static fromJsonAd(json: Json): Resource {
    const propvals = Json.newObject();
    const keys = json.keys();
    for (let i = 0; i < keys.length; i++) {
      if (keys[i] != "@id") propvals.set<Json>(keys[i], json.get(keys[i])!);
    }
    return new Resource(json.getString("@id"), propvals);
  }

  /** The value of `property`; `null` if the resource has none. */
  get(property: string): Json | null {
    return this.propvals.get(property);
  }

  /** Whether the resource has a value for `property`. */
  has(property: string): bool {
    return this.propvals.has(property);
  }

  /** The string value of `property`, or `fallback`. */
  getString(property: string, fallback: string = ""): string {
    return this.propvals.getString(property, fallback);
  }

  /** JSON-AD: the property-value pairs with `@id`. */
  toJsonAd(): Json {
    const out = Json.newObject().set("@id", this.subject);
    const keys = this.propvals.keys();
    for (let i = 0; i < keys.length; i++) out.set<Json>(keys[i], this.propvals.get(keys[i])!);
    return out;
  }
}

/**
 * Reads a resource (permission `read`), with the rights of the plugin's agent. A missing resource
 * is an error result with the host's code (e.g. `NOT_FOUND`).
 */
export function getResource(subject: string): Result<Resource> {
  const req = send(Json.newObject().set("subject", subject));
  const r = receive(req, host_get_resource(req));
  if (!r.ok) return new Result<Resource>(null, r.error);
  const v = r.value!;
  if (!v.isObject) return fail<Resource>(INVALID_RESPONSE, "get_resource did not answer an object");
  return new Result<Resource>(Resource.fromJsonAd(v), null);
}

// ---- query ----

/** Sorting and paging for {@link query}. */
export class QueryOptions {
  /** Property URL to sort by; `null` for no sorting. */
  sortBy: string | null = null;
  /** Sort descending. */
  sortDesc: bool = false;
  /** Page number, from 0; -1 leaves it to the host (first page). */
  page: i32 = -1;
  /** Members per page; -1 leaves it to the host. */
  pageSize: i32 = -1;
  /** Also answer the members' resources (`QueryResult.resources`). */
  includeResources: bool = false;
  /**
   * A cursor: the matches in subject order after this subject (`""` to start), a page at a time;
   * `QueryResult.next` is where the following page starts. `null`: numbered pages. Not with `sortBy`.
   */
  after: string | null = null;
}

/** One page of a query: the member subjects and the total number of matches. */
export class QueryResult {
  /** The members' resources, when asked for with `includeResources`; otherwise empty. */
  resources: Resource[] = [];
  /** With `after`: the cursor of the next page; `null` after the last one (and without `after`). */
  next: string | null = null;

  constructor(
    public members: string[],
    public total: i64,
  ) {}
}

/**
 * Finds the subjects that have `property` (with `value`, if given), as a collection query does
 * (permission `read`). An empty `property` leaves it out of the request: every local resource the
 * plugin's agent may read.
 */
export function query(
  property: string,
  value: string | null = null,
  options: QueryOptions | null = null,
): Result<QueryResult> {
  const body = Json.newObject();
  if (property.length > 0) body.set("property", property);
  if (value !== null) body.set("value", value);
  if (options !== null) {
    const sortBy = options.sortBy;
    if (sortBy !== null) body.set("sort_by", sortBy);
    if (options.sortDesc) body.set("sort_desc", true);
    if (options.page >= 0) body.set("page", options.page);
    if (options.pageSize >= 0) body.set("page_size", options.pageSize);
    if (options.includeResources) body.set("include_resources", true);
    const after = options.after;
    if (after !== null) body.set("after", after);
  }
  const req = send(body);
  const r = receive(req, host_query(req));
  if (!r.ok) return new Result<QueryResult>(null, r.error);
  const v = r.value!;
  const members = v.getArray("members");
  if (members === null) return fail<QueryResult>(INVALID_RESPONSE, "query did not answer members");
  const page = new QueryResult(members.strings(), <i64>v.getNumber("total", <f64>members.length));
  const next = v.get("next");
  if (next !== null && next.isString) page.next = next.asString();
  const resources = v.getArray("resources");
  if (resources !== null) {
    for (let i = 0; i < resources.length; i++) page.resources.push(Resource.fromJsonAd(resources.at(i)!));
  }
  return new Result<QueryResult>(page, null);
}

// ---- commits ----

/**
 * The changes to one resource that {@link commit} sends; the host signs them as the plugin's
 * agent. Methods chain: `new CommitBuilder(s).set(p, "v").remove(q)`.
 */
export class CommitBuilder {
  private sets: Json = Json.newObject();
  private removes: string[] = [];
  private pushes: Json = Json.newObject();
  private destroys: bool = false;

  constructor(
    /** The resource the commit changes. */
    public subject: string,
  ) {}

  /** Sets `property` to `value` (a Json, string, number, boolean or string[]). */
  set<T>(property: string, value: T): CommitBuilder {
    this.sets.set<T>(property, value);
    return this;
  }

  /** Removes `property`. */
  remove(property: string): CommitBuilder {
    this.removes.push(property);
    return this;
  }

  /** Appends `value` to the array value of `property`. */
  push<T>(property: string, value: T): CommitBuilder {
    let list = this.pushes.get(property);
    if (list === null) {
      list = Json.newArray();
      this.pushes.set<Json>(property, list);
    }
    list.push<T>(value);
    return this;
  }

  /** Destroys the resource. */
  destroy(): CommitBuilder {
    this.destroys = true;
    return this;
  }

  /** The `commit` host function's request: `{subject, set?, remove?, push?, destroy?}`. */
  toJson(): Json {
    const out = Json.newObject().set("subject", this.subject);
    if (this.sets.length > 0) out.set<Json>("set", this.sets);
    if (this.removes.length > 0) out.set<string[]>("remove", this.removes);
    if (this.pushes.length > 0) out.set<Json>("push", this.pushes);
    if (this.destroys) out.set("destroy", true);
    return out;
  }
}

/**
 * Applies a commit signed by the plugin's agent (permission `write`, and the agent's rights).
 * The value is the new commit's subject.
 */
export function commit(changes: CommitBuilder): Result<string> {
  return sendCommit(changes.toJson());
}

/**
 * {@link commit} on behalf of `requester`, the `agent` of the request being served: the commit
 * records it and must pass that agent's rights as well as the plugin's. A `null` requester (an
 * anonymous request) is refused with `UNAUTHORIZED`.
 */
export function commitFor(requester: string | null, changes: CommitBuilder): Result<string> {
  return sendCommit(withRequester(changes.toJson(), requester));
}

function withRequester(request: Json, requester: string | null): Json {
  if (requester === null) return request.setNull("on_behalf_of");
  return request.set("on_behalf_of", requester);
}

function sendCommit(request: Json): Result<string> {
  const req = send(request);
  const r = receive(req, host_commit(req));
  if (!r.ok) return new Result<string>(null, r.error);
  const c = r.value!.get("commit");
  if (c === null || !c.isString) return fail<string>(INVALID_RESPONSE, "commit did not answer a commit subject");
  return new Result<string>(c.asString(), null);
}

/**
 * Applies up to 1,000 commits signed by the plugin's agent all or nothing (permission `write`):
 * each is checked against the state the earlier ones leave, then all are written at once. The
 * value is the commits' subjects; a refusal's error has the refused commit's `index` and `subject`.
 */
export function commitBatch(commits: CommitBuilder[]): Result<string[]> {
  return sendBatch(batchRequest(commits));
}

/** {@link commitBatch} on behalf of `requester`, as {@link commitFor}. */
export function commitBatchFor(requester: string | null, commits: CommitBuilder[]): Result<string[]> {
  return sendBatch(withRequester(batchRequest(commits), requester));
}

function batchRequest(commits: CommitBuilder[]): Json {
  const list = Json.newArray();
  for (let i = 0; i < commits.length; i++) list.push<Json>(commits[i].toJson());
  return Json.newObject().set<Json>("commits", list);
}

function sendBatch(request: Json): Result<string[]> {
  const req = send(request);
  const r = receive(req, host_commit_batch(req));
  if (!r.ok) return new Result<string[]>(null, r.error);
  const list = r.value!.getArray("commits");
  if (list === null) return fail<string[]>(INVALID_RESPONSE, "commit_batch did not answer commit subjects");
  return new Result<string[]>(list.strings(), null);
}

// ---- rights ----

/**
 * Which of `subjects` (at most 10,000) `agent` (`null`: anonymous) has `right` on (`"read"`,
 * `"write"` or `"append"`), by the server's own rules (permission `read`). Subjects the plugin's
 * own agent may not read are never listed.
 */
export function can(agent: string | null, right: string, subjects: string[]): Result<string[]> {
  const body = Json.newObject();
  if (agent === null) body.setNull("agent");
  else body.set("agent", agent);
  body.set("right", right).set<string[]>("subjects", subjects);
  const req = send(body);
  const r = receive(req, host_can(req));
  if (!r.ok) return new Result<string[]>(null, r.error);
  const allowed = r.value!.getArray("allowed");
  if (allowed === null) return fail<string[]>(INVALID_RESPONSE, "can did not answer allowed subjects");
  return new Result<string[]>(allowed.strings(), null);
}

// ---- config and identity ----

/** The plugin's configuration object (as validated against its `configSchema`). */
export function getConfig(): Result<Json> {
  const req = send(Json.newObject());
  return receive(req, host_get_config(req));
}

/** The plugin's own agent. */
export class PluginAgent {
  constructor(
    /** The agent's subject URL. */
    public subject: string,
    /** Its Ed25519 public key, base64. */
    public publicKey: string,
  ) {}
}

/** The agent the plugin acts as (it signs the plugin's commits). */
export function getPluginAgent(): Result<PluginAgent> {
  const req = send(Json.newObject());
  const r = receive(req, host_get_plugin_agent(req));
  if (!r.ok) return new Result<PluginAgent>(null, r.error);
  const v = r.value!;
  return new Result<PluginAgent>(new PluginAgent(v.getString("subject"), v.getString("publicKey")), null);
}

// ---- key-value storage ----

/** The JSON value stored at `key` (JSON `null` if none) (permission `storage`). */
export function kvGet(key: string): Result<Json> {
  const req = send(Json.newObject().set("key", key));
  return receive(req, host_kv_get(req));
}

/** Stores `value` (any JSON) at `key` (permission `storage`). */
export function kvSet(key: string, value: Json): Status {
  const req = send(Json.newObject().set("key", key).set<Json>("value", value));
  return toStatus(receive(req, host_kv_set(req)));
}

/** Deletes `key` (permission `storage`). */
export function kvDelete(key: string): Status {
  const req = send(Json.newObject().set("key", key));
  return toStatus(receive(req, host_kv_delete(req)));
}

// ---- logging ----

/** Log levels of the `log` host function. */
export enum LogLevel {
  Debug = 0,
  Info = 1,
  Warn = 2,
  Error = 3,
}

function levelName(level: LogLevel): string {
  switch (level) {
    case LogLevel.Debug:
      return "debug";
    case LogLevel.Warn:
      return "warn";
    case LogLevel.Error:
      return "error";
  }
  return "info";
}

/** Writes to the server's log, attributed to this plugin (no permission needed). */
export function log(level: LogLevel, message: string): Status {
  const req = send(Json.newObject().set("level", levelName(level)).set("message", message));
  return toStatus(receive(req, host_log(req)));
}

// ---- HTTP ----

/** The answer to {@link httpRequest}. */
export class HttpResponse {
  constructor(
    /** HTTP status code. */
    public status: i32,
    /** Response headers (names as the host gives them, normally lower case). */
    public headers: Map<string, string>,
    /** The body as text. */
    public body: string,
  ) {}

  /** A header's value by case-insensitive name; `null` if absent. */
  header(name: string): string | null {
    return findHeader(this.headers, name);
  }

  /** The body parsed as JSON; `null` if it is not JSON. */
  json(): Json | null {
    return Json.parse(this.body);
  }
}

/** A header by case-insensitive name in `headers`; `null` if absent. */
export function findHeader(headers: Map<string, string>, name: string): string | null {
  if (headers.has(name)) return headers.get(name);
  const lower = name.toLowerCase();
  const keys = headers.keys();
  for (let i = 0; i < keys.length; i++) {
    if (keys[i].toLowerCase() == lower) return headers.get(keys[i]);
  }
  return null;
}

/** A JSON object of strings as a map (values that are not strings are serialized). */
export function toStringMap(json: Json | null): Map<string, string> {
  const out = new Map<string, string>();
  if (json === null) return out;
  const keys = json.keys();
  for (let i = 0; i < keys.length; i++) {
    const v = json.get(keys[i])!;
    out.set(keys[i], v.isString ? v.asString() : v.stringify());
  }
  return out;
}

/**
 * Makes an HTTP request through the host (permission `network`, only to the hosts it lists).
 * A refused host or a network failure is an error result; any HTTP status is `ok`.
 */
export function httpRequest(
  method: string,
  url: string,
  headers: Map<string, string> | null = null,
  body: string | null = null,
): Result<HttpResponse> {
  const reqJson = Json.newObject().set("method", method).set("url", url);
  reqJson.set<Json>("headers", headers === null ? Json.newObject() : Json.fromStringMap(headers));
  if (body !== null) reqJson.set("body", body);
  const req = send(reqJson);
  const r = receive(req, host_http_request(req));
  if (!r.ok) return new Result<HttpResponse>(null, r.error);
  const v = r.value!;
  return new Result<HttpResponse>(
    new HttpResponse(<i32>v.getNumber("status"), toStringMap(v.getObject("headers")), v.getString("body")),
    null,
  );
}

// ---- other plugins ----

/**
 * Calls function `fn` that another plugin provides (permission `call-plugins`). `plugin` is
 * `namespace/name@range`, e.g. `acme/greeter@^1.0.0`. The value is the callee's answer.
 */
export function callPlugin(plugin: string, fn: string, input: Json): Result<Json> {
  const req = send(Json.newObject().set("plugin", plugin).set("function", fn).set<Json>("input", input));
  return receive(req, host_call_plugin(req));
}

// ---- the system monitor ----

/**
 * The host's memory, CPU, disk and uptime, and every installed plugin's status and figures
 * (permission `monitor`): `{"host": {...}, "plugins": [...]}` as docs/plugins/abi.md#host_stats says.
 */
export function hostStats(): Result<Json> {
  const req = send(Json.newObject());
  return receive(req, host_host_stats(req));
}
