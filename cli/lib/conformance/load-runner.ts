// Loads the conformance runner only when a conformance command runs: it needs rdf-test-suite and
// oxigraph, development dependencies that an installed atomic-plugin does not carry, and the W3C
// test data.

import { CliError } from '../errors.js';
import { findW3cTests } from './w3c-suites.js';

/** The SPARQL conformance runner's module. */
export type SparqlConformanceModule = typeof import('./sparql-conformance.js');

/** Imports the runner, or explains how to get rdf-test-suite when it is missing. */
export async function loadSparqlConformance(): Promise<SparqlConformanceModule> {
  try {
    return await import('./sparql-conformance.js');
  } catch (error) {
    const code = (error as { code?: unknown }).code;
    const missing = ['rdf-test-suite', 'oxigraph'].find((name) => String(error).includes(`'${name}'`));
    if ((code === 'ERR_MODULE_NOT_FOUND' || code === 'MODULE_NOT_FOUND') && missing) {
      throw new CliError('RUNNER_NOT_INSTALLED', `The conformance runner needs ${missing}, a development dependency of atomic-plugin`, [
        'run it from a clone of the repository after `npm install`',
      ]);
    }
    throw error;
  }
}

/** The W3C test data folder from the flag, `$W3C_RDF_TESTS` or the shared setup; TESTS_NOT_FOUND otherwise. */
export function requireW3cTests(dir?: string): string {
  const found = findW3cTests(dir);
  if (found) return found;
  throw new CliError('TESTS_NOT_FOUND', `The W3C SPARQL 1.1 tests are not in ${dir ?? process.env.W3C_RDF_TESTS ?? '../shared/w3c-rdf-tests'} (no sparql/sparql11/manifest-sparql11-query.ttl)`, [
    'point --tests or W3C_RDF_TESTS at a checkout of https://github.com/w3c/rdf-tests',
  ]);
}
