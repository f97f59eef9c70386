// The host functions of plugin ABI v1, as async functions for process plugins. Each sends a
// JSON-RPC request named after the host function and reads the ABI envelope: the typed helpers
// resolve to the `ok` value and throw a HostError for an `error` answer; hostCall() gives the
// envelope itself. What a plugin may call is gated by the host by its granted permissions.

import { RpcError, type Json } from './json-rpc.js';
import type { HostStats } from '../common/host-stats.js';
import type { HostFunctionName } from './protocol.js';

/** The ABI envelope; a refused `commit_batch` also names the refused commit (`index`, `subject`). */
export type Envelope<T = Json> = { ok: T } | { error: { code: string; message: string; index?: number; subject?: string } };

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

/** A `query` request: without property and value it lists every local resource the plugin's agent may read. */
export interface QueryRequest {
  property?: string;
  value?: string;
  sort_by?: string;
  sort_desc?: boolean;
  page?: number;
  page_size?: number;
  /** Also answer the members' resources (`resources`), so a mirror needs no call per resource. */
  include_resources?: boolean;
  /**
   * A cursor: the matches (every readable resource, or those with `property` = `value`) in subject
   * order after this subject ('' to start), a page at a time; the answer's `next` is where the
   * following page starts. Not with `sort_by`.
   */
  after?: string;
}

/** A page of a query: member subjects, how many match in all, and with `include_resources` the resources. */
export interface QueryResult {
  members: string[];
  /** How many match in all; -1 with `after` (not counted). */
  total: number;
  resources?: Resource[];
  /** With `after`: the cursor of the next page, or null after the last one. */
  next?: string | null;
}

/** Runs a collection query as the plugin's agent (`read`). */
export const query = (request: QueryRequest): Promise<QueryResult> => ok('query', request as Json);

/** The changes of one commit the plugin's agent signs. */
export interface CommitChanges {
  subject: string;
  set?: Record<string, Json>;
  remove?: string[];
  push?: Record<string, Json[]>;
  destroy?: boolean;
}

/** Options of {@link commit} and {@link commitBatch}. */
export interface CommitOptions {
  /**
   * The requester of the HTTP request being served (its `agent`): the commit records it and must
   * pass that agent's rights as well as the plugin's. `null` (anonymous) is refused (UNAUTHORIZED).
   */
  onBehalfOf?: string | null;
}

const behalf = (options: CommitOptions): Record<string, Json> => (options.onBehalfOf === undefined ? {} : { on_behalf_of: options.onBehalfOf });

/** Signs and applies a commit as the plugin's agent (`write`); resolves to the commit's subject. */
export const commit = async (changes: CommitChanges, options: CommitOptions = {}): Promise<string> =>
  (await ok<{ commit: string }>('commit', { ...(changes as unknown as Record<string, Json>), ...behalf(options) })).commit;

/**
 * A refused batch: nothing was written. `index` and `subject` name the commit that was refused.
 */
export class BatchRefused extends HostError {
  readonly index: number;
  readonly subject: string;

  constructor(code: string, message: string, index: number, subject: string) {
    super(code, message);
    this.name = 'BatchRefused';
    this.index = index;
    this.subject = subject;
  }
}

/**
 * Signs and applies up to 1,000 commits all or nothing (`write`): each is checked against the
 * state the earlier ones leave, then all are written at once. Resolves to the commits' subjects;
 * throws {@link BatchRefused} when one is refused.
 */
export const commitBatch = async (commits: CommitChanges[], options: CommitOptions = {}): Promise<string[]> => {
  const answer = await hostCall<{ commits: string[] }>('commit_batch', { commits: commits as unknown as Json[], ...behalf(options) });
  if ('error' in answer) {
    const { code, message, index, subject } = answer.error;
    throw index === undefined ? new HostError(code, message) : new BatchRefused(code, message, index, subject ?? '');
  }
  return answer.ok.commits;
};

/** A right `can` asks about. */
export type Right = 'read' | 'write' | 'append';

/**
 * Which of `subjects` (at most 10,000) `agent` (null: anonymous) has `right` on, by the server's
 * own rules (`read`). Subjects the plugin's own agent may not read are never listed.
 */
export const can = async (agent: string | null, right: Right, subjects: string[]): Promise<string[]> =>
  (await ok<{ allowed: string[] }>('can', { agent, right, subjects })).allowed;

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

/** The host's memory, CPU, disk and uptime, and every installed plugin's status and figures (`monitor`). */
export const hostStats = (): Promise<HostStats> => ok('host_stats', {});
