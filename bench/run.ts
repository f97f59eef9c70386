// Entry point of `npm run bench`: parses flags, runs the baselines and the host suite, and prints figures, ratios and targets (or JSON).

import { mkdtempSync, rmSync } from 'node:fs';
import { availableParallelism, cpus, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { measureBareHttp, measureInProcessBound, measureVerifyOnly, type BareResult, type VerifyStats } from './baselines.js';
import { runHostSuite, type HostSuiteResult } from './commit-ingestion.js';
import { machineBusyPercent } from './child.js';
import type { LoadStats } from './load.js';
import { findProfile, formatProfile, summarizeProfile, type ProfileSummary } from './profile.js';

const SUITES = ['verify', 'inprocess', 'bare', 'commits', 'get'] as const;
type Suite = (typeof SUITES)[number];

/** Target: HTTP commit ingestion at least this many commits per second. */
const TARGET_COMMITS_PER_SECOND = 5_000;
/** Target: HTTP commit ingestion at least this fraction of the in-process bound. */
const TARGET_BOUND_RATIO = 0.5;

interface Flags {
  quick: boolean;
  json: boolean;
  keep: boolean;
  levels: number[];
  /** Length of a measured phase in ms (default 2500, or 400 with --quick). */
  durationMs?: number;
  only: Set<Suite>;
  cpuProfDir?: string;
}

const USAGE = `Usage: npm run bench -- [--quick] [--json] [--levels 1,64,256] [--duration ms] [--only ${SUITES.join(',')}] [--cpu-prof [dir]] [--keep]

  --quick      short phases (a smoke run for tests and CI, ~15 s)
  --json       print the results as one JSON object on stdout (progress still goes to stderr)
  --levels     client concurrencies to measure (default 1,64,256)
  --duration   length of each measured phase in ms (default 2500; 400 with --quick)
  --only       run only these suites (default: all)
  --cpu-prof   run the host with node --cpu-prof; the .cpuprofile is written to dir (default ./bench-profiles)
  --keep       keep the temporary data folders
`;

function parseFlags(argv: string[]): Flags {
  const flags: Flags = { quick: false, json: false, keep: false, levels: [1, 64, 256], only: new Set(SUITES) };
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
        flags.levels = value().split(',').map((s) => {
          const n = Number(s);
          if (!Number.isInteger(n) || n < 1 || n > 1024) throw new Error(`--levels: ${s} is not a concurrency from 1 to 1024`);
          return n;
        });
        break;
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
  ratios: Ratio[];
  targets: Target[];
  /** Hot spots of the host's CPU profile during the measured phases (with --cpu-prof). */
  profile?: { commits?: ProfileSummary; gets?: ProfileSummary };
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

const fmt = (n: number): string => Math.round(n).toLocaleString('en-US');
const ms = (n: number): string => n.toFixed(2);

function computeRatios(r: BenchResult): { ratios: Ratio[]; targets: Target[] } {
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
  return { ratios, targets };
}

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
  for (const list of [r.inProcessBound, r.bare?.get, r.bare?.post, r.host?.commits, r.host?.getPublic, r.host?.getSigned]) {
    for (const s of list ?? []) if (s.firstError) lines.push(`  ! C=${s.concurrency}: ${s.errors} errors, first: ${s.firstError}`);
  }

  lines.push('CPU% (loop): CPU of the server process (the bench process for the in-process rows), all threads, in % of one core; in brackets its event-loop thread.');
  if (r.ratios.length > 0) {
    lines.push('');
    lines.push(`${pad('ratio', 44)}${r.levels.map((c) => pad(`C=${c}`, 9, true)).join('')}`);
    const names = [...new Set(r.ratios.map((x) => x.name))];
    for (const name of names) {
      const cells = r.levels.map((c) => {
        const x = r.ratios.find((y) => y.name === name && y.concurrency === c);
        return pad(x ? x.value.toFixed(2) : '-', 9, true);
      });
      lines.push(`${pad(name, 44)}${cells.join('')}`);
    }
  }

  if (r.targets.length > 0) {
    lines.push('');
    lines.push('targets (at the concurrency with the most commits/s):');
    for (const t of r.targets) {
      const value = t.target >= 10 ? fmt(t.value) : t.value.toFixed(2);
      const target = t.target >= 10 ? fmt(t.target) : t.target.toFixed(2);
      lines.push(`  [${t.met ? 'MET' : 'NOT MET'}] ${t.name}: ${value} at C=${t.concurrency} (target ≥ ${target})`);
    }
  }
  if (r.profile?.commits) lines.push('', formatProfile('host profile during commit ingestion', r.profile.commits));
  if (r.profile?.gets) lines.push('', formatProfile('host profile during GETs', r.profile.gets));
  lines.push('');
  return lines.join('\n');
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
  } finally {
    if (flags.keep) progress(`kept ${tmp}`);
    else rmSync(tmp, { recursive: true, force: true });
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
