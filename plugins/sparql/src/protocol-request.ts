// Reading a SPARQL 1.1 Protocol request: query by GET `?query=`, by POST of a form or of
// `application/sparql-query`; update by POST of a form or of `application/sparql-update`; with the
// dataset parameters each operation allows. Everything the protocol forbids is a ProtocolError
// with the status the protocol names (400 for bad parameters, 405 for other methods, 415 for other
// body types).

import type { HttpRequestInput } from 'atomic-plugin/sdk/node';
import { bodyMediaType, methodNotAllowed, ProtocolError } from './http.js';

/** A query and the dataset the request gives for it (empty lists: the endpoint's own). */
export interface QueryOperation {
  readonly kind: 'query';
  readonly query: string;
  readonly defaultGraphs: readonly string[];
  readonly namedGraphs: readonly string[];
  /** The `format` parameter, if any. */
  readonly format?: string;
}

/** An update and the `using-graph-uri` / `using-named-graph-uri` parameters. */
export interface UpdateOperation {
  readonly kind: 'update';
  readonly update: string;
  readonly usingGraphs: readonly string[];
  readonly usingNamedGraphs: readonly string[];
}

/** A GET without a query: the service description. */
export interface DescribeService {
  readonly kind: 'service';
  readonly format?: string;
}

export type ProtocolOperation = QueryOperation | UpdateOperation | DescribeService;

const QUERY_PARAMS = ['default-graph-uri', 'named-graph-uri'];
const UPDATE_PARAMS = ['using-graph-uri', 'using-named-graph-uri'];

function single(params: URLSearchParams, name: string): string | undefined {
  const values = params.getAll(name);
  if (values.length > 1) throw new ProtocolError(400, `give one ${name} parameter, not ${values.length}`);
  return values[0];
}

function refuse(params: URLSearchParams, names: readonly string[], why: string): void {
  const given = names.filter((n) => params.has(n));
  if (given.length > 0) throw new ProtocolError(400, `${given.join(', ')} ${given.length === 1 ? 'is' : 'are'} not allowed ${why}`);
}

function query(text: string, params: URLSearchParams): QueryOperation {
  refuse(params, ['update', ...UPDATE_PARAMS], 'with a query');
  const format = single(params, 'format');
  return {
    kind: 'query',
    query: text,
    defaultGraphs: params.getAll('default-graph-uri'),
    namedGraphs: params.getAll('named-graph-uri'),
    ...(format === undefined ? {} : { format }),
  };
}

function update(text: string, params: URLSearchParams): UpdateOperation {
  refuse(params, ['query', ...QUERY_PARAMS], 'with an update');
  return { kind: 'update', update: text, usingGraphs: params.getAll('using-graph-uri'), usingNamedGraphs: params.getAll('using-named-graph-uri') };
}

/** The parameters of both the URL and a form body, the URL's first. */
function merged(url: URLSearchParams, body: URLSearchParams): URLSearchParams {
  const all = new URLSearchParams(url);
  for (const [name, value] of body) all.append(name, value);
  return all;
}

/**
 * The operation a request asks for, or a ProtocolError. `what` names the endpoint in messages.
 *
 * @example readProtocolRequest({ method: 'GET', queryString: 'query=ASK%7B%7D', ... }, '/sparql')
 */
export function readProtocolRequest(request: Pick<HttpRequestInput, 'method' | 'queryString' | 'headers' | 'body'>, what: string): ProtocolOperation {
  const url = new URLSearchParams(request.queryString);
  if (request.method === 'GET') {
    if (url.has('update')) throw new ProtocolError(400, `an update must be sent with POST, not GET`);
    const text = single(url, 'query');
    if (text === undefined) {
      refuse(url, [...QUERY_PARAMS, ...UPDATE_PARAMS], 'without a query');
      const format = single(url, 'format');
      return format === undefined ? { kind: 'service' } : { kind: 'service', format };
    }
    return query(text, url);
  }
  if (request.method !== 'POST') throw methodNotAllowed(request.method, ['GET', 'POST'], what);
  const mediaType = bodyMediaType(request.headers, 'a POST to a SPARQL endpoint');
  switch (mediaType) {
    case 'application/x-www-form-urlencoded': {
      const body = new URLSearchParams(request.body);
      for (const name of ['query', 'update']) {
        if (url.has(name)) throw new ProtocolError(400, `with a form body, ${name} belongs in the body, not in the URL`);
      }
      const params = merged(url, body);
      const text = single(params, 'query');
      const updateText = single(params, 'update');
      if (text !== undefined && updateText !== undefined) throw new ProtocolError(400, 'give a query or an update, not both');
      if (text !== undefined) return query(text, params);
      if (updateText !== undefined) return update(updateText, params);
      throw new ProtocolError(400, 'the form has neither a query nor an update parameter');
    }
    case 'application/sparql-query':
      if (url.has('query')) throw new ProtocolError(400, 'the query is the body; it cannot also be a URL parameter');
      return query(request.body, url);
    case 'application/sparql-update':
      if (url.has('update')) throw new ProtocolError(400, 'the update is the body; it cannot also be a URL parameter');
      return update(request.body, url);
    default:
      throw new ProtocolError(415, `${mediaType} is not a SPARQL request body; POST application/sparql-query, application/sparql-update or application/x-www-form-urlencoded`);
  }
}
