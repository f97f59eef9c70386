// Where the W3C SPARQL 1.1 test data lives and which of its manifests make up the suites we run.
// The data is the W3C's (its own licence), kept outside the repository; it is found, never copied.

import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { packageRoot } from '../assemblyscript.js';

/** The URL prefix the W3C manifests use for every file of the SPARQL 1.1 tests. */
export const W3C_SPARQL11_URL = 'https://w3c.github.io/rdf-tests/sparql/sparql11/';

/** One suite: a manifest of the SPARQL 1.1 tests, named as the report names it. */
export interface W3cSuite {
  /** Short name in reports: `query`, `update`, `results-json`, `results-csv-tsv`. */
  name: string;
  /** The manifest, relative to {@link W3C_SPARQL11_URL}. */
  manifest: string;
}

/**
 * The suites, in report order: the Query and Update manifests, and the two result formats of the
 * results manifest (JSON; CSV and TSV), which the W3C counts separately.
 */
export const W3C_SPARQL_SUITES: readonly W3cSuite[] = [
  { name: 'query', manifest: 'manifest-sparql11-query.ttl' },
  { name: 'update', manifest: 'manifest-sparql11-update.ttl' },
  { name: 'results-json', manifest: 'json-res/manifest.ttl' },
  { name: 'results-csv-tsv', manifest: 'csv-tsv-res/manifest.ttl' },
];

/**
 * The folder holding `sparql/sparql11/`: the given one, else `$W3C_RDF_TESTS`, else
 * `../shared/w3c-rdf-tests` next to the repository. `undefined` when that folder has no SPARQL 1.1
 * manifests (a clone outside the shared setup), so callers can skip with a notice.
 *
 * @example findW3cTests() // '/work/shared/w3c-rdf-tests' in the shared setup
 */
export function findW3cTests(dir?: string, env: NodeJS.ProcessEnv = process.env): string | undefined {
  const candidate = resolve(dir ?? env.W3C_RDF_TESTS ?? join(packageRoot, '..', 'shared', 'w3c-rdf-tests'));
  return existsSync(join(candidate, 'sparql', 'sparql11', 'manifest-sparql11-query.ttl')) ? candidate : undefined;
}

/** The `URL~folder` mapping rdf-test-suite takes to read the manifests' URLs from local files. */
export function urlToFileMapping(testsDir: string): string {
  return `${W3C_SPARQL11_URL}~${join(testsDir, 'sparql', 'sparql11')}/`;
}
