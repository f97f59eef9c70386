// Entry point of `npm run bench`: parses flags, runs the baselines and the host suite, and prints figures, ratios and targets (or JSON).

import { mkdtempSync } from 'node:fs';
import { availableParallelism, cpus, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { measureBareHttp, measureInProcessBound, measureVerifyOnly, type BareResult, type VerifyStats } from './baselines.js';
import { runHostSuite, type HostSuiteResult } from './commit-ingestion.js';
import { runCrudSuite, type CrudSuiteResult } from './crud-suite.js';
import { machineBusyPercent, removedAtExit } from './child.js';
import type { LoadStats } from './load.js';
import { IDLE_GAP_MS } from './plugin-calls.js';
import { runPluginSuite, type PluginSuiteResult } from './plugin-suite.js';
import { measureRuntimeCalls, type RuntimeCallsResult } from './runtime-calls.js';
import { runSearchSuite, type SearchSuiteResult } from './search-suite.js';
import { runSparqlSuite, type SparqlSuiteResult } from './sparql-suite.js';
import { findProfile, formatProfile, summarizeProfile, type ProfileSummary } from './profile.js';

const SUITES = ['verify', 'inprocess', 'bare', 'commits', 'get', 'plugins', 'runtimes', 'sparql', 'crud', 'search'] as const;
type Suite = (typeof SUITES)[number];

/** Target: HTTP commit ingestion at least this many commits per second. */
const TARGET_COMMITS_PER_SECOND = 5_000;
/** Target: HTTP commit ingestion at least this fraction of the in-process bound. */
const TARGET_BOUND_RATIO = 0.5;
/** Target: a plugin endpoint serves at least this fraction of a native route's requests per second. */
const TARGET_PLUGIN_RATIO = 0.8;
/** Target: a before-commit hook adds at most this many µs to the median commit at C=1. */
const TARGET_BEFORE_COMMIT_US = 20;
/** Target: installing an uploaded plugin until its endpoint answers takes at most this many ms (median). */
const TARGET_HOT_INSTALL_MS = 50;
/** Target: RSS and echo p50 grow by at most this many % over the drift calls. */
const TARGET_DRIFT_PERCENT = 10;
/** Target: a query through the SPARQL plugin takes at most this many times as long (p50) as on in-process Oxigraph. */
const TARGET_SPARQL_RATIO = 1.2;
/** Target: the search plugin indexes at least this many resources per second. */
const TARGET_SEARCH_INDEX_PER_SECOND = 5_000;
/** Target: a /search query takes at most this many ms (p50, C=1). */
const TARGET_SEARCH_P50_MS = 2;

interface Flags {
  quick: boolean;
  json: boolean;
  keep: boolean;
  levels: number[];
  /** Length of a measured phase in ms (default 2500, or 400 with --quick). */
  durationMs?: number;
  only: Set<Suite>;
  cpuProfDir?: string;
  /** Client concurrencies of the plugin endpoint phases (default 1,16,64). */
  pluginLevels: number[];
  /** Calls for the plugin drift measurement; undefined chooses (1,000,000 if they fit, 20,000 with --quick). */
  driftCalls?: number;
  /** About how many triples the SPARQL suite generates (default 100,000; 10,000 with --quick). */
  sparqlTriples?: number;
  /** How many resources the search suite generates (default 100,000; 5,000 with --quick). */
  searchResources?: number;
}

const USAGE = `Usage: npm run bench -- [--quick] [--json] [--levels 1,64,256] [--plugin-levels 1,16,64] [--drift-calls n] [--sparql-triples n] [--search-resources n] [--duration ms] [--only ${SUITES.join(',')}] [--cpu-prof [dir]] [--keep]

  --quick      short phases (a smoke run for tests and CI, ~40 s)
  --json       print the results as one JSON object on stdout (progress still goes to stderr)
  --levels     client concurrencies to measure (default 1,64,256)
  --plugin-levels  client concurrencies of the plugin endpoint phases (default 1,16,64)
  --drift-calls    plugin calls between the two drift samples (default 1,000,000 if they fit in 150 s, else what fits in 120 s; 20,000 with --quick)
  --sparql-triples about how many triples the SPARQL suite generates (default 100,000; 10,000 with --quick)
  --search-resources how many resources the search suite generates and indexes (default 100,000; 5,000 with --quick)
  --duration   length of each measured phase in ms (default 2500; 400 with --quick)
  --only       run only these suites (default: all)
  --cpu-prof   run the host with node --cpu-prof; the .cpuprofile is written to dir (default ./bench-profiles)
  --keep       keep the temporary data folders
`;

function parseFlags(argv: string[]): Flags {
  const flags: Flags = { quick: false, json: false, keep: false, levels: [1, 64, 256], only: new Set(SUITES), pluginLevels: [1, 16, 64] };
  const concurrencies = (flag: string, v: string): number[] =>
    v.split(',').map((s) => {
      const n = Number(s);
      if (!Number.isInteger(n) || n < 1 || n > 1024) throw new Error(`${flag}: ${s} is not a concurrency from 1 to 1024`);
      return n;
    });
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    const value = (): string => {
      const v = argv[++i];
      if (v === undefined) throw new Error(`${arg} needs a value`);
      return v;
    };
    switch (arg) {
      case '--quick':
        flags.quick = true;
        break;
      case '--json':
        flags.json = true;
        break;
      case '--keep':
        flags.keep = true;
        break;
      case '--levels':
        flags.levels = concurrencies(arg, value());
        break;
      case '--plugin-levels':
        flags.pluginLevels = concurrencies(arg, value());
        break;
      case '--drift-calls': {
        const v = value();
        const n = Number(v);
        if (!Number.isInteger(n) || n < 100 || n > 100_000_000) throw new Error(`--drift-calls: ${v} is not a number of calls from 100 to 100000000`);
        flags.driftCalls = n;
        break;
      }
      case '--sparql-triples': {
        const v = value();
        const n = Number(v);
        if (!Number.isInteger(n) || n < 1_000 || n > 5_000_000) throw new Error(`--sparql-triples: ${v} is not a number of triples from 1000 to 5000000`);
        flags.sparqlTriples = n;
        break;
      }
      case '--search-resources': {
        const v = value();
        const n = Number(v);
        if (!Number.isInteger(n) || n < 1_000 || n > 2_000_000) throw new Error(`--search-resources: ${v} is not a number of resources from 1000 to 2000000`);
        flags.searchResources = n;
        break;
      }
      case '--duration': {
        const v = value();
        const n = Number(v);
        if (!Number.isFinite(n) || n < 50 || n > 60_000) throw new Error(`--duration: ${v} is not a phase length from 50 to 60000 ms`);
        flags.durationMs = n;
        break;
      }
      case '--only': {
        const wanted = value().split(',');
        for (const s of wanted) if (!(SUITES as readonly string[]).includes(s)) throw new Error(`--only: unknown suite ${s} (known: ${SUITES.join(', ')})`);
        flags.only = new Set(wanted as Suite[]);
        break;
      }
      case '--cpu-prof': {
        const next = argv[i + 1];
        flags.cpuProfDir = resolve(next !== undefined && !next.startsWith('--') ? value() : 'bench-profiles');
        break;
      }
      case '--help':
      case '-h':
        process.stdout.write(USAGE);
        process.exit(0);
        break;
      default:
        throw new Error(`unknown flag ${arg}\n${USAGE}`);
    }
  }
  return flags;
}

/** Everything one run measured, as printed by --json. */
interface BenchResult {
  mode: 'quick' | 'full';
  node: string;
  cpus: number;
  cpuModel: string;
  levels: number[];
  phaseMs: number;
  /** Percent of all cores other processes kept busy just before and just after the run (ideally near 0). */
  machineBusyPercent: { before: number; after: number };
  verifyOnly?: VerifyStats;
  inProcessBound?: LoadStats[];
  bare?: BareResult;
  host?: HostSuiteResult;
  /** The plugin suite: probe endpoint vs native, before-commit cost, hot installs, drift. */
  plugins?: PluginSuiteResult;
  /** Per-call overhead of each runtime for the same hook, in this process. */
  runtimes?: RuntimeCallsResult;
  /** The SPARQL plugin: query latency against in-process Oxigraph, UPDATE-to-commits throughput. */
  sparql?: SparqlSuiteResult;
  /** CRUD create (POST /crud/{class}) against direct signed commits creating the same resources. */
  crud?: CrudSuiteResult;
  /** The search plugin: indexing rate and query latency against the same index in-process. */
  search?: SearchSuiteResult;
  ratios: Ratio[];
  /** The commit ingestion targets. */
  targets: Target[];
  /** The plugin targets. */
  pluginTargets: PluginTarget[];
  /** Hot spots of the hosts' CPU profiles during the measured phases (with --cpu-prof). */
  profile?: { commits?: ProfileSummary; gets?: ProfileSummary; pluginEcho?: ProfileSummary; pluginBeforeCommit?: ProfileSummary };
  totalMs: number;
}

interface Ratio {
  name: string;
  concurrency: number;
  value: number;
}

interface Target {
  name: string;
  value: number;
  target: number;
  concurrency: number;
  met: boolean;
}

/** A plugin target: `value` must be `comparison` `target` (in `unit`). */
interface PluginTarget {
  name: string;
  value: number;
  target: number;
  comparison: '≥' | '≤';
  unit: string;
  /** The concurrency it was judged at, where one applies. */
  concurrency?: number;
  /** What the value is made of. */
  detail: string;
  met: boolean;
}

const fmt = (n: number): string => Math.round(n).toLocaleString('en-US');
const ms = (n: number): string => n.toFixed(2);

function computeRatios(r: BenchResult): { ratios: Ratio[]; targets: Target[]; pluginTargets: PluginTarget[] } {
  const ratios: Ratio[] = [];
  const at = (list: LoadStats[] | undefined, c: number): LoadStats | undefined => list?.find((s) => s.concurrency === c);
  const add = (name: string, num: LoadStats[] | undefined, den: LoadStats[] | undefined): void => {
    for (const c of r.levels) {
      const a = at(num, c);
      const b = at(den, c);
      if (a && b && b.perSecond > 0) ratios.push({ name, concurrency: c, value: a.perSecond / b.perSecond });
    }
  };
  add('HTTP commit ingestion ÷ in-process bound', r.host?.commits, r.inProcessBound);
  add('HTTP commit ingestion ÷ bare HTTP POST', r.host?.commits, r.bare?.post);
  add('GET public ÷ bare HTTP GET', r.host?.getPublic, r.bare?.get);
  add('GET signed ÷ bare HTTP GET', r.host?.getSigned, r.bare?.get);
  for (const a of r.crud?.crudCreate ?? []) {
    const b = r.crud?.directCommit.find((s) => s.concurrency === a.concurrency);
    if (b && b.perSecond > 0) ratios.push({ name: CRUD_RATIO, concurrency: a.concurrency, value: a.perSecond / b.perSecond });
  }

  // The targets are judged at the concurrency where the host ingested the most commits.
  const targets: Target[] = [];
  const commits = r.host?.commits ?? [];
  const peak = commits.reduce<LoadStats | undefined>((best, s) => (best === undefined || s.perSecond > best.perSecond ? s : best), undefined);
  if (peak) {
    targets.push({ name: 'HTTP commit ingestion (commits/s)', value: peak.perSecond, target: TARGET_COMMITS_PER_SECOND, concurrency: peak.concurrency, met: peak.perSecond >= TARGET_COMMITS_PER_SECOND });
    const bound = at(r.inProcessBound, peak.concurrency);
    if (bound && bound.perSecond > 0) {
      const value = peak.perSecond / bound.perSecond;
      targets.push({ name: 'HTTP ingestion ÷ in-process bound', value, target: TARGET_BOUND_RATIO, concurrency: peak.concurrency, met: value >= TARGET_BOUND_RATIO });
    }
  }
  return { ratios, targets, pluginTargets: [...computePluginRatios(r, ratios), ...computeRuntimeTargets(r), ...computeSparqlTargets(r, ratios), ...computeSearchTargets(r, ratios)] };
}

/** The SPARQL targets (each query's p50 within 1.2× of in-process Oxigraph) and the UPDATE ÷ commit ratios. */
function computeSparqlTargets(r: BenchResult, ratios: Ratio[]): PluginTarget[] {
  const s = r.sparql;
  if (!s) return [];
  for (const u of s.updates) {
    const c = s.commits.find((x) => x.concurrency === u.concurrency);
    if (c && c.perSecond > 0) ratios.push({ name: 'plugin sparql INSERT DATA ÷ signed commit', concurrency: u.concurrency, value: u.perSecond / c.perSecond });
  }
  return s.queries.map((q) => ({
    name: `sparql ${q.name}: /sparql ÷ in-process Oxigraph, p50`,
    value: q.ratio,
    target: TARGET_SPARQL_RATIO,
    comparison: '≤',
    unit: '',
    concurrency: 1,
    detail:
      `${s.triples.toLocaleString('en-US')} triples, ${q.solutions} solutions: ${q.plugin.p50Ms.toFixed(3)} ms signed over HTTP vs ${q.inProcess.p50Ms.toFixed(3)} ms in-process (both serialize SPARQL JSON),` +
      ` +${q.addedMs.toFixed(3)} ms per query; a signed native GET of a resource takes ${s.nativeGet.p50Ms.toFixed(3)} ms here`,
    met: q.ratio <= TARGET_SPARQL_RATIO,
  }));
}

/** The search targets (indexing rate, each query's p50) and the ratios against the in-process index. */
function computeSearchTargets(r: BenchResult, ratios: Ratio[]): PluginTarget[] {
  const s = r.search;
  if (!s) return [];
  ratios.push({ name: 'plugin search: indexing ÷ in-process index', concurrency: 1, value: s.indexPerSecond / s.inProcessIndexPerSecond });
  for (const q of s.queries) ratios.push({ name: `plugin search ${q.name}: /search ÷ in-process, p50`, concurrency: 1, value: q.ratio });
  const targets: PluginTarget[] = [
    {
      name: 'search: resources indexed per second',
      value: s.indexPerSecond,
      target: TARGET_SEARCH_INDEX_PER_SECOND,
      comparison: '≥',
      unit: '/s',
      detail:
        `${s.indexed.toLocaleString('en-US')} resources in ${(s.buildMs / 1000).toFixed(1)} s, read from the store by query cursor at start; the same index in-process: ${fmt(s.inProcessIndexPerSecond)}/s;` +
        ` live: ${s.live.commits} commits at C=16 accepted at ${fmt(s.live.commitsPerSecond)}/s, all searchable ${Math.round(s.live.lagMs)} ms after the last`,
      met: s.indexPerSecond >= TARGET_SEARCH_INDEX_PER_SECOND,
    },
  ];
  for (const q of s.queries) {
    targets.push({
      name: `search ${q.name}: /search p50`,
      value: q.plugin.p50Ms,
      target: TARGET_SEARCH_P50_MS,
      comparison: '≤',
      unit: 'ms',
      concurrency: 1,
      detail: `${q.matches} matches (${q.example}); signed over HTTP, rights checked; the same queries again (the plugin knows the rights): ${q.again.p50Ms.toFixed(3)} ms; in-process ${q.inProcess.p50Ms.toFixed(3)} ms (× ${q.ratio.toFixed(1)}); a signed native GET takes ${s.nativeGet.p50Ms.toFixed(3)} ms here`,
      met: q.plugin.p50Ms <= TARGET_SEARCH_P50_MS,
    });
  }
  return targets;
}

/** The runtime targets: js within 2× of wasm (as the host runs wasm, and worker against worker). */
function computeRuntimeTargets(r: BenchResult): PluginTarget[] {
  const rows = r.runtimes?.rows ?? [];
  const p50 = (prefix: string): number | undefined => rows.find((row) => row.name.startsWith(prefix))?.timing.p50Us;
  const targets: PluginTarget[] = [];
  const js = p50('js');
  for (const [label, prefix] of [['wasm as the host runs it', 'wasm (inline'], ['wasm on its worker', 'wasm (worker']] as const) {
    const wasm = p50(prefix);
    if (js === undefined || wasm === undefined) continue;
    const value = js / wasm;
    targets.push({
      name: `js ÷ ${label}, per call`,
      value,
      target: 2,
      comparison: '≤',
      unit: '',
      detail: `p50 of the probe's handle_request (echo) in-process: js ${js.toFixed(1)} µs, ${label} ${wasm.toFixed(1)} µs`,
      met: value <= 2,
    });
  }
  const processRoundTrip = p50('process');
  if (processRoundTrip !== undefined) {
    targets.push({
      name: 'process round trip, per call',
      value: processRoundTrip,
      target: 60,
      comparison: '≤',
      unit: 'µs',
      detail: "p50 of the probe's handle_request (echo) in-process, through JSON-RPC over the plugin process's stdio",
      met: processRoundTrip <= 60,
    });
  }
  return targets;
}

const pluginLevelsOf = (p: PluginSuiteResult): number[] => p.endpoints.native.map((s) => s.concurrency);

/** Adds the plugin ratios to `ratios` and returns the plugin targets. */
function computePluginRatios(r: BenchResult, ratios: Ratio[]): PluginTarget[] {
  const p = r.plugins;
  if (!p) return [];
  const at = (list: LoadStats[] | undefined, c: number): LoadStats | undefined => list?.find((s) => s.concurrency === c);
  const add = (name: string, num: LoadStats[] | undefined, den: LoadStats[] | undefined, levels: number[]): Ratio[] => {
    const added: Ratio[] = [];
    for (const c of levels) {
      const a = at(num, c);
      const b = at(den, c);
      if (a && b && b.perSecond > 0) added.push({ name, concurrency: c, value: a.perSecond / b.perSecond });
    }
    ratios.push(...added);
    return added;
  };
  const levels = pluginLevelsOf(p);
  // The targets compare with the same handler written natively; the native GETs give scale.
  const getRatios = add(PLUGIN_RATIO_GET, p.endpoints.echoGet, p.endpoints.nativeEchoGet, levels);
  const postRatios = add(PLUGIN_RATIO_POST, p.endpoints.echoPost, p.endpoints.nativeEchoPost, levels);
  add('plugin GET echo ÷ native GET resource', p.endpoints.echoGet, p.endpoints.native, levels);
  add('plugin POST echo ÷ native GET resource', p.endpoints.echoPost, p.endpoints.native, levels);
  add('commits with before_commit ÷ filtered out', p.commits.hooked, p.commits.filtered, [64]);
  add('commits with before_commit ÷ no plugin', p.commits.hooked, p.commits.without, [64]);
  add('commits with probe as shipped ÷ no plugin', p.commits.shipped, p.commits.without, [1, 64]);

  const targets: PluginTarget[] = [];
  const min = (name: string, list: Ratio[], method: string): void => {
    const worst = list.reduce<Ratio | undefined>((w, x) => (w === undefined || x.value < w.value ? x : w), undefined);
    if (!worst) return;
    targets.push({
      name,
      value: worst.value,
      target: TARGET_PLUGIN_RATIO,
      comparison: '≥',
      unit: '',
      concurrency: worst.concurrency,
      detail: `${method} /plugins/test/probe/echo ÷ ${method} /bench/echo, the same handler written natively in the same host, requests/s; the lowest over C=${list.map((x) => x.concurrency).join(', ')}`,
      met: worst.value >= TARGET_PLUGIN_RATIO,
    });
  };
  min('plugin GET echo ÷ native', getRatios, 'GET');
  min('plugin POST echo ÷ native', postRatios, 'POST');
  // Judged in memory where that was measured: on disk the flush's jitter is larger than the hook.
  const hook = p.commits.inMemory ?? (p.commits.addedP50Us === undefined ? undefined : { addedUs: p.commits.addedP50Us, noiseUs: p.commits.noiseP50Us ?? 0 });
  if (hook) {
    const where = p.commits.inMemory ? 'on a host whose data folder is in memory' : 'on disk';
    targets.push({
      name: 'before_commit: added median latency per commit',
      value: hook.addedUs,
      target: TARGET_BEFORE_COMMIT_US,
      comparison: '≤',
      unit: 'µs',
      concurrency: 1,
      detail:
        `p50 of commits the probe's before_commit ran for minus p50 of those it did not, mixed by a coin ${where} (noise floor ${hook.noiseUs.toFixed(1)} µs)` +
        (p.commits.inMemory && p.commits.addedP50Us !== undefined ? `; on disk ${p.commits.addedP50Us.toFixed(1)} µs (noise floor ${p.commits.noiseP50Us?.toFixed(1) ?? '?'} µs)` : '') +
        (p.calls ? `; the hook call alone, in-process: ${p.calls.beforeCommit.inline.p50Us.toFixed(1)} µs inline (${p.calls.beforeCommit.worker.p50Us.toFixed(1)} µs via the worker)` : ''),
      met: hook.addedUs <= TARGET_BEFORE_COMMIT_US,
    });
  }
  if (p.install.runs.length > 0) {
    targets.push({
      name: 'hot install (median)',
      value: p.install.medianMs,
      target: TARGET_HOT_INSTALL_MS,
      comparison: '≤',
      unit: 'ms',
      detail: `install commit sent → first 200 from the endpoint, median of ${p.install.runs.length}; probe plugin.wasm ${(p.wasmBytes / 1024).toFixed(1)} KiB`,
      met: p.install.medianMs <= TARGET_HOT_INSTALL_MS,
    });
  }
  const d = p.drift;
  if (d) {
    if (d.rssDriftPercent !== undefined) {
      targets.push({
        name: 'drift: host RSS',
        value: d.rssDriftPercent,
        target: TARGET_DRIFT_PERCENT,
        comparison: '≤',
        unit: '%',
        detail: `after ${d.calls.toLocaleString('en-US')} calls: VmRSS ${fmtKb(d.rssStartKb)} → ${fmtKb(d.rssEndKb)} (medians of the first and last tenth of the calls)`,
        met: d.rssDriftPercent <= TARGET_DRIFT_PERCENT,
      });
    }
    targets.push({
      name: 'drift: echo p50',
      value: d.p50DriftPercent,
      target: TARGET_DRIFT_PERCENT,
      comparison: '≤',
      unit: '%',
      concurrency: 1,
      detail: `after ${d.calls.toLocaleString('en-US')} calls: POST echo p50 ${d.start.p50Ms.toFixed(3)} → ${d.end.p50Ms.toFixed(3)} ms; the native GET (control) in the same phases ${d.controlStart.p50Ms.toFixed(3)} → ${d.controlEnd.p50Ms.toFixed(3)} ms (${signed(d.controlP50DriftPercent)}%)`,
      met: d.p50DriftPercent <= TARGET_DRIFT_PERCENT,
    });
    targets.push({
      name: 'drift: echo p50 ÷ native p50',
      value: d.relativeP50DriftPercent,
      target: TARGET_DRIFT_PERCENT,
      comparison: '≤',
      unit: '%',
      concurrency: 1,
      detail: `after ${d.calls.toLocaleString('en-US')} calls: ${(d.start.p50Ms / d.controlStart.p50Ms).toFixed(2)} → ${(d.end.p50Ms / d.controlEnd.p50Ms).toFixed(2)}, the plugin's latency net of what the machine did meanwhile`,
      met: d.relativeP50DriftPercent <= TARGET_DRIFT_PERCENT,
    });
  }
  return targets;
}

const PLUGIN_RATIO_GET = 'plugin GET echo ÷ native GET echo';
const CRUD_RATIO = 'plugin crud: POST /crud ÷ direct commits';
const PLUGIN_RATIO_POST = 'plugin POST echo ÷ native POST echo';
const signed = (n: number): string => `${n >= 0 ? '+' : ''}${n.toFixed(1)}`;
const fmtKb = (kb: number | undefined): string => (kb === undefined ? '?' : `${(kb / 1024).toFixed(1)} MiB`);

function pad(s: string, n: number, right = false): string {
  return right ? s.padStart(n) : s.padEnd(n);
}

function report(r: BenchResult): string {
  const lines: string[] = [];
  lines.push('');
  lines.push(`atomic-plugin bench (${r.mode}): node ${r.node}, ${r.cpus} CPUs (${r.cpuModel}), ${r.phaseMs} ms per phase, ${(r.totalMs / 1000).toFixed(1)} s in all`);
  lines.push('');
  const busy = r.machineBusyPercent;
  if (Math.max(busy.before, busy.after) > 15) {
    lines.push(`WARNING: other processes kept ${Math.round(busy.before)}% (before) / ${Math.round(busy.after)}% (after) of the CPUs busy; figures are low and noisy.`);
    lines.push('');
  }
  lines.push(`${pad('measurement', 44)}${pad('C', 5, true)}${pad('ops/s', 10, true)}${pad('p50 ms', 9, true)}${pad('p99 ms', 9, true)}${pad('errors', 8, true)}${pad('CPU% (loop)', 13, true)}`);
  const rows = (label: string, list: LoadStats[] | undefined): void => {
    for (const s of list ?? []) {
      const cpu = s.serverCpu ? `${Math.round(s.serverCpu.processPercent)} (${Math.round(s.serverCpu.mainThreadPercent)})` : '-';
      lines.push(`${pad(label, 44)}${pad(String(s.concurrency), 5, true)}${pad(fmt(s.perSecond), 10, true)}${pad(ms(s.p50Ms), 9, true)}${pad(ms(s.p99Ms), 9, true)}${pad(String(s.errors), 8, true)}${pad(cpu, 13, true)}`);
    }
  };
  if (r.verifyOnly) lines.push(`${pad('baseline: Ed25519 verify only (1 thread)', 44)}${pad('-', 5, true)}${pad(fmt(r.verifyOnly.perSecond), 10, true)}`);
  rows('baseline: in-process verify + durable write', r.inProcessBound);
  rows('baseline: bare node:http GET', r.bare?.get);
  rows('baseline: bare node:http POST', r.bare?.post);
  rows('host: HTTP commit ingestion', r.host?.commits);
  rows('host: GET public resource (anonymous)', r.host?.getPublic);
  rows('host: GET private resource (signed)', r.host?.getSigned);
  const p = r.plugins;
  rows('plugin: native GET echo', p?.endpoints.nativeEchoGet);
  rows('plugin: native POST echo, 100 B body', p?.endpoints.nativeEchoPost);
  rows('plugin: native GET public resource', p?.endpoints.native);
  rows('plugin: GET echo (probe)', p?.endpoints.echoGet);
  rows('plugin: POST echo, 100 B body (probe)', p?.endpoints.echoPost);
  rows('plugin: commits, no plugin', p?.commits.without);
  rows('plugin: commits, before_commit runs', p?.commits.hooked);
  rows('plugin: commits, before_commit filtered out', p?.commits.filtered);
  rows('plugin: commits, probe as shipped', p?.commits.shipped);
  rows('plugin: drift, POST echo before the calls', p?.drift ? [p.drift.start] : undefined);
  rows('plugin: drift, native GET before the calls', p?.drift ? [p.drift.controlStart] : undefined);
  rows('plugin: drift, the calls (POST echo)', p?.drift ? [p.drift.run] : undefined);
  rows('plugin: drift, POST echo after the calls', p?.drift ? [p.drift.end] : undefined);
  rows('plugin: drift, native GET after the calls', p?.drift ? [p.drift.controlEnd] : undefined);
  const sq = r.sparql;
  for (const q of sq?.queries ?? []) {
    rows(`sparql: ${q.name}, /sparql (signed)`, [q.plugin]);
    rows(`sparql: ${q.name}, in-process Oxigraph`, [q.inProcess]);
  }
  rows('sparql: native signed GET (the floor)', sq ? [sq.nativeGet] : undefined);
  rows('sparql: INSERT DATA via /sparql → commit', sq?.updates);
  rows('sparql: the same change as a signed commit', sq?.commits);
  const sparqlLists = sq ? [...sq.queries.flatMap((q) => [q.plugin, q.inProcess]).map((x) => [x]), [sq.nativeGet], sq.updates, sq.commits] : [];
  const se = r.search;
  for (const q of se?.queries ?? []) {
    rows(`search: ${q.name}, /search (signed)`, [q.plugin]);
    rows(`search: ${q.name}, /search again`, [q.again]);
    rows(`search: ${q.name}, in-process`, [q.inProcess]);
  }
  rows('search: native signed GET (the floor)', se ? [se.nativeGet] : undefined);
  const searchLists = se ? [...se.queries.flatMap((q) => [[q.plugin], [q.inProcess]]), [se.nativeGet]] : [];
  rows('crud: direct signed commits (same items)', r.crud?.directCommit);
  rows('crud: POST /crud/{class} (create)', r.crud?.crudCreate);
  const pluginLists = p ? [p.endpoints.nativeEchoGet, p.endpoints.nativeEchoPost, p.endpoints.native, p.endpoints.echoGet, p.endpoints.echoPost, p.commits.without, p.commits.hooked, p.commits.filtered, p.commits.shipped, p.drift ? [p.drift.start, p.drift.controlStart, p.drift.run, p.drift.end, p.drift.controlEnd] : []] : [];
  for (const list of [r.inProcessBound, r.bare?.get, r.bare?.post, r.host?.commits, r.host?.getPublic, r.host?.getSigned, ...pluginLists, ...sparqlLists, ...searchLists, r.crud?.directCommit, r.crud?.crudCreate]) {
    for (const s of list ?? []) if (s.firstError) lines.push(`  ! C=${s.concurrency}: ${s.errors} errors, first: ${s.firstError}`);
  }

  lines.push('CPU% (loop): CPU of the server process (the bench process for the in-process rows), all threads, in % of one core; in brackets its event-loop thread.');
  const ratioTable = (list: Ratio[], levels: number[]): void => {
    if (list.length === 0) return;
    lines.push('');
    lines.push(`${pad('ratio', 44)}${levels.map((c) => pad(`C=${c}`, 9, true)).join('')}`);
    for (const name of [...new Set(list.map((x) => x.name))]) {
      const cells = levels.map((c) => {
        const x = list.find((y) => y.name === name && y.concurrency === c);
        return pad(x ? x.value.toFixed(2) : '-', 9, true);
      });
      lines.push(`${pad(name, 44)}${cells.join('')}`);
    }
  };
  const isPluginRatio = (x: Ratio): boolean => x.name.startsWith('plugin') || x.name.startsWith('native') || x.name.startsWith('commits with');
  ratioTable(r.ratios.filter((x) => !isPluginRatio(x)), r.levels);
  const pluginRatios = r.ratios.filter(isPluginRatio);
  ratioTable(pluginRatios, [...new Set(pluginRatios.map((x) => x.concurrency))].sort((a, b) => a - b));

  if (r.targets.length > 0) {
    lines.push('');
    lines.push('targets (at the concurrency with the most commits/s):');
    for (const t of r.targets) {
      const value = t.target >= 10 ? fmt(t.value) : t.value.toFixed(2);
      const target = t.target >= 10 ? fmt(t.target) : t.target.toFixed(2);
      lines.push(`  [${t.met ? 'MET' : 'NOT MET'}] ${t.name}: ${value} at C=${t.concurrency} (target ≥ ${target})`);
    }
  }
  if (p) lines.push(...pluginReport(p));
  if (sq) {
    lines.push(
      '',
      `sparql: ${sq.triples.toLocaleString('en-US')} triples in the plugin's mirror from ${sq.resources.toLocaleString('en-US')} resources (written into the data folder in ${(sq.seedMs / 1000).toFixed(1)} s);` +
        ` plugin built and installed in ${(sq.installMs / 1000).toFixed(1)} s, its mirror complete ${(sq.mirrorMs / 1000).toFixed(1)} s later`,
    );
  }
  if (r.runtimes) {
    const native = r.runtimes.rows[0]?.timing.p50Us ?? 0;
    lines.push('', `per call of the same hook (probe handle_request, echo, ${r.runtimes.inputBytes} B in), in-process:     p50 µs    mean µs    ÷ native`);
    for (const row of r.runtimes.rows) {
      lines.push(`  ${row.name.padEnd(48)}${row.timing.p50Us.toFixed(1).padStart(10)}${row.timing.meanUs.toFixed(1).padStart(11)}${(native > 0 ? row.timing.p50Us / native : 0).toFixed(1).padStart(11)}`);
    }
  }
  if (r.pluginTargets.length > 0) {
    lines.push('');
    lines.push('plugin targets:');
    for (const t of r.pluginTargets) {
      const digits = t.unit === '' ? 2 : 1;
      const at = t.concurrency === undefined ? '' : ` at C=${t.concurrency}`;
      lines.push(`  [${t.met ? 'MET' : 'NOT MET'}] ${t.name}: ${t.value.toFixed(digits)}${t.unit ? ` ${t.unit}` : ''}${at} (target ${t.comparison} ${t.unit === '' ? t.target.toFixed(2) : t.target}${t.unit ? ` ${t.unit}` : ''}): ${t.detail}`);
    }
  }
  if (r.profile?.commits) lines.push('', formatProfile('host profile during commit ingestion', r.profile.commits));
  if (r.profile?.gets) lines.push('', formatProfile('host profile during GETs', r.profile.gets));
  if (r.profile?.pluginEcho) lines.push('', formatProfile('plugin host profile during the echo phases (main thread only)', r.profile.pluginEcho));
  if (r.profile?.pluginBeforeCommit) lines.push('', formatProfile('plugin host profile during commits with before_commit (main thread only)', r.profile.pluginBeforeCommit));
  if (r.search?.profile?.host) lines.push('', formatProfile('host profile during the /search phases (main thread only)', r.search.profile.host));
  if (r.search?.profile?.plugin) lines.push('', formatProfile('search plugin profile during the /search phases', r.search.profile.plugin));
  lines.push('');
  return lines.join('\n');
}

/** The plugin suite's figures that are not rows of the table. */
function pluginReport(p: PluginSuiteResult): string[] {
  const lines: string[] = [''];
  const us = (n: number): string => `${n >= 0 ? '+' : ''}${n.toFixed(1)} µs`;
  const kib = (n: number): string => `${(n / 1024).toFixed(1)} KiB`;
  lines.push(`plugins: probe plugin.wasm ${kib(p.wasmBytes)}, signed package ${kib(p.packageBytes)} (asc build ${p.compile.cached ? 'cached' : `${Math.round(p.compile.ms)} ms`})`);
  const c = p.commits;
  const p50 = (list: LoadStats[], at: number): string => {
    const s = list.find((x) => x.concurrency === at);
    return s ? `${s.p50Ms.toFixed(3)} ms` : '-';
  };
  const rate = (list: LoadStats[], at: number): string => {
    const s = list.find((x) => x.concurrency === at);
    return s ? fmt(s.perSecond) : '-';
  };
  if (c.addedP50Us !== undefined) {
    lines.push(
      `  before-commit, C=1 p50 (alternating): before_commit runs ${p50(c.hooked, 1)}, filtered out ${p50(c.filtered, 1)} → ${us(c.addedP50Us)} per commit (noise floor ${us(c.noiseP50Us ?? 0)});` +
        ` separate phases: no plugin ${p50(c.without, 1)}, probe as shipped ${p50(c.shipped, 1)} → ${c.shippedAddedP50Us === undefined ? '-' : us(c.shippedAddedP50Us)}`,
    );
    const m = c.inMemory;
    if (m) {
      lines.push(
        `  before-commit, C=1 p50 (alternating, data folder in memory): before_commit runs ${m.hooked.p50Ms.toFixed(3)} ms, filtered out ${m.filtered.p50Ms.toFixed(3)} ms → ${us(m.addedUs)} per commit (noise floor ${us(m.noiseUs)})`,
      );
    }
    lines.push(`  before-commit, C=64 commits/s: no plugin ${rate(c.without, 64)}, before_commit runs ${rate(c.hooked, 64)}, filtered out ${rate(c.filtered, 64)}, probe as shipped ${rate(c.shipped, 64)}`);
  }
  if (p.install.runs.length > 0) {
    const i = p.install;
    lines.push(
      `  hot install (median of ${i.runs.length}): ${i.medianMs.toFixed(1)} ms = install commit round trip ${i.medianCommitMs.toFixed(1)} ms + first call ${i.medianFirstCallMs.toFixed(1)} ms; each: ${i.runs.map((x) => x.totalMs.toFixed(1)).join(', ')} ms`,
    );
    const b = p.installBreakdown;
    if (b) {
      lines.push(
        `    in-process (median of ${b.reps}): read + verify package ${b.readVerifyMs.toFixed(1)} ms, restore prepared code ${b.restoreMs.toFixed(1)} ms, instantiate ${b.instantiateMs.toFixed(1)} ms, init ${b.initMs.toFixed(1)} ms, first call ${b.firstCallMs.toFixed(1)} ms = ${b.totalMs.toFixed(1)} ms` +
          `; the rest of the commit (plugin agent, commit write, HTTP) ≈ ${Math.max(0, i.medianCommitMs + i.medianFirstCallMs - b.totalMs).toFixed(1)} ms. Preparing the code (fuel instrumentation; the host does it at upload): ${b.prepareColdMs.toFixed(0)} ms, the first in a process ${b.firstPrepareMs.toFixed(0)} ms (loads binaryen)`,
      );
    }
  }
  const d = p.drift;
  if (d) {
    lines.push(`  drift: ${d.calls.toLocaleString('en-US')} POST echo calls at C=${d.concurrency} in ${(d.run.elapsedMs / 1000).toFixed(1)} s (${fmt(d.run.perSecond)}/s; ${d.basis})`);
    lines.push(
      `    RSS (median of the first / last tenth of the calls) ${fmtKb(d.rssStartKb)} → ${fmtKb(d.rssEndKb)} (${d.rssDriftPercent === undefined ? '?' : signed(d.rssDriftPercent)}%);` +
        ` single samples right before / after ${fmtKb(d.rssBeforeKb)} → ${fmtKb(d.rssAfterKb)}` +
        (d.rssSamples.length > 1 ? `; range during the calls ${fmtKb(Math.min(...d.rssSamples.map((x) => x.rssKb)))} – ${fmtKb(Math.max(...d.rssSamples.map((x) => x.rssKb)))}` : ''),
    );
    lines.push(
      `    C=1 p50: POST echo ${d.start.p50Ms.toFixed(3)} → ${d.end.p50Ms.toFixed(3)} ms (${signed(d.p50DriftPercent)}%), native GET ${d.controlStart.p50Ms.toFixed(3)} → ${d.controlEnd.p50Ms.toFixed(3)} ms (${signed(d.controlP50DriftPercent)}%), echo ÷ native ${signed(d.relativeP50DriftPercent)}%`,
    );
    const { start, end } = d.plugin;
    if (start && end) {
      lines.push(`    plugin counters: calls ${start.calls.toLocaleString('en-US')} → ${end.calls.toLocaleString('en-US')}, failures ${start.failures} → ${end.failures}, worker restarts ${start.restarts} → ${end.restarts}, linear memory ${kib(start.memoryBytes)} → ${kib(end.memoryBytes)}`);
    }
  }
  const k = p.calls;
  if (k) {
    const native1 = p.endpoints.nativeEchoPost.find((s) => s.concurrency === 1);
    const post1 = p.endpoints.echoPost.find((s) => s.concurrency === 1);
    lines.push(`  per call, in-process (p50, µs):              JSON in+out   Extism here   inline lane   via worker   worker hop   via worker after ${IDLE_GAP_MS} ms idle`);
    for (const e of [k.echo, k.beforeCommit]) {
      lines.push(
        `    ${pad(`${e.export} (${e.inputBytes} B in)`, 41)}${pad(e.json.p50Us.toFixed(1), 12, true)}${pad(e.direct.p50Us.toFixed(1), 14, true)}${pad(e.inline.p50Us.toFixed(1), 14, true)}${pad(e.worker.p50Us.toFixed(1), 13, true)}${pad((e.worker.p50Us - e.direct.p50Us).toFixed(1), 13, true)}${pad(e.workerAfterIdle.p50Us.toFixed(1), 29, true)}`,
      );
    }
    if (native1 && post1) lines.push(`    over HTTP at C=1: POST echo p50 − the native POST echo's p50 = ${((post1.p50Ms - native1.p50Ms) * 1000).toFixed(1)} µs`);
  }
  return lines;
}

async function main(): Promise<void> {
  const flags = parseFlags(process.argv.slice(2));
  const started = performance.now();
  const progress = (line: string): void => {
    process.stderr.write(`[${((performance.now() - started) / 1000).toFixed(1).padStart(5)} s] ${line}\n`);
  };
  const quick = flags.quick;
  const phaseMs = flags.durationMs ?? (quick ? 400 : 2500);
  const warmupMs = quick ? 200 : 500;
  // The first second or so of HTTP traffic runs several times slower (JIT in client and server).
  const initialWarmupMs = quick ? 800 : 1500;
  const maxOps = quick ? 20_000 : 500_000;
  const levels = flags.levels;
  const tmp = mkdtempSync(join(tmpdir(), 'atomic-bench-'));
  const removeTmp = flags.keep ? (): void => {} : removedAtExit(tmp);
  // So that the 'exit' handlers stop the servers and remove the data folders.
  for (const signal of ['SIGINT', 'SIGTERM'] as const) process.once(signal, () => process.exit(130));
  progress(`${quick ? 'quick' : 'full'} run, concurrency ${levels.join(', ')}, ${phaseMs} ms per phase, data in ${tmp}`);
  const busyBefore = await machineBusyPercent();
  progress(`machine busy before the run: ${Math.round(busyBefore)}% of ${availableParallelism()} cores${busyBefore > 15 ? ' (other processes compete: figures will be low and noisy)' : ''}`);

  const result: BenchResult = {
    mode: quick ? 'quick' : 'full',
    node: process.version,
    cpus: availableParallelism(),
    cpuModel: cpus()[0]?.model.trim() ?? 'unknown',
    levels,
    phaseMs,
    machineBusyPercent: { before: busyBefore, after: 0 },
    ratios: [],
    targets: [],
    pluginTargets: [],
    totalMs: 0,
  };
  try {
    if (flags.only.has('verify')) {
      result.verifyOnly = measureVerifyOnly({ maxOps: quick ? 3_000 : 20_000, durationMs: quick ? 250 : 1_000 }, progress);
    }
    // Pre-sign enough commits to fill a phase: a little more than the verify rate allows.
    const verifyRate = result.verifyOnly?.perSecond ?? 12_000;
    if (flags.only.has('inprocess')) {
      result.inProcessBound = await measureInProcessBound({
        levels,
        warmupMs,
        durationMs: phaseMs,
        maxOps,
        commitsPerPhase: Math.ceil((verifyRate * phaseMs * 1.2) / 1000),
        dir: join(tmp, 'in-process'),
        progress,
      });
    }
    if (flags.only.has('bare')) {
      result.bare = await measureBareHttp({ levels, warmupMs, initialWarmupMs, durationMs: phaseMs, maxOps, progress });
    }
    if (flags.only.has('commits') || flags.only.has('get')) {
      // HTTP ingestion cannot beat the in-process bound by much, so that (or the verify rate) sizes the pre-signed batch.
      const budget = (c: number): number => {
        // Without the bound, assume a little more than the 5,000/s target.
        const rate = result.inProcessBound?.find((s) => s.concurrency === c)?.perSecond ?? 6_000;
        return Math.max(500, Math.ceil((rate * phaseMs * 1.3) / 1000));
      };
      result.host = await runHostSuite({
        levels,
        warmupMs,
        initialWarmupMs,
        durationMs: phaseMs,
        maxOps,
        commitBudget: budget,
        dataDir: join(tmp, 'host'),
        cpuProfDir: flags.cpuProfDir,
        commits: flags.only.has('commits'),
        gets: flags.only.has('get'),
        progress,
      });
      if (flags.cpuProfDir) {
        const file = findProfile(flags.cpuProfDir, result.host.pid);
        progress(file ? `host CPU profile: ${file}` : `no CPU profile of pid ${result.host.pid ?? '?'} in ${flags.cpuProfDir}`);
        if (file) {
          const windows = result.host.windows;
          const commitWindows = windows.filter((w) => w.label.startsWith('commits C='));
          const getWindows = windows.filter((w) => w.label.startsWith('GET'));
          result.profile = {};
          if (commitWindows.length > 0) result.profile.commits = summarizeProfile(file, commitWindows);
          if (getWindows.length > 0) result.profile.gets = summarizeProfile(file, getWindows);
        }
      }
    }
    if (flags.only.has('plugins')) {
      // Commits with a plugin cannot go faster than without; size their batches from what the host did.
      const budget = (c: number): number => {
        const rate = result.host?.commits.find((s) => s.concurrency === c)?.perSecond ?? result.inProcessBound?.find((s) => s.concurrency === c)?.perSecond ?? 6_000;
        return Math.max(500, Math.ceil((rate * phaseMs * 1.3) / 1000));
      };
      result.plugins = await runPluginSuite({
        levels: flags.pluginLevels,
        warmupMs,
        initialWarmupMs,
        durationMs: phaseMs,
        maxOps,
        commitBudget: budget,
        installs: quick ? 3 : 5,
        driftCalls: flags.driftCalls,
        quick,
        dataDir: join(tmp, 'plugins'),
        cpuProfDir: flags.cpuProfDir,
        progress,
      });
      if (flags.cpuProfDir) {
        const file = findProfile(flags.cpuProfDir, result.plugins.pid);
        progress(file ? `plugin host CPU profile: ${file}` : `no CPU profile of pid ${result.plugins.pid ?? '?'} in ${flags.cpuProfDir}`);
        if (file) {
          const windows = result.plugins.windows;
          const echo = windows.filter((w) => /^(GET|POST) \/plugins\/test\/probe\/echo/.test(w.label));
          const hooked = windows.filter((w) => w.label.startsWith('commits alternating before_commit') || w.label.startsWith('commits, before_commit runs'));
          result.profile ??= {};
          if (echo.length > 0) result.profile.pluginEcho = summarizeProfile(file, echo);
          if (hooked.length > 0) result.profile.pluginBeforeCommit = summarizeProfile(file, hooked);
        }
      }
    }
    if (flags.only.has('sparql')) {
      result.sparql = await runSparqlSuite({
        triples: flags.sparqlTriples ?? (quick ? 10_000 : 100_000),
        updateLevels: [1, 16],
        warmupMs,
        durationMs: phaseMs,
        maxOps,
        dataDir: join(tmp, 'sparql'),
        progress,
      });
    }
    if (flags.only.has('search')) {
      result.search = await runSearchSuite({
        resources: flags.searchResources ?? (quick ? 5_000 : 100_000),
        liveCommits: quick ? 300 : 3_000,
        warmupMs,
        durationMs: phaseMs,
        maxOps,
        dataDir: join(tmp, 'search'),
        ...(flags.cpuProfDir ? { cpuProfDir: flags.cpuProfDir } : {}),
        progress,
      });
    }
    if (flags.only.has('runtimes')) {
      result.runtimes = await measureRuntimeCalls({ iterations: quick ? 2_000 : 20_000, progress });
    }
    if (flags.only.has('crud')) {
      const budget = (c: number): number => {
        const rate = result.host?.commits.find((s) => s.concurrency === c)?.perSecond ?? 6_000;
        return Math.max(500, Math.ceil((rate * phaseMs * 1.3) / 1000));
      };
      result.crud = await runCrudSuite({ levels: flags.pluginLevels, warmupMs: initialWarmupMs, durationMs: phaseMs, maxOps, commitBudget: budget, dataDir: join(tmp, 'crud'), progress });
    }
  } finally {
    if (flags.keep) progress(`kept ${tmp}`);
    else removeTmp();
  }

  result.machineBusyPercent.after = await machineBusyPercent();
  Object.assign(result, computeRatios(result));
  result.totalMs = performance.now() - started;
  progress('done');
  process.stdout.write(flags.json ? `${JSON.stringify(result, null, 2)}\n` : report(result));
}

main().catch((error: unknown) => {
  process.stderr.write(`bench failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  process.exit(1);
});
