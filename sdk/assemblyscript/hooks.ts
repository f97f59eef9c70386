// Reading hook inputs and writing hook outputs (plugin ABI v1, docs/plugins/abi.md). All text goes
// through UTF-8 explicitly (as-pdk 1.0.0's `Host.outputString` breaks on non-ASCII text), and
// through the host's bulk copies (./memory.ts) rather than as-pdk's `Host.input`/`Host.output`.

import { error_set } from "@extism/as-pdk/lib/env";
import { Json, JsonObjectReader, pushJsonString } from "./json";
import { Resource, findHeader } from "./host";
import { readInput, writeBlock, writeOutput } from "./memory";

// ---- raw input and output ----

/** The hook's input as bytes. */
export function inputBytes(): Uint8Array {
  return readInput();
}

/** The hook's input as text (UTF-8). */
export function inputText(): string {
  const bytes = readInput();
  return String.UTF8.decodeUnsafe(bytes.dataStart, <usize>bytes.length);
}

/** The hook's input parsed as JSON; `null` if it is not JSON. */
export function inputJson(): Json | null {
  return Json.parseBytes(readInput());
}

/** Sets the hook's output to `text`, UTF-8 encoded. */
export function outputText(text: string): void {
  writeOutput(Uint8Array.wrap(String.UTF8.encode(text)));
}

/** Sets the hook's output to `value` as JSON. Use this for functions listed in `provides`. */
export function outputJson(value: Json): void {
  writeOutput(value.toBytes());
}

/**
 * Fails the current call with `message` and no trap: `return hookError("...")` from an export. The
 * host sees a plugin error (a refusal for `before_commit`; logged and counted for the hooks that
 * fail open). Returns 1, the Extism return code for an error.
 */
export function hookError(message: string): i32 {
  error_set(writeBlock(Uint8Array.wrap(String.UTF8.encode(message))));
  return 1;
}

function inputObject(): Json {
  const v = inputJson();
  return v !== null && v.isObject ? v : Json.newObject();
}

function nullableString(json: Json, key: string): string | null {
  const v = json.get(key);
  return v !== null && v.isString ? v.asString() : null;
}

function nullableObject(json: Json, key: string): Json | null {
  return json.getObject(key);
}

// ---- init ----

/** Who the plugin is, as the host installed it. */
export class PluginInfo {
  constructor(
    public namespace: string,
    public name: string,
    public version: string,
    /** The plugin agent's subject. */
    public agent: string,
  ) {}
}

/** Input of `init`: the config and the plugin's identity. */
export class InitInput {
  constructor(
    /** The plugin's config object. */
    public config: Json,
    public plugin: PluginInfo,
  ) {}
}

/** Reads the input of the `init` hook. Its output is ignored. */
export function readInit(): InitInput {
  const input = inputObject();
  const config = input.getObject("config");
  const p = input.getObject("plugin");
  const plugin = p === null ? Json.newObject() : p;
  return new InitInput(
    config === null ? Json.newObject() : config,
    new PluginInfo(
      plugin.getString("namespace"),
      plugin.getString("name"),
      plugin.getString("version"),
      plugin.getString("agent"),
    ),
  );
}

// ---- handle_request ----

/** An HTTP request to one of the plugin's endpoints (input of `handle_request`). */
export class Request {
  constructor(
    /** `GET`, `POST`, ... */
    public method: string,
    /** The request path, e.g. `/plugins/acme/probe/echo`. */
    public path: string,
    /** Query parameters (one value each). */
    public query: Map<string, string>,
    /** Request headers (names as the host gives them, normally lower case). */
    public headers: Map<string, string>,
    /** The body as text. */
    public body: string,
    /** The subject of the signed-in agent; `null` for a public request. */
    public agent: string | null,
  ) {}

  /**
   * The path below the plugin's prefix: `/plugins/{namespace}/{name}/items/1` gives `/items/1`
   * (`/` for the prefix itself). Paths outside `/plugins/` (top-level endpoints) are returned as is.
   */
  get route(): string {
    const path = this.path;
    if (!path.startsWith("/plugins/")) return path;
    // Skip "/plugins/", then the namespace and name segments.
    let at = path.indexOf("/", 9);
    if (at < 0) return "/";
    at = path.indexOf("/", at + 1);
    return at < 0 ? "/" : path.substring(at);
  }

  /** Query parameter `name`, or `fallback`. */
  param(name: string, fallback: string = ""): string {
    return this.query.has(name) ? this.query.get(name) : fallback;
  }

  /** Whether query parameter `name` is present. */
  hasParam(name: string): bool {
    return this.query.has(name);
  }

  /** A header by case-insensitive name; `null` if absent. */
  header(name: string): string | null {
    return findHeader(this.headers, name);
  }

  /** The body parsed as JSON; `null` if it is not JSON. */
  json(): Json | null {
    return Json.parse(this.body);
  }
}

/**
 * Reads the input of the `handle_request` hook. It is read member by member rather than through a
 * Json tree: every request pays for it. Input that is not a JSON object gives a `GET /`.
 */
export function readRequest(): Request {
  const reader = JsonObjectReader.ofBytes(readInput());
  let method: string | null = null;
  let path: string | null = null;
  let query = new Map<string, string>();
  let headers = new Map<string, string>();
  let body: string | null = null;
  let agent: string | null = null;
  for (let key = reader.nextKey(); key !== null; key = reader.nextKey()) {
    if (key == "method") method = reader.stringValue();
    else if (key == "path") path = reader.stringValue();
    else if (key == "query") query = reader.stringMapValue();
    else if (key == "headers") headers = reader.stringMapValue();
    else if (key == "body") body = reader.stringValue();
    else if (key == "agent") agent = reader.stringValue();
    else reader.skipValue();
  }
  if (reader.failed) return new Request("GET", "/", new Map<string, string>(), new Map<string, string>(), "", null);
  return new Request(method === null ? "GET" : method, path === null ? "/" : path, query, headers, body === null ? "" : body, agent);
}

/** Answers `handle_request`: status, headers (or `null`) and a text body. */
export function respond(status: i32, headers: Map<string, string> | null, body: string): void {
  // Written directly, not through a Json tree: every request pays for it.
  const out = new Array<string>();
  out.push('{"status":');
  out.push(status.toString());
  out.push(',"headers":{');
  if (headers !== null) {
    const names = headers.keys();
    for (let i = 0; i < names.length; i++) {
      if (i > 0) out.push(",");
      pushJsonString(out, names[i]);
      out.push(":");
      pushJsonString(out, headers.get(names[i]));
    }
  }
  out.push('},"body":');
  pushJsonString(out, body);
  out.push("}");
  outputText(out.join(""));
}

/**
 * Answers `handle_request` with a JSON body; adds `content-type: application/json` (to `headers`,
 * if given) unless a content type is set.
 */
export function respondJson(status: i32, value: Json, headers: Map<string, string> | null = null): void {
  const h = headers === null ? new Map<string, string>() : headers;
  if (findHeader(h, "content-type") === null) h.set("content-type", "application/json");
  respond(status, h, value.stringify());
}

/**
 * Answers `handle_request` with a text body; adds `content-type: text/plain; charset=utf-8` (to
 * `headers`, if given) unless a content type is set.
 */
export function respondText(status: i32, text: string, headers: Map<string, string> | null = null): void {
  const h = headers === null ? new Map<string, string>() : headers;
  if (findHeader(h, "content-type") === null) h.set("content-type", "text/plain; charset=utf-8");
  respond(status, h, text);
}

// ---- before_commit / after_commit ----

const SET = "https://atomicdata.dev/properties/set";
const REMOVE = "https://atomicdata.dev/properties/remove";
const PUSH = "https://atomicdata.dev/properties/push";
const DESTROY = "https://atomicdata.dev/properties/destroy";

/** A resource state of a commit event: an object, or `null`; kept as JSON text until first read. */
class LazyState {
  constructor(
    private value: Json | null,
    private text: Uint8Array | null = null,
  ) {}

  get(): Json | null {
    const text = this.text;
    if (text !== null) {
      this.text = null;
      const parsed = Json.parseBytes(text);
      this.value = parsed !== null && parsed.isObject ? parsed : null;
    }
    return this.value;
  }

  set(value: Json | null): void {
    this.text = null;
    this.value = value;
  }
}

/**
 * A commit on a matching resource (input of `before_commit` and `after_commit`). As read by
 * {@link readCommitEvent}, the resource's states `before` and `after` are parsed when first read:
 * most hooks look at the commit only, and the states are most of the input.
 */
export class CommitEvent {
  private beforeState: LazyState;
  private afterState: LazyState;

  constructor(
    /** The commit as JSON-AD. */
    public commit: Json,
    /** The subject of the changed resource. */
    public subject: string,
    before: Json | null,
    after: Json | null,
    /** The subject of the agent that signed the commit. */
    public signer: string,
  ) {
    this.beforeState = new LazyState(before);
    this.afterState = new LazyState(after);
  }

  /** An event whose states are given as JSON text, parsed when first read. */
  static withStateTexts(commit: Json, subject: string, before: Uint8Array | null, after: Uint8Array | null, signer: string): CommitEvent {
    const event = new CommitEvent(commit, subject, null, null, signer);
    event.beforeState = new LazyState(null, before);
    event.afterState = new LazyState(null, after);
    return event;
  }

  /** The resource's property-value pairs before the commit; `null` if it is new. */
  get before(): Json | null {
    return this.beforeState.get();
  }

  set before(value: Json | null) {
    this.beforeState.set(value);
  }

  /** Its property-value pairs after the commit; `null` if it is destroyed. */
  get after(): Json | null {
    return this.afterState.get();
  }

  set after(value: Json | null) {
    this.afterState.set(value);
  }

  /** The property-value pairs the commit sets (an empty object if none). */
  sets(): Json {
    const s = this.commit.getObject(SET);
    return s === null ? Json.newObject() : s;
  }

  /** The value the commit sets for `property`; `null` if it does not set it. */
  setValue(property: string): Json | null {
    return this.sets().get(property);
  }

  /** The properties the commit removes. */
  removes(): string[] {
    const r = this.commit.getArray(REMOVE);
    return r === null ? new Array<string>() : r.strings();
  }

  /** The values the commit appends, per property (an empty object if none). */
  pushes(): Json {
    const p = this.commit.getObject(PUSH);
    return p === null ? Json.newObject() : p;
  }

  /** Whether the commit destroys the resource. */
  get destroys(): bool {
    return this.commit.getBool(DESTROY);
  }
}

/** Reads the input of `before_commit` or `after_commit`. */
export function readCommitEvent(): CommitEvent {
  const reader = JsonObjectReader.ofBytes(readInput());
  let commit: Json | null = null;
  let subject: string | null = null;
  let signer: string | null = null;
  let before: Uint8Array | null = null;
  let after: Uint8Array | null = null;
  for (let key = reader.nextKey(); key !== null; key = reader.nextKey()) {
    if (key == "commit") commit = reader.value();
    else if (key == "subject") subject = reader.stringValue();
    else if (key == "signer") signer = reader.stringValue();
    else if (key == "before") before = reader.rawValue();
    else if (key == "after") after = reader.rawValue();
    else reader.skipValue();
  }
  if (reader.failed) return new CommitEvent(Json.newObject(), "", null, null, "");
  const commitObject = commit !== null && commit.isObject ? commit : Json.newObject();
  return CommitEvent.withStateTexts(commitObject, subject === null ? "" : subject, before, after, signer === null ? "" : signer);
}

/** Answers `before_commit`: let the commit through. */
export function allow(): void {
  let bytes = allowBytes;
  if (bytes === null) allowBytes = bytes = String.UTF8.encode('{"allow":true}');
  writeOutput(Uint8Array.wrap(bytes));
}

// The answer of almost every before_commit call, encoded on first use (not by a module
// initializer: those run before the SDK's abort handler is set up).
let allowBytes: ArrayBuffer | null = null;

/** Answers `before_commit`: refuse the commit, with a reason shown to the client. */
export function reject(reason: string): void {
  outputJson(Json.newObject().set("allow", false).set("reason", reason));
}

// ---- on_resource_get ----

/** A matching resource about to be served (input of `on_resource_get`). */
export class ResourceGet {
  constructor(
    /** The resource as stored. */
    public resource: Resource,
    /** The subject of the requesting agent; `null` for a public request. */
    public agent: string | null,
  ) {}

  /** The resource's subject. */
  get subject(): string {
    return this.resource.subject;
  }
}

/** Reads the input of `on_resource_get`. */
export function readResourceGet(): ResourceGet {
  const input = inputObject();
  const propvals = input.getObject("resource");
  return new ResourceGet(
    new Resource(input.getString("subject"), propvals === null ? Json.newObject() : propvals),
    nullableString(input, "agent"),
  );
}

/**
 * Answers `on_resource_get`: add or replace the property-value pairs in `set` and drop the
 * properties in `remove` in the served resource (the stored resource is not changed).
 */
export function extend(set: Json | null, remove: string[] | null = null): void {
  const out = Json.newObject();
  if (set !== null) out.set<Json>("set", set);
  if (remove !== null) out.set<string[]>("remove", remove);
  outputJson(out);
}

/** Answers `on_resource_get`: serve the resource unchanged. */
export function unchanged(): void {
  outputJson(Json.newObject());
}

// ---- on_schedule ----

/** A declared schedule fired (input of `on_schedule`). */
export class ScheduleEvent {
  constructor(
    /** The schedule's name from the manifest. */
    public schedule: string,
    /** When it fired, in milliseconds since the epoch. */
    public firedAt: f64,
  ) {}
}

/** Reads the input of `on_schedule`. Its output is ignored. */
export function readSchedule(): ScheduleEvent {
  const input = inputObject();
  return new ScheduleEvent(input.getString("schedule"), input.getNumber("firedAt"));
}

// ---- on_plugin_event ----

/** A plugin was installed, updated or removed (input of `on_plugin_event`). */
export class PluginEvent {
  constructor(
    /** `installed`, `updated` or `removed`. */
    public type: string,
    /** `namespace/name`. */
    public plugin: string,
    /** Its version. */
    public version: string,
  ) {}

  /** The event as JSON, e.g. to store it. */
  toJson(): Json {
    return Json.newObject().set("type", this.type).set("plugin", this.plugin).set("version", this.version);
  }
}

/** Reads the input of `on_plugin_event`. Its output is ignored. */
export function readPluginEvent(): PluginEvent {
  const input = inputObject();
  return new PluginEvent(input.getString("type"), input.getString("plugin"), input.getString("version"));
}
