// Running W3C test manifests with rdf-test-suite: load a manifest once from the local copy of the
// data, run it with any engine, and read each test's outcome. Engines implement rdf-test-suite's
// IUpdateEngine (which includes IQueryEngine); this module is the only one that drives the runner.

import { Readable } from 'node:stream';
import { ManifestLoader, TestCaseQueryEvaluationHandler, TestSuiteRunner, Util, type IManifest, type IQueryResult, type ITestResult, type IUpdateEngine } from 'rdf-test-suite';
import { W3C_SPARQL11_URL, urlToFileMapping } from './w3c-suites.js';

// rdf-test-suite knows a file's media type from its extension when it reads local files, and has
// no entry for `.rdf`: six data files of the SPARQL 1.1 tests are RDF/XML. The table is a protected
// static; adding the missing row is the smallest change that lets it read them.
(Util as unknown as { extensionToContentType: Record<string, string> }).extensionToContentType.rdf ??= 'application/rdf+xml';

/** How long one test may take. Generous: over HTTP on a loaded machine a test is a few requests. */
const TEST_TIMEOUT_MS = 30_000;

/** The outcome of one test for one engine. */
export interface TestOutcome {
  /** The test's URI (unique within the suites). */
  uri: string;
  name: string;
  ok: boolean;
  /** The first line of the failure, when it failed. */
  error?: string;
  /** The whole failure message (expected and actual results), when it failed. */
  detail?: string;
}

/** A manifest loaded with its tests' data, ready to run with any number of engines. */
export interface LoadedManifest {
  url: string;
  manifest: IManifest;
}

/** Loads a manifest (relative to the SPARQL 1.1 test URL) and every test's data from `testsDir`. */
export async function loadManifest(testsDir: string, manifest: string): Promise<LoadedManifest> {
  const url = `${W3C_SPARQL11_URL}${manifest}`;
  const mapping = new TestSuiteRunner().fromUrlToMappingString(urlToFileMapping(testsDir));
  return { url, manifest: await new ManifestLoader().from(url, { urlToFileMappings: mapping }) };
}

/** Runs every test of a loaded manifest with `engine`, one after another. */
export async function runManifest(loaded: LoadedManifest, engine: IUpdateEngine): Promise<TestOutcome[]> {
  const results: ITestResult[] = [];
  await new TestSuiteRunner().runManifestConcrete(loaded.manifest, engine, { exitWithStatusCode0: true, outputFormat: 'summary', timeOutDuration: TEST_TIMEOUT_MS, customEngingeOptions: {} }, results);
  return results.map((r) => {
    const outcome: TestOutcome = { uri: r.test.uri, name: r.test.name, ok: r.ok && !r.skipped };
    if (!outcome.ok) {
      const message = r.skipped ? `skipped: ${r.error?.message ?? ''}` : (r.error?.message ?? 'failed');
      outcome.error = message.trim().split('\n')[0] ?? message;
      outcome.detail = message;
    }
    return outcome;
  });
}

/**
 * A query answer as rdf-test-suite compares it, parsed from its serialization: SPARQL results
 * (JSON, XML, TSV) or RDF (N-Triples, Turtle...), chosen by `contentType`. Both engines go through
 * this, so the in-process baseline and the endpoint are judged by the same parser.
 * `checkOrder` is the test's (solutions compared in order when the query has ORDER BY).
 */
export async function parseQueryAnswer(contentType: string, baseIri: string, body: string, checkOrder: boolean): Promise<IQueryResult> {
  const result = await TestCaseQueryEvaluationHandler.parseQueryResult(contentType, baseIri, Readable.from([body]));
  if (result.type === 'bindings') result.checkOrder = checkOrder;
  return result;
}

/** The options rdf-test-suite passes to an engine that this code reads. */
export interface EngineOptions {
  /** The URL of the query or update file: the base IRI to resolve relative IRIs against. */
  baseIRI: string;
  /** For query evaluation: whether the expected solutions are ordered. */
  checkOrder?: boolean;
}

/** Reads the options rdf-test-suite gives an engine (typed `Record<string, any>` there). */
export function engineOptions(options: Record<string, unknown>): EngineOptions {
  const baseIRI = typeof options.baseIRI === 'string' ? options.baseIRI : '';
  return { baseIRI, checkOrder: options.checkOrder === true };
}

/**
 * Whether a syntax test is about SPARQL Update: rdf-test-suite's `parse` gets only the text and
 * the file's URL, and update requests are the `.ru` files.
 */
export function isUpdateRequest(options: EngineOptions): boolean {
  return options.baseIRI.endsWith('.ru');
}
