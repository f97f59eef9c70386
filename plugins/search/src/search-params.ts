// The parameters of GET /search, read and checked once: anything unknown or out of range is a
// 400 with a message that says what to send instead.

import { HttpError } from 'atomic-plugin/sdk/node';
import type { MatchOptions } from './search-index.js';

/** A query, checked. */
export interface SearchParams extends MatchOptions {
  q: string;
  page: number;
  pageSize: number;
}

export const DEFAULT_PAGE_SIZE = 20;
export const MAX_PAGE_SIZE = 100;
/** Deepest page: paging further means checking rights of ever more candidates; refine the query. */
export const MAX_PAGE = 500;
const MAX_QUERY_LENGTH = 500;
/** `fuzzy=true`: a fifth of a term's length may differ (one edit in 5 letters). */
const DEFAULT_FUZZY = 0.2;
const MAX_FUZZY_EDITS = 3;

const KNOWN = ['q', 'class', 'parent', 'page', 'pageSize', 'prefix', 'fuzzy'];

function integer(name: string, raw: string | undefined, fallback: number, min: number, max: number): number {
  if (raw === undefined) return fallback;
  const n = Number(raw);
  if (raw.trim() === '' || !Number.isInteger(n) || n < min || n > max) throw new HttpError(400, `${name} must be a whole number from ${min} to ${max}, not "${raw}"`);
  return n;
}

function flag(name: string, raw: string | undefined, fallback: boolean): boolean {
  if (raw === undefined) return fallback;
  if (raw === 'true' || raw === '') return true;
  if (raw === 'false') return false;
  throw new HttpError(400, `${name} must be true or false, not "${raw}"`);
}

function fuzziness(raw: string | undefined): false | number {
  if (raw === undefined || raw === 'false') return false;
  if (raw === 'true' || raw === '') return DEFAULT_FUZZY;
  const n = Number(raw);
  if (Number.isFinite(n) && ((n > 0 && n < 1) || (Number.isInteger(n) && n >= 1 && n <= MAX_FUZZY_EDITS))) return n;
  throw new HttpError(400, `fuzzy must be true, false, a fraction of the term's length between 0 and 1 (0.2), or a number of edits from 1 to ${MAX_FUZZY_EDITS}, not "${raw}"`);
}

function url(name: string, raw: string | undefined): string | undefined {
  if (raw === undefined) return undefined;
  if (!URL.canParse(raw) || !/^https?:$/.test(new URL(raw).protocol)) throw new HttpError(400, `${name} must be the URL of a resource (http or https), not "${raw}"`);
  return raw;
}

/** Reads the query string (without `?`) of a search; throws HttpError(400) for a bad one. */
export function readSearchParams(queryString: string): SearchParams {
  const search = new URLSearchParams(queryString);
  for (const name of new Set(search.keys())) {
    if (!KNOWN.includes(name)) throw new HttpError(400, `unknown parameter "${name}"; /search takes ${KNOWN.join(', ')}`);
    if (search.getAll(name).length > 1) throw new HttpError(400, `give ${name} once`);
  }
  const get = (name: string): string | undefined => search.get(name) ?? undefined;
  const q = (get('q') ?? '').trim();
  if (q === '') throw new HttpError(400, 'q is required: the words to search for (/search?q=...)');
  if (q.length > MAX_QUERY_LENGTH) throw new HttpError(400, `q is ${q.length} characters long; at most ${MAX_QUERY_LENGTH}`);
  const params: SearchParams = {
    q,
    page: integer('page', get('page'), 0, 0, MAX_PAGE),
    pageSize: integer('pageSize', get('pageSize'), DEFAULT_PAGE_SIZE, 1, MAX_PAGE_SIZE),
    prefix: flag('prefix', get('prefix'), true),
    fuzzy: fuzziness(get('fuzzy')),
  };
  const wanted = url('class', get('class'));
  const parent = url('parent', get('parent'));
  if (wanted !== undefined) params.class = wanted;
  if (parent !== undefined) params.parent = parent;
  return params;
}
