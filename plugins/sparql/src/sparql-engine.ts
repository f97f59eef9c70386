// Running SPARQL Protocol operations on an Oxigraph store: a query answered in the negotiated
// format (the form read from the query text decides which formats apply), a plain update, and the
// service description a GET without a query gets. Oxigraph's parser messages become 400 answers.

import { defaultGraph, namedNode, quad, Store, type NamedNode } from 'oxigraph';
import sparqljs from 'sparqljs';
import type { HttpResponse } from 'atomic-plugin/sdk/node';
import { chooseFormat, contentType, formatsFor, graphFormats, resultFormats } from './formats.js';
import { ProtocolError } from './http.js';
import type { QueryOperation } from './protocol-request.js';
import { detectQueryForm } from './query-form.js';
import { freeStore } from './free-store.js';

/** What a query runs over when the request names no dataset. */
export interface QueryScope {
  readonly store: Store;
  /** The base IRI relative IRIs resolve against: the endpoint's URL. */
  readonly base: string;
  /** True: the default graph is the union of all graphs (the mirror keeps each resource in its own). */
  readonly unionDefaultGraph: boolean;
}

/** An IRI from a request parameter, or a 400 naming the parameter. */
export function iri(value: string, parameter: string): NamedNode {
  try {
    return namedNode(value);
  } catch (error) {
    throw new ProtocolError(400, `${parameter} "${value}" is not an IRI: ${(error as Error).message}`);
  }
}

/**
 * Whether the query names its own dataset (FROM, FROM NAMED). Oxigraph's union-default-graph
 * option would override it, so it must not be set then. sparqljs confirms what a quick look for
 * the keyword suggests; a query sparqljs cannot read is taken to have none (Oxigraph's parser
 * then has the last word).
 */
function hasDatasetClause(query: string, base: string): boolean {
  if (!/\bFROM\b/i.test(query)) return false;
  try {
    const parsed = new sparqljs.Parser({ baseIRI: base }).parse(query);
    return parsed.type === 'query' && parsed.from !== undefined && parsed.from.default.length + parsed.from.named.length > 0;
  } catch {
    return false;
  }
}

/** Oxigraph's query options for the request's dataset, or the query's own, or the scope's. */
function datasetOptions(scope: QueryScope, op: Pick<QueryOperation, 'defaultGraphs' | 'namedGraphs' | 'query'>): Record<string, unknown> {
  // The protocol's dataset replaces the query's FROM clauses, and the endpoint's default dataset.
  if (op.defaultGraphs.length > 0 || op.namedGraphs.length > 0) {
    return {
      default_graph: op.defaultGraphs.map((g) => iri(g, 'default-graph-uri')),
      named_graphs: op.namedGraphs.map((g) => iri(g, 'named-graph-uri')),
    };
  }
  return scope.unionDefaultGraph && !hasDatasetClause(op.query, scope.base) ? { use_default_graph_as_union: true } : {};
}

/** Oxigraph's messages for text that is not valid SPARQL (its parser's, and the rules it checks while parsing). */
const MALFORMED = [/^error at \d+:\d+/, /cannot be shared by multiple blocks/];

/**
 * Oxigraph's error as the protocol's answer: 400 with the parser's message for a query or update
 * that is not valid SPARQL, 500 for a valid one that fails when run (an unknown function, LOAD,
 * DROP of a graph that does not exist).
 */
export function oxigraphFailure(error: unknown, what: 'query' | 'update'): ProtocolError {
  const message = error instanceof Error ? error.message : String(error);
  if (MALFORMED.some((pattern) => pattern.test(message))) return new ProtocolError(400, `the ${what} is not valid SPARQL: ${message}`);
  return new ProtocolError(500, `the ${what} failed: ${message}`);
}

/**
 * Answers a query: 200 with the results in the negotiated format, 400 for a query Oxigraph
 * refuses, 406 when no acceptable format fits the query's form.
 */
export function answerQuery(scope: QueryScope, op: QueryOperation, accept: string | undefined): HttpResponse {
  const form = detectQueryForm(op.query);
  const options = { base_iri: scope.base, ...datasetOptions(scope, op) };
  if (form === undefined) {
    // Not a query by its first keyword: Oxigraph's parser says what is wrong with it.
    try {
      scope.store.query(op.query, options);
    } catch (error) {
      throw oxigraphFailure(error, 'query');
    }
    throw new ProtocolError(400, 'the query must be a SELECT, CONSTRUCT, DESCRIBE or ASK query');
  }
  const format = chooseFormat(formatsFor(form), accept, op.format);
  let body: unknown;
  try {
    body = scope.store.query(op.query, { ...options, results_format: format.oxigraph });
  } catch (error) {
    throw oxigraphFailure(error, 'query');
  }
  return { status: 200, headers: { 'content-type': contentType(format) }, body: String(body) };
}

const SD = 'http://www.w3.org/ns/sparql-service-description#';
const FORMATS = 'http://www.w3.org/ns/formats/';
const RDF_TYPE = 'http://www.w3.org/1999/02/22-rdf-syntax-ns#type';

/** The SPARQL 1.1 Service Description of an endpoint, in a negotiated RDF format. */
export function describeService(endpoint: string, options: { update: boolean; unionDefaultGraph: boolean }, accept: string | undefined, formatParam: string | undefined): HttpResponse {
  const format = chooseFormat(graphFormats, accept, formatParam);
  const store = new Store();
  const service = namedNode(endpoint);
  const add = (p: string, o: string): void => store.add(quad(service, namedNode(p), namedNode(o), defaultGraph()));
  add(RDF_TYPE, `${SD}Service`);
  add(`${SD}endpoint`, endpoint);
  add(`${SD}supportedLanguage`, `${SD}SPARQL11Query`);
  if (options.update) add(`${SD}supportedLanguage`, `${SD}SPARQL11Update`);
  if (options.unionDefaultGraph) add(`${SD}feature`, `${SD}UnionDefaultGraph`);
  add(`${SD}feature`, `${SD}BasicFederatedQuery`);
  const formatNames: Record<string, string> = {
    'application/sparql-results+json': 'SPARQL_Results_JSON',
    'application/sparql-results+xml': 'SPARQL_Results_XML',
    'text/csv': 'SPARQL_Results_CSV',
    'text/tab-separated-values': 'SPARQL_Results_TSV',
    'text/turtle': 'Turtle',
    'application/n-triples': 'N-Triples',
    'application/ld+json': 'JSON-LD',
    'application/rdf+xml': 'RDF_XML',
  };
  for (const f of [...resultFormats, ...graphFormats]) add(`${SD}resultFormat`, `${FORMATS}${formatNames[f.mediaType]}`);
  try {
    return { status: 200, headers: { 'content-type': contentType(format) }, body: store.dump({ format: format.oxigraph, from_graph_name: defaultGraph() }) };
  } finally {
    freeStore(store);
  }
}
