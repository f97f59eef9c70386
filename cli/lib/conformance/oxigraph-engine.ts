// The baseline of the SPARQL conformance run: the same Oxigraph the SPARQL plugin embeds, in this
// process, with a fresh store per test. Answers are serialized as the endpoint's would be (SPARQL
// JSON, N-Triples) and parsed back by the same code, so only the endpoint's own behaviour differs.

import { Readable } from 'node:stream';
import { Store, fromQuad } from 'oxigraph';
import type { IQueryResult, IUpdateEngine } from 'rdf-test-suite';
import type * as RDF from '@rdfjs/types';
import { engineOptions, isUpdateRequest, parseQueryAnswer } from './w3c-runner.js';

const SPARQL_JSON = 'application/sparql-results+json';
const N_TRIPLES = 'application/n-triples';

/** Oxigraph's parse errors read "error at line:column: ..."; anything else failed while running. */
const SYNTAX_ERROR = /^error at \d+:\d+/;

function storeOf(data: RDF.Quad[]): Store {
  const store = new Store();
  for (const quad of data) store.add(fromQuad(quad));
  return store;
}

/**
 * Oxigraph, in-process, as an rdf-test-suite engine.
 *
 * `parse` runs the request against an empty store and fails only on a syntax error: Oxigraph's JS
 * build has no parse-only call, and a valid update may fail when run (`LOAD` has no HTTP client
 * here; `DROP GRAPH <g>` of a graph that does not exist).
 */
export function createOxigraphEngine(): IUpdateEngine {
  return {
    async parse(text, rawOptions) {
      const options = engineOptions(rawOptions);
      const store = new Store();
      try {
        if (isUpdateRequest(options)) store.update(text, { base_iri: options.baseIRI });
        else store.query(text, { base_iri: options.baseIRI });
      } catch (error) {
        if (error instanceof Error && SYNTAX_ERROR.test(error.message)) throw error;
      }
    },

    async query(data, text, rawOptions): Promise<IQueryResult> {
      const options = engineOptions(rawOptions);
      const store = storeOf(data);
      // The serialized answer does not say which query form ran, and asking for SPARQL JSON from
      // a CONSTRUCT or DESCRIBE is an error: ask for results first, for a graph when refused.
      let contentType = SPARQL_JSON;
      let body: string;
      try {
        body = store.query(text, { base_iri: options.baseIRI, results_format: SPARQL_JSON }) as string;
      } catch (error) {
        if (!(error instanceof Error) || !/not supported RDF format/i.test(error.message)) throw error;
        contentType = N_TRIPLES;
        body = store.query(text, { base_iri: options.baseIRI, results_format: N_TRIPLES }) as string;
      }
      return parseQueryAnswer(contentType, options.baseIRI, body, options.checkOrder ?? false);
    },

    async queryResultFormat(data, text, mediaType, rawOptions) {
      const options = engineOptions(rawOptions);
      return Readable.from([storeOf(data).query(text, { base_iri: options.baseIRI, results_format: mediaType }) as string]);
    },

    async update(data, text, rawOptions) {
      const options = engineOptions(rawOptions);
      const store = storeOf(data);
      store.update(text, { base_iri: options.baseIRI });
      return store.match() as unknown as RDF.Quad[];
    },
  };
}
