// The host's HTTP behaviour as a function from request to response, with no socket in sight, so
// that it can be tested directly and put behind any server (see node-server.ts).

import { claimsFromHeaders } from '../atomic/auth.js';
import { AtomicError, errorResource } from '../atomic/errors.js';
import type { PropVals } from '../atomic/json-ad.js';
import { authenticate } from '../access.js';
import { resolveUrl } from '../resolve.js';
import type { CommitProcessor } from '../commits.js';
import type { StoreReader } from '../store/store.js';
import { mediaTypes, negotiate, prefersHtml, propertyInfoFrom, serialize, type MediaType, type PropertyLookup } from './formats.js';

/** An HTTP request, already read. `url` is the path and query as sent; header names are lowercase. */
export interface HttpRequest {
  method: string;
  url: string;
  headers: Record<string, string | string[] | undefined>;
  body?: Buffer;
}

/** An HTTP response. */
export interface HttpResponse {
  status: number;
  headers: Record<string, string>;
  body: string | Buffer;
}

/** A part of the URL space that is not stored resources: package uploads, plugin endpoints. */
export interface Route {
  /** True when this route serves `path` (without the query string). */
  matches(path: string): boolean;
  /** The largest request body this route takes; the server's default when absent. */
  maxBodyBytes?: number;
  handle(request: HttpRequest, context: RouteContext): Promise<HttpResponse>;
}

/** What a route gets besides the request. */
export interface RouteContext {
  /** The URL as the client requested it. */
  url: string;
  /** The authenticated agent, or undefined for anonymous requests. */
  agent: string | undefined;
}

/** What the app needs from the host. */
export interface AppContext {
  store: StoreReader;
  serverUrl: string;
  commits: CommitProcessor;
  /** Consulted in order before stored resources; /commit cannot be taken. */
  routes?: readonly Route[];
  /**
   * Where a browser asking for the drive (`GET /` preferring text/html) is sent: the dashboard.
   * Clients that ask for an RDF or JSON format get the drive as before.
   */
  browserHome?: string;
  /** Lets plugins extend a resource before it is served (on-resource-get hooks). */
  extendResource?: (subject: string, propvals: PropVals, agent: string | undefined) => Promise<PropVals>;
}

/** Handles one request. */
export type App = (request: HttpRequest) => Promise<HttpResponse>;

const CORS_HEADERS = {
  'access-control-allow-origin': '*',
  'access-control-allow-methods': 'GET, HEAD, POST, OPTIONS',
  'access-control-allow-headers': 'accept, content-type, x-atomic-public-key, x-atomic-signature, x-atomic-timestamp, x-atomic-agent',
};

const COMMIT_MEDIA_TYPES = new Set(['application/ad+json', 'application/json']);

function header(request: HttpRequest, name: string): string | undefined {
  const value = request.headers[name];
  return Array.isArray(value) ? value[0] : value;
}

/** The URL the client asked for, as the client wrote it: scheme of the server URL, the Host header, the raw path. */
export function requestedUrl(serverUrl: string, request: HttpRequest): string {
  const scheme = new URL(serverUrl).protocol;
  const host = header(request, 'host') ?? new URL(serverUrl).host;
  // A client asking for the drive itself asks for the bare origin; HTTP can only send "/".
  return request.url === '/' ? `${scheme}//${host}` : `${scheme}//${host}${request.url}`;
}

/** The JSON-AD Error resource for an error, with `subject` (the requested URL) as its @id. */
export function errorResponse(error: AtomicError, subject: string): HttpResponse {
  return {
    status: error.status,
    headers: { 'content-type': 'application/ad+json; charset=utf-8', ...CORS_HEADERS },
    body: JSON.stringify({ '@id': subject, ...errorResource(error) }),
  };
}

/** Builds the app. */
export function createApp(ctx: AppContext): App {
  const { store, serverUrl, commits, routes = [], extendResource, browserHome } = ctx;
  const lookup: PropertyLookup = (property) => propertyInfoFrom(store.get(property));

  const respond = (status: number, type: MediaType, subject: string, propvals: PropVals): HttpResponse => ({
    status,
    headers: { 'content-type': `${type}; charset=utf-8`, ...CORS_HEADERS },
    body: serialize(type, subject, propvals, lookup),
  });

  // Requests being answered: the only one verifies its signature without the thread pool.
  let inFlight = 0;
  const agentOf = async (request: HttpRequest, url: string): Promise<string | undefined> => {
    const claims = claimsFromHeaders(request.headers, url);
    return claims ? authenticate(store, claims, { inline: inFlight === 1 }) : undefined;
  };

  const get = async (request: HttpRequest, url: string): Promise<HttpResponse> => {
    const type = negotiate(header(request, 'accept'));
    if (!type) throw new AtomicError('NOT_ACCEPTABLE', `this server serves ${mediaTypes.join(', ')}`);
    const agent = await agentOf(request, url);
    // The subject is built from the server URL, whatever host name the client used.
    const target = request.url === '/' ? serverUrl : `${serverUrl}${request.url}`;
    const propvals = resolveUrl(store, serverUrl, target, agent);
    return respond(200, type, url, extendResource ? await extendResource(target, propvals, agent) : propvals);
  };

  const postCommit = async (request: HttpRequest): Promise<HttpResponse> => {
    const contentType = header(request, 'content-type')?.split(';')[0]?.trim().toLowerCase();
    if (!contentType || !COMMIT_MEDIA_TYPES.has(contentType)) {
      throw new AtomicError('UNSUPPORTED_MEDIA_TYPE', `POST /commit takes application/ad+json, got ${contentType ?? 'no content type'}`);
    }
    let body: unknown;
    try {
      body = JSON.parse((request.body ?? Buffer.alloc(0)).toString('utf8'));
    } catch (error) {
      throw new AtomicError('INVALID_JSON', (error as Error).message);
    }
    const applied = await commits.process(body);
    return respond(200, 'application/ad+json', applied.commitId, applied.commitPropVals);
  };

  return async (request) => {
    const url = requestedUrl(serverUrl, request);
    inFlight++;
    try {
      const path = request.url.split('?')[0];
      if (request.method === 'OPTIONS') return { status: 204, headers: { ...CORS_HEADERS }, body: '' };
      if (path === '/commit') {
        if (request.method !== 'POST') throw new AtomicError('METHOD_NOT_ALLOWED', 'POST a signed commit to /commit');
        return await postCommit(request);
      }
      const route = routes.find((r) => r.matches(path ?? '/'));
      if (route) return await route.handle(request, { url, agent: await agentOf(request, url) });
      // For HEAD the server sends the GET's headers (content-length included) and leaves the body out.
      if (request.method === 'GET' || request.method === 'HEAD') {
        if (browserHome && request.url === '/' && prefersHtml(header(request, 'accept'))) {
          return { status: 303, headers: { location: browserHome, vary: 'accept', ...CORS_HEADERS }, body: '' };
        }
        return await get(request, url);
      }
      throw new AtomicError('METHOD_NOT_ALLOWED', `${request.method} is not supported on ${path}`);
    } catch (error) {
      if (error instanceof AtomicError) return errorResponse(error, url);
      console.error(`${request.method} ${request.url} failed:`, error);
      return errorResponse(new AtomicError('INTERNAL', 'see the server log'), url);
    } finally {
      inFlight--;
    }
  };
}
