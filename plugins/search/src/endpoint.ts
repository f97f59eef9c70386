// The plugin's endpoint. GET /search reads the parameters, waits briefly for an index still being
// built (503 after that), runs the query, keeps the page the requester may read and answers JSON:
// {"query", "total", "totalExact", "page", "pageSize", "results": [{"subject", "score", "name"?,
// "description"? (a snippet), "classes"}]}. GET /search/status says whether the index is built and
// what it holds, to those who may read the server's root resource.

import { errorReply, HttpError, json, type HttpRequestInput, type HttpResponse, type ResourceSync, type RightsCache } from 'atomic-plugin/sdk/node';
import { readablePage } from './readable.js';
import type { SearchIndex } from './search-index.js';
import { readSearchParams } from './search-params.js';
import { snippet } from './snippet.js';

export const ROUTE = '/search';
/** How long a search waits for an index being built before it answers 503. */
const BUILD_WAIT_MS = 2_000;

/** The index and what builds it. */
export interface Services {
  index: SearchIndex;
  sync: ResourceSync;
  /** Which matches each requester may read, while nothing changes on the server. */
  rights: RightsCache;
  /** The server's URL: its root resource decides who may see the status. */
  serverUrl: string;
}

/** One result as answered. */
interface Result {
  subject: string;
  score: number;
  name?: string;
  description?: string;
  classes: string[];
}

/** Answers a request to the plugin's endpoint. */
export async function handleRequest(services: Services, request: HttpRequestInput): Promise<HttpResponse> {
  try {
    return await search(services, request);
  } catch (error) {
    if (!(error instanceof HttpError)) throw error;
    return errorReply(error);
  }
}

async function search(services: Services, request: HttpRequestInput): Promise<HttpResponse> {
  if (request.path !== ROUTE && request.path !== `${ROUTE}/status`) throw new HttpError(404, `nothing at ${request.path}; search at ${ROUTE}?q=...`);
  if (request.method !== 'GET') throw new HttpError(405, `${request.method} is not allowed on ${request.path}; use GET`, { allow: 'GET' });
  if (request.path !== ROUTE) return status(services, request);
  const params = readSearchParams(request.queryString);
  await indexReady(services.sync);
  const candidates = services.index.search(params.q, params);
  const { hits, total, totalExact } = await readablePage(candidates, params.page, params.pageSize, (subjects) => services.rights.canAll(request, 'read', subjects));
  const results = hits.map((hit): Result => {
    const { name, description, classes } = services.index.shown(hit.subject);
    const result: Result = { subject: hit.subject, score: hit.score, classes };
    if (name !== '') result.name = name;
    if (description !== '') result.description = snippet(description, hit.terms);
    return result;
  });
  return json(200, { query: params.q, total, totalExact, page: params.page, pageSize: params.pageSize, results }, { 'cache-control': 'no-store' });
}

async function status(services: Services, request: HttpRequestInput): Promise<HttpResponse> {
  const { agent } = request;
  if (!(await services.rights.canAll(request, 'read', [services.serverUrl])).has(services.serverUrl)) {
    throw new HttpError(agent === null ? 401 : 403, `the index status is for agents who may read ${services.serverUrl}${agent === null ? '; sign the request' : ''}`);
  }
  return json(200, { ...services.sync.status(), ...services.index.size }, { 'cache-control': 'no-store' });
}

async function indexReady(sync: ResourceSync): Promise<void> {
  let ready: boolean;
  try {
    ready = await sync.readyWithin(BUILD_WAIT_MS);
  } catch (error) {
    throw new HttpError(503, `the search index could not be built: ${(error as Error).message}`, { 'retry-after': '5' });
  }
  if (!ready) throw new HttpError(503, 'the search index is still being built; try again shortly', { 'retry-after': '5' });
}
