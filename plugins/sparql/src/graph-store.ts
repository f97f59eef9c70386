// The SPARQL 1.1 Graph Store HTTP Protocol on a dataset's store: GET, PUT, POST and DELETE of the
// default graph (`?default`) or a named graph (`?graph=<iri>`, or directly by a URL below the graph
// store's own), with bodies in every RDF syntax Oxigraph reads, multipart/form-data included.

import { defaultGraph, Store, type DefaultGraph, type NamedNode } from 'oxigraph';
import type { HttpRequestInput, HttpResponse } from 'atomic-plugin/sdk/node';
import { chooseFormat, contentType, datasetFormats, formatOfBody, graphFormats } from './formats.js';
import { bodyMediaType, methodNotAllowed, ProtocolError } from './http.js';
import { boundaryOf, parseMultipart } from './multipart.js';
import { freeStore } from './free-store.js';
import { iri } from './sparql-engine.js';

/** The graph a request is about. */
type Target = DefaultGraph | NamedNode;

/** Where the graph store is and how a request reached it. */
export interface GraphStoreRequest {
  readonly request: HttpRequestInput;
  /** The graph store's absolute URL (`{server}/sparql/datasets/{name}/data`). */
  readonly storeUrl: string;
  /** The request's path below the graph store (`/person/1.ttl` for direct identification), or ''. */
  readonly below: string;
}

function target(req: GraphStoreRequest): Target | undefined {
  const params = new URLSearchParams(req.request.queryString);
  const graphs = params.getAll('graph');
  const isDefault = params.has('default');
  if (req.below !== '') {
    if (graphs.length > 0 || isDefault) throw new ProtocolError(400, 'a graph named by its URL takes neither ?graph nor ?default');
    return iri(`${req.storeUrl}${req.below}`, 'the graph URL');
  }
  if (graphs.length > 1) throw new ProtocolError(400, 'give one graph parameter');
  if (graphs.length === 1 && isDefault) throw new ProtocolError(400, 'give ?graph=<iri> or ?default, not both');
  if (isDefault) return defaultGraph();
  return graphs.length === 1 ? iri(graphs[0]!, 'graph') : undefined;
}

function exists(store: Store, graph: Target): boolean {
  if (graph.termType === 'DefaultGraph') return true;
  return store.query(`ASK { GRAPH <${graph.value}> { ?s ?p ?o } }`) === true;
}

/** Loads one RDF document into `into`, its default graph's triples into `graph`; 415 / 400 when unreadable. */
function loadDocument(into: Store, body: string, mediaType: string, graph: Target, base: string): void {
  const format = formatOfBody([...graphFormats, ...datasetFormats], mediaType);
  if (!format) {
    throw new ProtocolError(415, `${mediaType} is not an RDF syntax this graph store reads; send ${[...graphFormats, ...datasetFormats].map((f) => f.mediaType).join(', ')} or multipart/form-data`);
  }
  try {
    into.load(body, { format: format.oxigraph, base_iri: base, to_graph_name: graph });
  } catch (error) {
    throw new ProtocolError(400, `the ${format.mediaType} body cannot be read: ${(error as Error).message}`);
  }
}

/**
 * Every quad the request body holds (each part of a multipart body in its own syntax), as
 * N-Quads: read into a scratch store first, so that a body that does not parse changes nothing.
 */
function bodyNQuads(request: HttpRequestInput, graph: Target, base: string): string {
  const mediaType = bodyMediaType(request.headers, 'a graph store request with a body');
  const scratch = new Store();
  try {
    if (mediaType !== 'multipart/form-data') {
      loadDocument(scratch, request.body, mediaType, graph, base);
    } else {
      for (const part of parseMultipart(request.body, boundaryOf(request.headers['content-type'] ?? ''))) {
        loadDocument(scratch, part.body, bodyMediaType(part.headers, 'each part of a multipart body'), graph, base);
      }
    }
    return scratch.dump({ format: 'application/n-quads' });
  } finally {
    freeStore(scratch);
  }
}

const addNQuads = (store: Store, nquads: string): void => store.load(nquads, { format: 'application/n-quads' });

/** Removes every triple of `graph` (the graph then no longer exists, unless it is the default one). */
function clear(store: Store, graph: Target): void {
  store.update(graph.termType === 'DefaultGraph' ? 'CLEAR DEFAULT' : `DROP SILENT GRAPH <${graph.value}>`);
}

/**
 * Answers a Graph Store Protocol request on `store`. `changed` is called after the store changed
 * (to persist it) and before the answer.
 */
export function answerGraphStore(store: Store, req: GraphStoreRequest, changed: () => void): HttpResponse {
  const { request } = req;
  const graph = target(req);
  if (graph === undefined) {
    if (request.method !== 'POST') throw new ProtocolError(400, 'name the graph with ?graph=<iri> or ?default');
    // POST to the graph store itself: a new graph, named by the server.
    const created = iri(`${req.storeUrl}/${crypto.randomUUID()}`, 'the new graph');
    addNQuads(store, bodyNQuads(request, created, created.value));
    changed();
    return { status: 201, headers: { location: created.value }, body: '' };
  }
  const base = graph.termType === 'NamedNode' ? graph.value : req.storeUrl;
  switch (request.method) {
    case 'GET': {
      if (!exists(store, graph)) throw new ProtocolError(404, `the graph <${graph.value}> does not exist`);
      const format = chooseFormat(graphFormats, request.headers.accept, undefined);
      return { status: 200, headers: { 'content-type': contentType(format) }, body: store.dump({ format: format.oxigraph, from_graph_name: graph }) };
    }
    case 'PUT': {
      const quads = bodyNQuads(request, graph, base);
      const existed = exists(store, graph);
      clear(store, graph);
      addNQuads(store, quads);
      changed();
      return { status: existed ? 204 : 201, headers: {}, body: '' };
    }
    case 'POST': {
      const quads = bodyNQuads(request, graph, base);
      const existed = exists(store, graph);
      addNQuads(store, quads);
      changed();
      return { status: existed ? 204 : 201, headers: {}, body: '' };
    }
    case 'DELETE': {
      if (!exists(store, graph)) throw new ProtocolError(404, `the graph <${graph.value}> does not exist`);
      clear(store, graph);
      changed();
      return { status: 204, headers: {}, body: '' };
    }
    default:
      throw methodNotAllowed(request.method, ['GET', 'PUT', 'POST', 'DELETE'], 'a graph store');
  }
}
