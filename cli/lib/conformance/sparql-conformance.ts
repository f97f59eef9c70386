// The W3C SPARQL 1.1 conformance run: every suite against in-process Oxigraph (the baseline,
// measured in the same run) and, when a server is given, against its SPARQL plugin over HTTP in a
// dataset made for the run; then the counts side by side and the tests where they differ.

import { randomBytes } from 'node:crypto';
import type { AgentIdentity } from '../../../server/atomic/agent.js';
import { createOxigraphEngine } from './oxigraph-engine.js';
import { createProtocolEngine } from './protocol-engine.js';
import { createDataset, deleteDataset } from './sparql-datasets.js';
import { loadManifest, runManifest, type TestOutcome } from './w3c-runner.js';
import { W3C_SPARQL_SUITES, type W3cSuite } from './w3c-suites.js';

/** A test on which the endpoint and the baseline disagree. */
export interface ConformanceDifference {
  uri: string;
  name: string;
  /** Whether the endpoint passed (the baseline did the opposite). */
  endpointPassed: boolean;
  /** Why the side that failed failed (first line). */
  error: string;
  /** The whole failure message (query, expected and actual results), at most 4,000 characters. */
  detail: string;
}

/** One suite's counts. */
export interface SuiteConformance {
  name: string;
  total: number;
  /** Tests the endpoint passed; absent when no endpoint was run. */
  passed?: number;
  /** Tests in-process Oxigraph passed. */
  baseline: number;
  /** Tests the baseline fails (known Oxigraph deviations), by URI. */
  baselineFailures: string[];
  differences: ConformanceDifference[];
}

/** The whole run. */
export interface SparqlConformanceReport {
  testsDir: string;
  /** The dataset endpoint tested; absent for a baseline-only run. */
  endpoint?: string;
  suites: SuiteConformance[];
  /**
   * True when the endpoint passed every test the baseline passed (or no endpoint ran). It may pass
   * more: a test Oxigraph fails can pass through the plugin, which checks some requests itself.
   */
  coversBaseline: boolean;
  /** Tests the baseline passes and the endpoint fails, over all suites. */
  regressions: number;
  durationMs: number;
}

/** Where to run the suites over HTTP: a server with the SPARQL plugin, and an agent with write rights on its drive. */
export interface ServerTarget {
  serverUrl: string;
  agent: AgentIdentity;
}

/** Options of {@link runSparqlConformance}. */
export interface SparqlConformanceOptions {
  testsDir: string;
  /** Without one, only the baseline runs. */
  server?: ServerTarget;
  /** Only these suites (names of {@link W3C_SPARQL_SUITES}); all by default. */
  suites?: readonly string[];
  progress?: (line: string) => void;
}

/**
 * Runs the suites. The endpoint's dataset is created with a fresh name and deleted at the end,
 * also when a suite throws.
 */
export async function runSparqlConformance(options: SparqlConformanceOptions): Promise<SparqlConformanceReport> {
  const started = performance.now();
  const progress = options.progress ?? (() => undefined);
  const suites = W3C_SPARQL_SUITES.filter((s) => !options.suites || options.suites.includes(s.name));
  const baseline = createOxigraphEngine();
  const target = options.server;
  const dataset = target ? await createDataset(target.serverUrl, target.agent, `w3c-conformance-${randomBytes(4).toString('hex')}`) : undefined;
  if (dataset) progress(`dataset ${dataset.name}: ${dataset.endpoint}`);
  const endpoint = target && dataset ? createProtocolEngine(dataset.endpoint, target.agent) : undefined;
  const reports: SuiteConformance[] = [];
  try {
    for (const suite of suites) {
      const loaded = await loadManifest(options.testsDir, suite.manifest);
      const base = await runManifest(loaded, baseline);
      progress(`${suite.name}: oxigraph in-process ${countPassed(base)}/${base.length}`);
      const remote = endpoint ? await runManifest(loaded, endpoint) : undefined;
      if (remote) progress(`${suite.name}: endpoint ${countPassed(remote)}/${remote.length}`);
      reports.push(compareSuite(suite, base, remote));
    }
  } finally {
    if (target && dataset) await deleteDataset(target.serverUrl, target.agent, dataset.name);
  }
  const report: SparqlConformanceReport = {
    testsDir: options.testsDir,
    suites: reports,
    coversBaseline: true,
    regressions: reports.reduce((n, s) => n + s.differences.filter((d) => !d.endpointPassed).length, 0),
    durationMs: Math.round(performance.now() - started),
  };
  report.coversBaseline = report.regressions === 0;
  if (dataset) report.endpoint = dataset.endpoint;
  return report;
}

function countPassed(outcomes: TestOutcome[]): number {
  return outcomes.filter((o) => o.ok).length;
}

function compareSuite(suite: W3cSuite, base: TestOutcome[], remote: TestOutcome[] | undefined): SuiteConformance {
  const report: SuiteConformance = {
    name: suite.name,
    total: base.length,
    baseline: countPassed(base),
    baselineFailures: base.filter((o) => !o.ok).map((o) => o.uri),
    differences: [],
  };
  if (!remote) return report;
  report.passed = countPassed(remote);
  const baseByUri = new Map(base.map((o) => [o.uri, o]));
  for (const o of remote) {
    const b = baseByUri.get(o.uri);
    if (!b || b.ok === o.ok) continue;
    const failed = o.ok ? b : o;
    report.differences.push({ uri: o.uri, name: o.name, endpointPassed: o.ok, error: failed.error ?? '', detail: (failed.detail ?? '').slice(0, 4_000) });
  }
  return report;
}

/**
 * The report for people: one line per suite, `query 318/328 (oxigraph in-process 318/328)`, then
 * the tests that differ with the reason.
 */
export function formatConformanceReport(report: SparqlConformanceReport): string {
  const lines: string[] = [];
  const width = Math.max(...report.suites.map((s) => s.name.length));
  for (const s of report.suites) {
    const base = `oxigraph in-process ${s.baseline}/${s.total}`;
    lines.push(s.passed === undefined ? `${s.name.padEnd(width)}  ${base}` : `${s.name.padEnd(width)}  ${s.passed}/${s.total} (${base})`);
  }
  const differences = report.suites.flatMap((s) => s.differences.map((d) => ({ suite: s.name, ...d })));
  if (differences.length > 0) {
    lines.push('', `${differences.length} test${differences.length === 1 ? '' : 's'} differ from the baseline:`);
    for (const d of differences) {
      lines.push(`  ${d.suite} ${d.name} <${d.uri}>`, `    ${d.endpointPassed ? 'endpoint passes, oxigraph in-process fails' : 'endpoint fails, oxigraph in-process passes'}: ${d.error}`);
    }
  }
  return lines.join('\n');
}
