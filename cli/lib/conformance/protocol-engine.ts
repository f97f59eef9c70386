// A SPARQL endpoint over HTTP as an rdf-test-suite engine: each test's data goes into the dataset
// through the Graph Store Protocol, queries and updates through the SPARQL 1.1 Protocol, and the
// answers are judged as they come back (status, media type, body). Nothing is run in this process.

import { Readable } from 'node:stream';
import { Store, defaultGraph, fromQuad, fromTerm, namedNode, quad } from 'oxigraph';
import type { IQueryResult, IUpdateEngine } from 'rdf-test-suite';
import type * as RDF from '@rdfjs/types';
import type { AgentIdentity } from '../../../server/atomic/agent.js';
import { signRequestHeaders } from '../../../server/atomic/auth.js';
import { engineOptions, isUpdateRequest, parseQueryAnswer, type EngineOptions } from './w3c-runner.js';

const SPARQL_JSON = 'application/sparql-results+json';
const N_TRIPLES = 'application/n-triples';
/** What a query asks for: SPARQL JSON for solutions and booleans, N-Triples for graphs. */
const QUERY_ACCEPT = `${SPARQL_JSON}, ${N_TRIPLES};q=0.9`;
/** Every quad of the dataset, the default graph's and the named graphs', in one answer (so blank nodes keep their identity). */
const ALL_QUADS = 'SELECT ?s ?p ?o ?g WHERE { { ?s ?p ?o } UNION { GRAPH ?g { ?s ?p ?o } } }';
const REQUEST_TIMEOUT_MS = 20_000;

/** An answer of the endpoint, read. */
interface Answer {
  status: number;
  contentType: string;
  body: string;
}

/** A request the endpoint answered with something the protocol does not allow there. */
export class ProtocolError extends Error {
  override name = 'ProtocolError';
}

/**
 * The engine for the dataset whose SPARQL endpoint is `endpoint` (its Graph Store at
 * `{endpoint}/data`); every request is signed as `agent`.
 *
 * The protocol has no base IRI parameter, so a request whose test resolves relative IRIs against
 * its file's URL gets a `BASE <...>` line in front (a prologue may repeat BASE). Syntax tests send
 * the request to the endpoint: a 400 is a syntax error, anything else is not (a valid update may
 * still fail when run, as a LOAD without network access does). Calls run one at a time even when
 * rdf-test-suite gives up on a slow test, since they all share the one dataset.
 */
export function createProtocolEngine(endpoint: string, agent: AgentIdentity): IUpdateEngine {
  let queue: Promise<unknown> = Promise.resolve();
  const serially = <T>(work: () => Promise<T>): Promise<T> => {
    const next = queue.then(work, work);
    queue = next.catch(() => undefined);
    return next;
  };

  const send = async (method: string, url: string, headers: Record<string, string>, body?: string): Promise<Answer> => {
    const response = await fetch(url, {
      method,
      headers: { ...headers, ...signRequestHeaders(url, agent) },
      ...(body === undefined ? {} : { body }),
      signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS),
    });
    return { status: response.status, contentType: response.headers.get('content-type') ?? '', body: await response.text() };
  };
  const refused = (what: string, answer: Answer): ProtocolError =>
    new ProtocolError(`${what} answered ${answer.status}${answer.contentType ? ` (${answer.contentType})` : ''}: ${answer.body.trim().slice(0, 400) || '(empty body)'}`);

  const postQuery = (text: string, options: EngineOptions, accept: string): Promise<Answer> =>
    send('POST', endpoint, { 'content-type': 'application/sparql-query', accept }, withBase(text, options));
  const postUpdate = (text: string, options?: EngineOptions): Promise<Answer> =>
    send('POST', endpoint, { 'content-type': 'application/sparql-update' }, options ? withBase(text, options) : text);

  const update = async (text: string, options?: EngineOptions): Promise<void> => {
    const answer = await postUpdate(text, options);
    if (answer.status < 200 || answer.status > 299) throw refused('the update', answer);
  };

  /** Empties the dataset, then puts each graph of `data` through the Graph Store Protocol. */
  const reset = async (data: RDF.Quad[]): Promise<void> => {
    await update('DROP ALL');
    const store = new Store();
    const graphs = new Map<string, RDF.Quad['graph']>();
    for (const q of data) {
      store.add(fromQuad(q));
      graphs.set(q.graph.termType === 'DefaultGraph' ? '' : q.graph.value, q.graph);
    }
    for (const [name, graph] of graphs) {
      const target = name === '' ? `${endpoint}/data?default` : `${endpoint}/data?graph=${encodeURIComponent(name)}`;
      const body = store.dump({ format: N_TRIPLES, from_graph_name: name === '' ? defaultGraph() : fromTerm(graph) });
      const answer = await send('PUT', target, { 'content-type': N_TRIPLES }, body);
      if (answer.status !== 200 && answer.status !== 201 && answer.status !== 204) throw refused(`PUT ${target}`, answer);
    }
  };

  const query = async (text: string, options: EngineOptions): Promise<IQueryResult> => {
    const answer = await postQuery(text, options, QUERY_ACCEPT);
    if (answer.status !== 200) throw refused('the query', answer);
    const mediaType = answer.contentType.split(';')[0]!.trim().toLowerCase();
    if (mediaType !== SPARQL_JSON && mediaType !== N_TRIPLES) throw refused(`the query, asked for ${QUERY_ACCEPT},`, answer);
    return parseQueryAnswer(mediaType, options.baseIRI, answer.body, options.checkOrder ?? false);
  };

  return {
    parse: (text, rawOptions) =>
      serially(async () => {
        const options = engineOptions(rawOptions);
        let answer: Answer;
        if (isUpdateRequest(options)) {
          await reset([]);
          answer = await postUpdate(text, options);
        } else {
          answer = await postQuery(text, options, QUERY_ACCEPT);
        }
        if (answer.status === 400) throw refused('the request', answer);
      }),

    query: (data, text, rawOptions) =>
      serially(async () => {
        await reset(data);
        return query(text, engineOptions(rawOptions));
      }),

    queryResultFormat: (data, text, mediaType, rawOptions) =>
      serially(async () => {
        await reset(data);
        const answer = await postQuery(text, engineOptions(rawOptions), mediaType);
        if (answer.status !== 200) throw refused('the query', answer);
        if (!answer.contentType.toLowerCase().startsWith(mediaType)) throw refused(`the query, asked for ${mediaType},`, answer);
        return Readable.from([answer.body]);
      }),

    update: (data, text, rawOptions) =>
      serially(async () => {
        await reset(data);
        await update(text, engineOptions(rawOptions));
        const result = await query(ALL_QUADS, { baseIRI: endpoint, checkOrder: false });
        if (result.type !== 'bindings') throw new ProtocolError(`reading the dataset back answered ${result.type}, not solutions`);
        return result.value.map((row) => {
          const graph = row['?g'];
          return quad(fromTerm(row['?s']), fromTerm(row['?p']), fromTerm(row['?o']), graph ? namedNode(graph.value) : defaultGraph()) as unknown as RDF.Quad;
        });
      }),
  };
}

/** The request with the test's base IRI declared first. */
function withBase(text: string, options: EngineOptions): string {
  return options.baseIRI ? `BASE <${options.baseIRI}>\n${text}` : text;
}
