// The W3C SPARQL 1.1 query, update and result-format tests against the SPARQL plugin over HTTP:
// a real server, the plugin built, signed and installed with the CLI, and `conformance sparql`
// run against it. The endpoint must pass every test in-process Oxigraph passes (measured in the
// same run), so its counts are at least Oxigraph's. The W3C data is not in the repository: without
// it the suite is skipped.

import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SparqlConformanceReport } from '../cli/lib/conformance/sparql-conformance.js';
import { findW3cTests } from '../cli/lib/conformance/w3c-suites.js';
import { signRequestHeaders } from '../server/atomic/auth.js';
import { cliEnv, runCli } from './support/cli-run.js';
import { ownerOf } from './support/commits.js';
import { repoRoot, startHostProcess, type HostProcess } from './support/host-process.js';

const testsDir = findW3cTests();
if (!testsDir) console.warn('sparql-w3c: skipped, the W3C SPARQL 1.1 tests are not in ../shared/w3c-rdf-tests (or $W3C_RDF_TESTS)');

describe.skipIf(!testsDir)('W3C SPARQL 1.1 tests over HTTP', () => {
  let host: HostProcess;
  let home: string;
  const env = (): NodeJS.ProcessEnv => cliEnv(join(home, 'config.json'), { ATOMIC_SERVER_URL: host.url, ATOMIC_AGENT_SECRET: host.secret, W3C_RDF_TESTS: testsDir! });
  const cli = async (...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> => runCli(args, { env: env(), timeoutMs: 170_000 });
  const json = async <T>(...args: string[]): Promise<T> => {
    const run = await cli(...args, '--json');
    if (run.code !== 0) throw new Error(`atomic-plugin ${args.join(' ')} exited ${run.code}:\n${run.stdout}\n${run.stderr}`);
    return JSON.parse(run.stdout) as T;
  };

  beforeAll(async () => {
    home = mkdtempSync(join(tmpdir(), 'sparql-w3c-'));
    host = await startHostProcess();
    const built = await json<{ path: string }>('build', join(repoRoot, 'plugins', 'sparql'));
    await json('sign', built.path);
    await json('install', built.path, '--yes');
  }, 120_000);

  afterAll(async () => {
    await host?.dispose();
    if (home) rmSync(home, { recursive: true, force: true });
  });

  it('passes every test in-process Oxigraph passes', async () => {
    const run = await cli('conformance', 'sparql', '--json');
    const report = JSON.parse(run.stdout) as SparqlConformanceReport;
    // The CI log shows the counts next to the baseline's.
    console.log(report.suites.map((s) => `${s.name} ${s.passed}/${s.total} (oxigraph in-process ${s.baseline}/${s.total})`).join('\n'));
    expect(report.suites.map((s) => [s.name, s.total])).toEqual([
      ['query', 328],
      ['update', 157],
      ['results-json', 4],
      ['results-csv-tsv', 6],
    ]);
    for (const suite of report.suites) {
      expect(suite.differences.filter((d) => !d.endpointPassed), suite.name).toEqual([]);
      expect(suite.passed, suite.name).toBeGreaterThanOrEqual(suite.baseline);
    }
    expect(report.regressions).toBe(0);
    expect(report.coversBaseline).toBe(true);
    expect(run.code).toBe(0);
    // The dataset made for the run is gone.
    const datasets = `${host.url}/sparql/datasets`;
    const listed = await fetch(datasets, { headers: { accept: 'application/json', ...signRequestHeaders(datasets, ownerOf(host)) } }).then((r) => r.json() as Promise<{ datasets: { name: string }[] }>);
    expect(listed.datasets.filter((d) => d.name.startsWith('w3c-conformance-'))).toEqual([]);
  }, 180_000);
});
