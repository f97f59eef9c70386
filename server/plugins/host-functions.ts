// The host functions a plugin imports (docs/plugins/abi.md), implemented against the server and
// answering with the ABI's `{"ok"}` / `{"error"}` envelope. Each installation gets only the
// functions its granted permissions allow, and each acts as the installation's own agent.

import type { AgentIdentity } from '../atomic/agent.js';
import { commitToPropVals, signCommit, type CommitChanges, type OnBehalfOf } from '../atomic/commit.js';
import { AtomicError } from '../atomic/errors.js';
import { isHttpUrl, isObject, type JsonAdValue, type PropVals } from '../atomic/json-ad.js';
import { hasRight } from '../atomic/rights.js';
import { localProps, props } from '../atomic/urls.js';
import { canRead, canWrite } from '../access.js';
import { readableResources, runCollection } from '../collections.js';
import { CommitBatchError, checkBatchSize, type CommitProcessor } from '../commits.js';
import { resolveUrl } from '../resolve.js';
import { readingOnce, type Store } from '../store/store.js';
import type { Permission } from './manifest.js';
import type { HostFunction, InlineHostFunction } from './runtimes/runtime.js';
import { allowedHostFunctionsFor } from './permissions.js';

/** What the host functions of one installation act on. */
export interface HostFunctionContext {
  store: Store;
  commits: CommitProcessor;
  serverUrl: string;
  /** The installation's subject: its key/value namespace. */
  installation: string;
  agent: AgentIdentity;
  config: () => Record<string, unknown>;
  granted: readonly Permission[];
  log: (level: string, message: string) => void;
  /** Calls a provided function of another plugin by `namespace/name@range`. */
  callPlugin: (plugin: string, fn: string, input: unknown) => Promise<unknown>;
  /** Whether the installation is serving an HTTP request of `agent` right now (handle_request). */
  serving: (agent: string) => boolean;
  /** The host's and every installed plugin's runtime figures (host_stats, permission `monitor`). */
  hostStats: () => unknown;
}

class HostError extends Error {
  constructor(
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

const encoder = new TextEncoder();
const decoder = new TextDecoder();
const MAX_KV_VALUE_BYTES = 1 << 20;
const MAX_KV_KEY_BYTES = 512;
const HTTP_TIMEOUT_MS = 10_000;
/** The most subjects one `can` call answers for. */
const MAX_CAN_SUBJECTS = 10_000;

function request(input: Uint8Array): Record<string, unknown> {
  let parsed: unknown;
  try {
    parsed = JSON.parse(decoder.decode(input));
  } catch {
    throw new HostError('INVALID_REQUEST', 'the request is not JSON');
  }
  if (!isObject(parsed)) throw new HostError('INVALID_REQUEST', 'the request must be a JSON object');
  return parsed;
}

function text(body: Record<string, unknown>, key: string): string {
  const value = body[key];
  if (typeof value !== 'string' || value === '') throw new HostError('INVALID_REQUEST', `"${key}" must be a non-empty string`);
  return value;
}

function kvKey(body: Record<string, unknown>): string {
  const key = text(body, 'key');
  if (Buffer.byteLength(key) > MAX_KV_KEY_BYTES) throw new HostError('TOO_LARGE', `keys are limited to ${MAX_KV_KEY_BYTES} bytes`);
  return key;
}

function answer(ok: unknown): Uint8Array {
  return encoder.encode(JSON.stringify({ ok: ok ?? null }));
}

function failure(error: unknown): Uint8Array {
  const code = error instanceof HostError || error instanceof AtomicError ? error.code : 'FAILED';
  const message = error instanceof Error ? error.message : String(error);
  // A refused batch says which of its commits was refused.
  const at = error instanceof CommitBatchError ? { index: error.index, subject: error.subject } : {};
  return encoder.encode(JSON.stringify({ error: { code, message, ...at } }));
}

/** Wraps a handler so that every outcome becomes an envelope; nothing thrown reaches the sandbox. */
function envelope(handler: (body: Record<string, unknown>) => Promise<unknown> | unknown): HostFunction {
  return async (input) => {
    try {
      return answer(await handler(request(input)));
    } catch (error) {
      return failure(error);
    }
  };
}

/** The same for a synchronous handler, answering at once. */
function inlineEnvelope(handler: (body: Record<string, unknown>) => unknown): InlineHostFunction {
  return (input) => {
    try {
      return answer(handler(request(input)));
    } catch (error) {
      return failure(error);
    }
  };
}

function hostAllowed(granted: readonly Permission[], url: URL): boolean {
  const hosts = granted.find((p) => p.name === 'network')?.hosts ?? [];
  return hosts.some((pattern) => (pattern.startsWith('*.') ? url.hostname.endsWith(pattern.slice(1)) : url.hostname === pattern));
}

type Handler = (body: Record<string, unknown>) => unknown;

/** The changes of a `commit` request (or of one commit of a batch). */
function commitChanges(body: Record<string, unknown>, onBehalfOf: OnBehalfOf | undefined): CommitChanges {
  return {
    subject: text(body, 'subject'),
    set: isObject(body.set) ? (body.set as PropVals) : undefined,
    remove: Array.isArray(body.remove) ? (body.remove as string[]) : undefined,
    push: isObject(body.push) ? (body.push as Record<string, JsonAdValue[]>) : undefined,
    destroy: body.destroy === true,
    onBehalfOf,
  };
}

/**
 * The agent a commit request says it acts for (`on_behalf_of`): only the authenticated agent of
 * a request the installation is serving right now. `null` (an anonymous requester) is refused,
 * so that a plugin passing on its request's agent never writes with its own rights instead.
 */
function requester(ctx: HostFunctionContext, body: Record<string, unknown>): OnBehalfOf | undefined {
  if (!('on_behalf_of' in body)) return undefined;
  const agent = body.on_behalf_of;
  if (agent === null) throw new AtomicError('UNAUTHORIZED', 'on_behalf_of is null: an anonymous requester may not write; ask them to sign in');
  if (typeof agent !== 'string' || agent === '') throw new HostError('INVALID_REQUEST', '"on_behalf_of" must be an agent URL');
  if (!ctx.serving(agent)) throw new AtomicError('FORBIDDEN', `on_behalf_of ${agent}: the plugin is not serving a request of that agent right now`);
  return { property: localProps(ctx.serverUrl).onBehalfOf, agent };
}

/** The handlers that only read (or log) and answer synchronously. */
function readers(ctx: HostFunctionContext): Record<string, Handler> {
  const { store, serverUrl, agent } = ctx;
  // A page of `query` with a cursor: the readable local resources after `after` in subject order,
  // among those with `property` (= `value`) if given. Each page costs its own length (with a
  // property, when it has a value too), where numbered pages rescan everything before them.
  const readableAfter = (after: string, limit: number, includeResources: boolean, property: string | undefined, value: string | undefined): unknown => {
    const start = after === '' ? undefined : after;
    const subjects = property === undefined ? store.allSubjects(start) : store.findSubjects(property, value, start ?? '');
    const members: string[] = [];
    const resources: PropVals[] = [];
    for (const { subject, propvals } of readableResources(store, serverUrl, subjects, agent.subject)) {
      if (members.length === limit) return { members, total: -1, next: members[limit - 1], ...(includeResources ? { resources } : {}) };
      members.push(subject);
      if (includeResources) resources.push({ '@id': subject, ...propvals });
    }
    return { members, total: -1, next: null, ...(includeResources ? { resources } : {}) };
  };
  return {
    get_resource: (body) => {
      const subject = text(body, 'subject');
      return { '@id': subject, ...resolveUrl(store, serverUrl, subject, agent.subject) };
    },
    query: (body) => {
      const pageSize = typeof body.page_size === 'number' ? body.page_size : 100;
      const property = typeof body.property === 'string' && body.property !== '' ? body.property : undefined;
      const value = typeof body.value === 'string' ? body.value : undefined;
      // Without a property every readable resource matches: a value alone would be ignored.
      if (value !== undefined && property === undefined) throw new HostError('INVALID_REQUEST', '"value" needs a "property"');
      const includeResources = body.include_resources === true;
      if (typeof body.after === 'string') {
        if (body.sort_by !== undefined) throw new HostError('INVALID_REQUEST', '"after" pages through the matches in subject order; it does not take "sort_by"');
        return readableAfter(body.after, Math.min(Math.max(1, pageSize), 1000), includeResources, property, value);
      }
      const collection = runCollection(store, serverUrl, {
        name: 'Query',
        property,
        value,
        sortBy: typeof body.sort_by === 'string' ? body.sort_by : undefined,
        sortDesc: body.sort_desc === true,
        currentPage: typeof body.page === 'number' ? body.page : 0,
        pageSize: Math.min(Math.max(1, pageSize), 1000),
        includeExternal: false,
        includeNested: includeResources,
      }, agent.subject);
      const members = collection[props.collection.members] as JsonAdValue[];
      const total = collection[props.collection.totalMembers];
      if (!includeResources) return { members, total };
      return { members: members.map((m) => (m as PropVals)['@id']), total, resources: members };
    },
    can: (body) => {
      const who = body.agent;
      if (who !== null && (typeof who !== 'string' || !isHttpUrl(who))) throw new HostError('INVALID_REQUEST', '"agent" must be an agent URL, or null for anonymous');
      const right = body.right;
      if (right !== 'read' && right !== 'write' && right !== 'append') throw new HostError('INVALID_REQUEST', '"right" must be "read", "write" or "append"');
      const subjects = body.subjects;
      if (!Array.isArray(subjects) || !subjects.every((s): s is string => typeof s === 'string')) throw new HostError('INVALID_REQUEST', '"subjects" must be an array of strings');
      if (subjects.length > MAX_CAN_SUBJECTS) throw new HostError('TOO_LARGE', `at most ${MAX_CAN_SUBJECTS} subjects per call`);
      const asker = who ?? undefined;
      // The requester of a request the plugin serves right now may learn what they may do
      // themselves (a page asking "may this visitor see it?"), also where the plugin may not read.
      const forRequester = asker !== undefined && ctx.serving(asker);
      // One read per resource for the whole call: candidates often share ancestors, or are each other's.
      const reader = readingOnce(store);
      const allowed = subjects.filter((subject) => {
        const propvals = reader.get(subject);
        if (!propvals) return false;
        // Otherwise, what the plugin's own agent may not read, it learns nothing about.
        if (!forRequester && !canRead(reader, serverUrl, subject, propvals, agent.subject)) return false;
        if (right === 'read') return canRead(reader, serverUrl, subject, propvals, asker);
        if (right === 'write') return canWrite(reader, subject, propvals, asker);
        return hasRight((s) => reader.get(s), propvals, asker, 'append');
      });
      return { allowed };
    },
    get_config: () => ctx.config(),
    host_stats: () => ctx.hostStats(),
    get_plugin_agent: () => ({ subject: agent.subject, publicKey: agent.publicKey }),
    kv_get: (body) => store.kvGet(ctx.installation, kvKey(body)) ?? null,
    log: (body) => {
      const level = typeof body.level === 'string' ? body.level : 'info';
      ctx.log(level, typeof body.message === 'string' ? body.message : JSON.stringify(body.message));
      return true;
    },
  };
}

/** The handlers that change something or wait for something. */
function writers(ctx: HostFunctionContext): Record<string, Handler> {
  const { store, agent } = ctx;
  return {
    commit: async (body) => {
      const onBehalfOf = requester(ctx, body);
      const applied = await ctx.commits.process(commitToPropVals(signCommit(commitChanges(body, onBehalfOf), agent)), { onBehalfOf: onBehalfOf?.agent });
      return { commit: applied.commitId };
    },
    commit_batch: async (body) => {
      const onBehalfOf = requester(ctx, body);
      const list = body.commits;
      if (!Array.isArray(list)) throw new HostError('INVALID_REQUEST', '"commits" must be an array of commits');
      checkBatchSize(list.length);
      const now = Date.now();
      const signed = list.map((entry: unknown, i) => {
        try {
          if (!isObject(entry)) throw new HostError('INVALID_REQUEST', 'each commit must be an object');
          // One millisecond apart: the same change twice in a batch is still two commits.
          return commitToPropVals(signCommit(commitChanges(entry, onBehalfOf), agent, now + i));
        } catch (error) {
          const subject = isObject(entry) && typeof entry.subject === 'string' ? entry.subject : '';
          throw new CommitBatchError(i, subject, AtomicError.invalidCommit((error as Error).message));
        }
      });
      const applied = await ctx.commits.processBatch(signed, { onBehalfOf: onBehalfOf?.agent });
      return { commits: applied.map((a) => a.commitId) };
    },
    kv_set: async (body) => {
      const key = kvKey(body);
      if (!('value' in body)) throw new HostError('INVALID_REQUEST', '"value" is missing');
      if (JSON.stringify(body.value).length > MAX_KV_VALUE_BYTES) throw new HostError('TOO_LARGE', `values are limited to ${MAX_KV_VALUE_BYTES} bytes`);
      await store.kvSet(ctx.installation, key, body.value);
      return true;
    },
    kv_delete: async (body) => {
      await store.kvDelete(ctx.installation, kvKey(body));
      return true;
    },
    http_request: async (body) => {
      const url = new URL(text(body, 'url'));
      if ((url.protocol !== 'http:' && url.protocol !== 'https:') || !hostAllowed(ctx.granted, url)) {
        throw new HostError('HOST_NOT_ALLOWED', `${url.host} is not among the hosts the network permission grants`);
      }
      const response = await fetch(url, {
        method: typeof body.method === 'string' ? body.method : 'GET',
        headers: isObject(body.headers) ? (body.headers as Record<string, string>) : undefined,
        body: typeof body.body === 'string' ? body.body : undefined,
        redirect: 'manual',
        signal: AbortSignal.timeout(HTTP_TIMEOUT_MS),
      });
      return { status: response.status, headers: Object.fromEntries(response.headers), body: await response.text() };
    },
    call_plugin: (body) => ctx.callPlugin(text(body, 'plugin'), text(body, 'function'), body.input ?? null),
  };
}

function allowedOnly<T>(ctx: HostFunctionContext, functions: Record<string, T>): Record<string, T> {
  const allowed = allowedHostFunctionsFor(ctx.granted.map((p) => p.name));
  return Object.fromEntries(Object.entries(functions).filter(([name]) => allowed.has(name)));
}

/** The host functions for one installation: only those its permissions allow. */
export function createHostFunctions(ctx: HostFunctionContext): Record<string, HostFunction> {
  const all = { ...readers(ctx), ...writers(ctx) };
  return allowedOnly(ctx, Object.fromEntries(Object.entries(all).map(([name, handler]) => [name, envelope(handler)])));
}

/** Synchronous versions of the read-only host functions the installation may use (InlineHostFunction). */
export function createInlineHostFunctions(ctx: HostFunctionContext): Record<string, InlineHostFunction> {
  return allowedOnly(ctx, Object.fromEntries(Object.entries(readers(ctx)).map(([name, handler]) => [name, inlineEnvelope(handler)])));
}
