// Reading hook inputs and writing hook outputs (plugin ABI v1, docs/plugins/abi.md) on top of the
// Extism JS PDK API. Every export of a plugin is a hook or a provided function: it reads its input
// with one `read…` function and answers with the matching output function.

/// <reference path="./pdk.d.ts" />

import type { Json, JsonObject, PropVals } from './types.js';
import { core } from './urls.js';

const { set: SET, remove: REMOVE, push: PUSH, destroy: DESTROY } = core.properties;

function isObject(value: unknown): value is JsonObject {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

function stringOr(value: unknown, fallback: string): string {
  return typeof value === 'string' ? value : fallback;
}

function stringMap(value: unknown): Record<string, string> {
  const out: Record<string, string> = {};
  if (isObject(value)) for (const [k, v] of Object.entries(value)) out[k] = typeof v === 'string' ? v : JSON.stringify(v);
  return out;
}

// ---- raw input and output ----

/** The hook's input as text (UTF-8). */
export function inputText(): string {
  return Host.inputString();
}

/** The hook's input parsed as JSON; `null` if it is not JSON. */
export function inputJson(): Json {
  try {
    return JSON.parse(Host.inputString()) as Json;
  } catch {
    return null;
  }
}

function inputObject(): JsonObject {
  const value = inputJson();
  return isObject(value) ? value : {};
}

/** Sets the hook's output to `text` (UTF-8). */
export function outputText(text: string): void {
  Host.outputString(text);
}

/** Sets the hook's output to `value` as JSON. Use this for functions listed in `provides`. */
export function outputJson(value: Json): void {
  Host.outputString(JSON.stringify(value));
}

/**
 * Fails the current call with `message`: `return hookError("...")` from an export. The host sees a
 * plugin error (a refusal for `before_commit`; logged and counted for the hooks that fail open).
 */
export function hookError(message: string): never {
  throw new Error(message);
}

// ---- init ----

/** Who the plugin is, as the host installed it. */
export interface PluginInfo {
  readonly namespace: string;
  readonly name: string;
  readonly version: string;
  /** The plugin agent's subject. */
  readonly agent: string;
}

/** Input of `init`: the config and the plugin's identity. Its output is ignored. */
export interface InitInput {
  readonly config: JsonObject;
  readonly plugin: PluginInfo;
}

/** Reads the input of the `init` hook. */
export function readInit(): InitInput {
  const input = inputObject();
  const plugin = isObject(input.plugin) ? input.plugin : {};
  return {
    config: isObject(input.config) ? input.config : {},
    plugin: {
      namespace: stringOr(plugin.namespace, ''),
      name: stringOr(plugin.name, ''),
      version: stringOr(plugin.version, ''),
      agent: stringOr(plugin.agent, ''),
    },
  };
}

// ---- handle_request ----

/** An HTTP request to one of the plugin's endpoints (input of `handle_request`). */
export class Request {
  constructor(
    /** `GET`, `POST`, ... */
    readonly method: string,
    /** The request path, e.g. `/plugins/acme/probe/echo`. */
    readonly path: string,
    /** Query parameters (one value each). */
    readonly query: Readonly<Record<string, string>>,
    /** Request headers (names as the host gives them, normally lower case). */
    readonly headers: Readonly<Record<string, string>>,
    /** The body as text. */
    readonly body: string,
    /** The subject of the signed-in agent; `null` for a public request. */
    readonly agent: string | null,
    /** The query as sent, without `?` (for repeated names, or to rebuild the requested URL). */
    readonly queryString: string = '',
  ) {}

  /**
   * The path below the plugin's prefix: `/plugins/{namespace}/{name}/items/1` gives `/items/1`
   * (`/` for the prefix itself). Paths outside `/plugins/` (top-level endpoints) are returned as is.
   */
  get route(): string {
    if (!this.path.startsWith('/plugins/')) return this.path;
    const rest = this.path.split('/').slice(4);
    return `/${rest.join('/')}`;
  }

  /** Query parameter `name`, or `fallback`. */
  param(name: string, fallback = ''): string {
    return Object.prototype.hasOwnProperty.call(this.query, name) ? this.query[name]! : fallback;
  }

  /** Whether query parameter `name` is present. */
  hasParam(name: string): boolean {
    return Object.prototype.hasOwnProperty.call(this.query, name);
  }

  /** A header by case-insensitive name; `null` if absent. */
  header(name: string): string | null {
    const lower = name.toLowerCase();
    for (const [k, v] of Object.entries(this.headers)) if (k.toLowerCase() === lower) return v;
    return null;
  }

  /** The body parsed as JSON; `null` if it is not JSON. */
  json(): Json {
    try {
      return JSON.parse(this.body) as Json;
    } catch {
      return null;
    }
  }
}

/** Reads the input of the `handle_request` hook. */
export function readRequest(): Request {
  const input = inputObject();
  return new Request(
    stringOr(input.method, 'GET'),
    stringOr(input.path, '/'),
    stringMap(input.query),
    stringMap(input.headers),
    stringOr(input.body, ''),
    typeof input.agent === 'string' ? input.agent : null,
    stringOr(input.queryString, ''),
  );
}

/** Answers `handle_request`: status, headers and a text body. */
export function respond(status: number, headers: Record<string, string> | null, body: string): void {
  outputJson({ status, headers: { ...(headers ?? {}) }, body });
}

function withContentType(headers: Record<string, string> | null, type: string): Record<string, string> {
  const out = { ...(headers ?? {}) };
  if (!Object.keys(out).some((k) => k.toLowerCase() === 'content-type')) out['content-type'] = type;
  return out;
}

/** Answers `handle_request` with a JSON body (`content-type: application/json` unless one is set). */
export function respondJson(status: number, value: Json, headers: Record<string, string> | null = null): void {
  respond(status, withContentType(headers, 'application/json'), JSON.stringify(value));
}

/** Answers `handle_request` with a text body (`content-type: text/plain; charset=utf-8` unless one is set). */
export function respondText(status: number, text: string, headers: Record<string, string> | null = null): void {
  respond(status, withContentType(headers, 'text/plain; charset=utf-8'), text);
}

// ---- before_commit / after_commit ----

/** A commit on a matching resource (input of `before_commit` and `after_commit`). */
export class CommitEvent {
  constructor(
    /** The commit as JSON-AD. */
    readonly commit: JsonObject,
    /** The subject of the changed resource. */
    readonly subject: string,
    /** The resource's property-value pairs before the commit; `null` if it is new. */
    readonly before: PropVals | null,
    /** Its property-value pairs after the commit; `null` if it is destroyed. */
    readonly after: PropVals | null,
    /** The subject of the agent that signed the commit. */
    readonly signer: string,
  ) {}

  /** The property-value pairs the commit sets. */
  sets(): PropVals {
    const set = this.commit[SET];
    return isObject(set) ? set : {};
  }

  /** The value the commit sets for `property`; `undefined` if it does not set it. */
  setValue(property: string): Json | undefined {
    return this.sets()[property];
  }

  /** The properties the commit removes. */
  removes(): string[] {
    const remove = this.commit[REMOVE];
    return Array.isArray(remove) ? remove.filter((p): p is string => typeof p === 'string') : [];
  }

  /** The values the commit appends, per property. */
  pushes(): PropVals {
    const push = this.commit[PUSH];
    return isObject(push) ? push : {};
  }

  /** Whether the commit destroys the resource. */
  get destroys(): boolean {
    return this.commit[DESTROY] === true;
  }
}

/** Reads the input of `before_commit` or `after_commit`. */
export function readCommitEvent(): CommitEvent {
  const input = inputObject();
  return new CommitEvent(
    isObject(input.commit) ? input.commit : {},
    stringOr(input.subject, ''),
    isObject(input.before) ? input.before : null,
    isObject(input.after) ? input.after : null,
    stringOr(input.signer, ''),
  );
}

/** Answers `before_commit`: let the commit through. */
export function allow(): void {
  outputJson({ allow: true });
}

/** Answers `before_commit`: refuse the commit, with a reason shown to the client. */
export function reject(reason: string): void {
  outputJson({ allow: false, reason });
}

// ---- on_resource_get ----

/** A matching resource about to be served (input of `on_resource_get`). */
export interface ResourceGet {
  readonly subject: string;
  /** The resource's property-value pairs as stored. */
  readonly resource: PropVals;
  /** The subject of the requesting agent; `null` for a public request. */
  readonly agent: string | null;
}

/** Reads the input of `on_resource_get`. */
export function readResourceGet(): ResourceGet {
  const input = inputObject();
  return {
    subject: stringOr(input.subject, ''),
    resource: isObject(input.resource) ? input.resource : {},
    agent: typeof input.agent === 'string' ? input.agent : null,
  };
}

/**
 * Answers `on_resource_get`: add or replace the pairs in `set` and drop the properties in `remove`
 * in the served resource (the stored resource is not changed).
 */
export function extend(set: PropVals | null, remove: readonly string[] | null = null): void {
  const out: JsonObject = {};
  if (set !== null) out.set = set;
  if (remove !== null) out.remove = [...remove];
  outputJson(out);
}

/** Answers `on_resource_get`: serve the resource unchanged. */
export function unchanged(): void {
  outputJson({});
}

// ---- on_schedule and on_plugin_event ----

/** A declared schedule fired (input of `on_schedule`). Its output is ignored. */
export interface ScheduleEvent {
  readonly schedule: string;
  /** When it fired, in ms since the epoch. */
  readonly firedAt: number;
}

/** Reads the input of `on_schedule`. */
export function readSchedule(): ScheduleEvent {
  const input = inputObject();
  return { schedule: stringOr(input.schedule, ''), firedAt: typeof input.firedAt === 'number' ? input.firedAt : 0 };
}

/** A plugin was installed, updated or removed (input of `on_plugin_event`). Its output is ignored. */
export interface PluginEvent {
  readonly type: 'installed' | 'updated' | 'removed' | string;
  /** `namespace/name`. */
  readonly plugin: string;
  readonly version: string;
}

/** Reads the input of `on_plugin_event`. */
export function readPluginEvent(): PluginEvent {
  const input = inputObject();
  return { type: stringOr(input.type, ''), plugin: stringOr(input.plugin, ''), version: stringOr(input.version, '') };
}
