// Collections: paged, sorted, rights-filtered lists of resources that match a property (and
// value). Served at /query and at the class collections such as /agents and /properties.

import { AtomicError } from './atomic/errors.js';
import type { JsonAdValue, PropVals } from './atomic/json-ad.js';
import { classes, props } from './atomic/urls.js';
import { canRead, isLocal } from './access.js';
import { readingOnce, type StoreReader } from './store/store.js';

const P = props.collection;

/** The collections that exist at a fixed path, as (name, property, value). */
export const classCollections: Record<string, { name: string; value: string }> = {
  '/agents': { name: 'Agents', value: classes.agent },
  '/commits': { name: 'Commits', value: classes.commit },
  '/classes': { name: 'Classes', value: classes.class },
  '/properties': { name: 'Properties', value: classes.property },
  '/datatypes': { name: 'Datatypes', value: classes.datatype },
  '/drives': { name: 'Drives', value: classes.drive },
  '/collections': { name: 'Collections', value: classes.collection },
  '/plugins': { name: 'Plugins', value: classes.plugin },
};

const DEFAULT_PAGE_SIZE = 30;
const MAX_PAGE_SIZE = 10_000;

/** A parsed collection request. */
export interface CollectionQuery {
  name: string;
  property?: string;
  value?: string;
  sortBy?: string;
  sortDesc: boolean;
  currentPage: number;
  pageSize: number;
  includeExternal: boolean;
  includeNested: boolean;
}

function parseBool(params: URLSearchParams, key: string): boolean {
  const v = params.get(key);
  if (v === null) return false;
  if (v === 'true' || v === '1' || v === '') return true;
  if (v === 'false' || v === '0') return false;
  throw new AtomicError('INVALID_QUERY', `${key} must be true or false, got ${v}`);
}

function parseInteger(params: URLSearchParams, key: string, fallback: number, min: number, max: number): number {
  const v = params.get(key);
  if (v === null || v === '') return fallback;
  if (!/^\d+$/.test(v) || Number(v) < min || Number(v) > max) {
    throw new AtomicError('INVALID_QUERY', `${key} must be an integer from ${min} to ${max}, got ${v}`);
  }
  return Number(v);
}

/** The collection asked for at `pathname` with these parameters, or undefined when `pathname` is not a collection. */
export function parseCollectionQuery(pathname: string, params: URLSearchParams): CollectionQuery | undefined {
  const fixed = classCollections[pathname];
  if (!fixed && pathname !== '/query') return undefined;
  const property = params.get('property') || (fixed ? props.isA : undefined);
  const value = params.get('value') ?? (fixed && !params.get('property') ? fixed.value : undefined);
  return {
    name: fixed?.name ?? 'Query',
    property,
    value: value === null ? undefined : value,
    sortBy: params.get('sort_by') || undefined,
    sortDesc: parseBool(params, 'sort_desc'),
    currentPage: parseInteger(params, 'current_page', 0, 0, Number.MAX_SAFE_INTEGER),
    pageSize: parseInteger(params, 'page_size', DEFAULT_PAGE_SIZE, 1, MAX_PAGE_SIZE),
    includeExternal: parseBool(params, 'include_external'),
    includeNested: parseBool(params, 'include_nested'),
  };
}

function compareValues(a: JsonAdValue | undefined, b: JsonAdValue | undefined): number {
  if (a === undefined || b === undefined) return a === b ? 0 : a === undefined ? 1 : -1;
  if (typeof a === 'number' && typeof b === 'number') return a - b;
  const sa = typeof a === 'string' ? a : JSON.stringify(a);
  const sb = typeof b === 'string' ? b : JSON.stringify(b);
  return sa < sb ? -1 : sa > sb ? 1 : 0;
}

/** The resources among `subjects` that `agent` may read (local ones only, unless `includeExternal`), in their order. */
export function* readableResources(
  store: StoreReader,
  serverUrl: string,
  subjects: Iterable<string>,
  agent: string | undefined,
  includeExternal = false,
): Generator<{ subject: string; propvals: PropVals }> {
  const ancestors = readingOnce(store);
  for (const subject of subjects) {
    if (!includeExternal && !isLocal(serverUrl, subject)) continue;
    const propvals = store.get(subject);
    if (propvals && canRead(ancestors, serverUrl, subject, propvals, agent)) yield { subject, propvals };
  }
}

/** Runs a collection query for `agent` and returns the Collection's property-value pairs. */
export function runCollection(store: StoreReader, serverUrl: string, query: CollectionQuery, agent: string | undefined): PropVals {
  const subjects = query.property === undefined ? store.allSubjects() : store.findSubjects(query.property, query.value);
  const members = [...readableResources(store, serverUrl, subjects, agent, query.includeExternal)];
  if (query.sortBy) {
    const key = query.sortBy;
    members.sort((a, b) => compareValues(a.propvals[key], b.propvals[key]) * (query.sortDesc ? -1 : 1) || (a.subject < b.subject ? -1 : 1));
  }
  const totalMembers = members.length;
  const page = members.slice(query.currentPage * query.pageSize, (query.currentPage + 1) * query.pageSize);
  const out: PropVals = {
    [props.isA]: [classes.collection],
    [props.name]: query.name,
    [P.members]: page.map((m) => (query.includeNested ? { '@id': m.subject, ...m.propvals } : m.subject)),
    [P.totalMembers]: totalMembers,
    [P.totalPages]: Math.max(1, Math.ceil(totalMembers / query.pageSize)),
    [P.currentPage]: query.currentPage,
    [P.pageSize]: query.pageSize,
    [P.sortDesc]: query.sortDesc,
    [P.includeExternal]: query.includeExternal,
    [P.includeNested]: query.includeNested,
  };
  if (query.property !== undefined) out[P.property] = query.property;
  if (query.value !== undefined) out[P.value] = query.value;
  if (query.sortBy !== undefined) out[P.sortBy] = query.sortBy;
  return out;
}
