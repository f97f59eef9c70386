// The messages between a plugin's view (ui.js, in a sandboxed null-origin frame) and the dashboard
// page that hosts it: a small request/response RPC over postMessage. The view asks, the page checks
// the plugin's grants (asking the user when a read goes beyond them, showing every commit before it
// signs it) and answers. Shared by the view client (client.ts) and the page, which both check every
// message they receive against these shapes.

import type { CommitChanges } from '../common/commit.js';

/** Tags every message of this protocol (and its version). */
export const PROTOCOL = 'atomic-plugin/view@1';

/** Whether the frame renders a resource or the plugin's settings page. */
export type ViewMode = 'view' | 'settings';

/** What the frame renders and for whom. */
export interface ViewContext {
  mode: ViewMode;
  /** The resource on view: the viewed resource, or in settings mode the Plugin resource. */
  subject: string;
  /** The Plugin resource of the plugin the view belongs to. */
  plugin: string;
  /** The signed-in agent the page reads and signs as. */
  agent: string;
}

/** A resource as JSON-AD: `@id` and full property URLs. */
export interface Resource {
  '@id': string;
  [property: string]: unknown;
}

/** A collection query, as `/query` takes it. */
export interface QueryParams {
  property?: string;
  value?: string;
  sortBy?: string;
  sortDesc?: boolean;
  page?: number;
  /** 1 to 100; default 30. */
  pageSize?: number;
}

/** The members a query found that the view may see, and how many the user withheld. */
export interface QueryResult {
  subjects: string[];
  /** Every member the query found on this page, withheld ones included. */
  total: number;
  /** Members the user did not let the view see. */
  withheld: number;
}

/** A commit the view asks the user to sign (the page adds signer, time and signature). */
export type CommitRequest = Omit<CommitChanges, 'previousCommit'>;

/** A commit the server applied. */
export interface CommitResult {
  /** The commit's subject. */
  commit: string;
}

/** A JSON object (a plugin config). */
export type JsonObject = Record<string, unknown>;

/** Each method's params and result. */
export interface Methods {
  context: { params: null; result: ViewContext };
  getViewed: { params: null; result: Resource };
  getResource: { params: { subject: string }; result: Resource };
  query: { params: QueryParams; result: QueryResult };
  commit: { params: CommitRequest; result: CommitResult };
  /** Settings mode only. */
  getConfig: { params: null; result: JsonObject };
  /** Settings mode only; shown to the user like any commit. */
  saveConfig: { params: { config: JsonObject }; result: CommitResult };
  /** Asks the page to give the frame this height (CSS pixels). */
  resize: { params: { height: number }; result: null };
}

/** A method name. */
export type Method = keyof Methods;

/** The methods, as a list the page checks requests against. */
export const methods: readonly Method[] = ['context', 'getViewed', 'getResource', 'query', 'commit', 'getConfig', 'saveConfig', 'resize'];

/** A request from the view. */
export interface Request<M extends Method = Method> {
  protocol: typeof PROTOCOL;
  id: number;
  method: M;
  params: Methods[M]['params'];
}

/** Why a request failed: the user said no (DENIED), the request was malformed, and so on. */
export type ErrorCode = 'DENIED' | 'INVALID_REQUEST' | 'NOT_FOUND' | 'FORBIDDEN' | 'FAILED' | 'BUSY';

/** The page's answer to one request. */
export type Response =
  | { protocol: typeof PROTOCOL; id: number; result: unknown }
  | { protocol: typeof PROTOCOL; id: number; error: { code: ErrorCode; message: string } };

const isObject = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value);
const isUrl = (value: unknown): value is string => typeof value === 'string' && value.length <= 2048 && /^https?:\/\/\S+$/.test(value);
const optional = (value: unknown, check: (v: unknown) => boolean): boolean => value === undefined || check(value);

/** The ids requests may carry. */
const isId = (value: unknown): value is number => typeof value === 'number' && Number.isSafeInteger(value) && value >= 0;

// Each method's params check: a message that does not pass is answered INVALID_REQUEST.
const paramChecks: Record<Method, (params: unknown) => boolean> = {
  context: (p) => p === null,
  getViewed: (p) => p === null,
  getConfig: (p) => p === null,
  getResource: (p) => isObject(p) && isUrl(p.subject),
  query: (p) =>
    isObject(p) &&
    optional(p.property, isUrl) &&
    optional(p.value, (v) => typeof v === 'string' && v.length <= 2048) &&
    optional(p.sortBy, isUrl) &&
    optional(p.sortDesc, (v) => typeof v === 'boolean') &&
    optional(p.page, (v) => isId(v) && v < 10_000) &&
    optional(p.pageSize, (v) => isId(v) && v >= 1 && v <= 100),
  commit: (p) =>
    isObject(p) &&
    isUrl(p.subject) &&
    optional(p.set, isObject) &&
    optional(p.remove, (v) => Array.isArray(v) && v.every(isUrl)) &&
    optional(p.push, (v) => isObject(v) && Object.values(v).every(Array.isArray)) &&
    optional(p.destroy, (v) => typeof v === 'boolean'),
  saveConfig: (p) => isObject(p) && isObject(p.config),
  resize: (p) => isObject(p) && typeof p.height === 'number' && Number.isFinite(p.height) && p.height >= 0,
};

/**
 * Reads a message as a request. `null`: not a message of this protocol (ignore it); `{ id, problem }`:
 * one of ours that is malformed (answer INVALID_REQUEST).
 */
export function parseRequest(data: unknown): Request | { id: number; problem: string } | null {
  if (!isObject(data) || data.protocol !== PROTOCOL || !isId(data.id)) return null;
  const { id, method, params } = data;
  if (typeof method !== 'string' || !(methods as readonly string[]).includes(method)) return { id, problem: `unknown method ${JSON.stringify(method)?.slice(0, 40)}` };
  if (!paramChecks[method as Method](params ?? null)) return { id, problem: `invalid params for ${method}` };
  return { protocol: PROTOCOL, id, method: method as Method, params: (params ?? null) as never };
}

/** Reads a message as a response; null when it is not one. */
export function parseResponse(data: unknown): Response | null {
  if (!isObject(data) || data.protocol !== PROTOCOL || !isId(data.id) || 'method' in data) return null;
  if ('result' in data) return { protocol: PROTOCOL, id: data.id, result: data.result };
  const error = data.error;
  if (isObject(error) && typeof error.code === 'string' && typeof error.message === 'string') {
    return { protocol: PROTOCOL, id: data.id, error: { code: error.code as ErrorCode, message: error.message } };
  }
  return null;
}
