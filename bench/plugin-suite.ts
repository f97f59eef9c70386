// The plugin suite: a host in a child process with the probe plugin (fixtures/plugins/probe) built,
// signed, uploaded and installed with signed commits as any client would, then measured over HTTP:
// its echo endpoint against native routes, commit ingestion with and without its before-commit
// hook (and that hook's cost once more on a second host whose store is in memory), hot installs,
// and memory and latency drift over many calls.

import { existsSync, mkdtempSync } from 'node:fs';
import { join } from 'node:path';
import type { AgentIdentity } from '../server/atomic/agent.js';
import { signRequestHeaders } from '../server/atomic/auth.js';
import { classes, localProps, props, publicAgent } from '../server/atomic/urls.js';
import { removedAtExit, rssKb, settle, withCpu } from './child.js';
import { BenchSigner, benchCommitChanges, commitBody, commitRequest, sendExpecting, startHostProcess, uploadPackage, type Progress } from './commit-ingestion.js';
import { describe, HttpClient, interleave, mergeRuns, runConcurrent, summarize, type LoadStats, type RequestSpec } from './load.js';
import { measureCallBreakdown, measureInstallBreakdown, type CallBreakdown, type InstallBreakdown } from './plugin-calls.js';
import { NATIVE_ECHO_PATH } from './host-child.js';
import { buildProbe, PROBE_PERMISSIONS, type ProbeBuild } from './probe-package.js';
import type { TimeWindow } from './profile.js';

/** Bytes of the echo body and of the file the native package route serves. */
export const ECHO_BODY_BYTES = 100;
/** The probe's echo endpoint. */
export const ECHO_PATH = '/plugins/test/probe/echo';
/** The full run makes this many calls for the drift measurement if they fit in DRIFT_FULL_MAX_S at the measured rate (and stops there)… */
export const DRIFT_FULL_CALLS = 1_000_000;
const DRIFT_FULL_MAX_S = 150;
/** …and otherwise as many as fit in DRIFT_FALLBACK_S. */
const DRIFT_FALLBACK_S = 120;
/** The concurrency of the drift calls and of the C=64 commit phases. */
const HIGH_CONCURRENCY = 64;
/** The class of the resources whose commits the bench probe's before-commit hook sees… */
const HOOKED_CLASS = 'https://example.com/bench/HookedClass';
/** …and of the others (the same length, so both commits are the same size). */
const PLAIN_CLASS = 'https://example.com/bench/PlainsClass';

/** How the plugin suite runs. */
export interface PluginSuiteOptions {
  /** Client concurrencies for the endpoint phases (default 1, 16, 64). */
  levels: number[];
  warmupMs: number;
  initialWarmupMs: number;
  durationMs: number;
  maxOps: number;
  /** Commits to pre-sign for a measured phase at concurrency c. */
  commitBudget: (concurrency: number) => number;
  /** Hot installs to time (the median is reported). */
  installs: number;
  /** Calls between the two drift samples; undefined chooses (see `driftCalls`). */
  driftCalls?: number;
  quick: boolean;
  dataDir: string;
  cpuProfDir?: string;
  progress: Progress;
}

/** One timed hot install. */
export interface InstallRun {
  subject: string;
  /** Sending the install commit until its 200. */
  commitMs: number;
  /** The commit's 200 until the first 200 from the new endpoint. */
  firstCallMs: number;
  totalMs: number;
  /** Requests to the endpoint until one answered 200. */
  polls: number;
}

/** Counters the host shows on the Plugin resource. */
export interface PluginStats {
  calls: number;
  failures: number;
  restarts: number;
  memoryBytes: number;
}

export interface DriftResult {
  calls: number;
  /** Why that many. */
  basis: string;
  concurrency: number;
  /** The calls themselves. */
  run: LoadStats;
  /** Just before and just after the calls, one C=1 phase each that alternates POST echo and the native GET of a resource (the control). */
  start: LoadStats;
  end: LoadStats;
  controlStart: LoadStats;
  controlEnd: LoadStats;
  /** Echo p50 after ÷ before, in % growth. */
  p50DriftPercent: number;
  /** The same for the native GET: how much the machine alone moved meanwhile. */
  controlP50DriftPercent: number;
  /** (echo p50 ÷ native p50) after ÷ before, in % growth: the plugin's latency net of the machine. */
  relativeP50DriftPercent: number;
  /**
   * Host RSS at the start and at the end of the calls: the median of the samples of the first and of
   * the last tenth of the calls (under the same load, so a garbage collection does not decide it).
   */
  rssStartKb?: number;
  rssEndKb?: number;
  rssDriftPercent?: number;
  /** Single RSS samples right before and right after the calls (after the C=1 phases). */
  rssBeforeKb?: number;
  rssAfterKb?: number;
  /** The host's RSS every RSS_SAMPLE_MS during the calls. */
  rssSamples: { calls: number; rssKb: number }[];
  plugin: { start?: PluginStats; end?: PluginStats };
}

/** What the plugin suite measured. */
export interface PluginSuiteResult {
  url: string;
  pid?: number;
  windows: TimeWindow[];
  /** The probe's code (plugin.wasm) and its signed package, in bytes. */
  wasmBytes: number;
  packageBytes: number;
  compile: { ms: number; cached: boolean };
  endpoints: {
    /** Native: the echo handler written in the host (bench/host-child.ts), GET (empty answer): the baseline of the GET echo. */
    nativeEchoGet: LoadStats[];
    /** The same, POST with the same 100-byte body: the baseline of the POST echo. */
    nativeEchoPost: LoadStats[];
    /** Native: GET of a small public resource (anonymous, JSON-AD), in this host; for scale. */
    native: LoadStats[];
    echoGet: LoadStats[];
    /** POST with a 100-byte text body, echoed back. */
    echoPost: LoadStats[];
  };
  commits: {
    /** No plugin installed (C=1, C=64). */
    without: LoadStats[];
    /**
     * The bench probe installed (endpoints and a before-commit hook for one class): commits its hook
     * runs for, and commits it does not. C=1: one phase that alternates the two (ops/s is that of
     * the whole phase); C=64: one phase each.
     */
    hooked: LoadStats[];
    filtered: LoadStats[];
    /** The probe as shipped: before_commit and after_commit (a key/value write) on every commit. */
    shipped: LoadStats[];
    /** C=1, alternating phase: p50 of the commits the hook ran for minus p50 of the others, in µs. */
    addedP50Us?: number;
    /** The same difference between two halves of the commits without the hook (every other one): the noise floor. */
    noiseP50Us?: number;
    /** C=1 p50 with the probe as shipped minus p50 without a plugin (separate phases), in µs. */
    shippedAddedP50Us?: number;
    /** The alternating phase on a second host whose data folder is in memory (Linux only): the figure the target is judged on. */
    inMemory?: HookLatency & { dataDir: string };
  };
  install: {
    runs: InstallRun[];
    medianMs: number;
    medianCommitMs: number;
    medianFirstCallMs: number;
  };
  drift?: DriftResult;
  /** In-process: where the time of one call goes (bench/plugin-calls.ts). */
  calls?: CallBreakdown;
  /** In-process: where the time of one install goes (bench/plugin-calls.ts). */
  installBreakdown?: InstallBreakdown;
}

/** Each endpoint row is measured in this many slices, taken in turns with the other rows. */
const ENDPOINT_SLICES = 5;
/** Where a data folder in memory can go (Linux). */
const MEMORY_DIR = '/dev/shm';

/** How often the host's RSS is sampled during the drift calls. */
const RSS_SAMPLE_MS = 250;

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.ceil(sorted.length / 2) - 1] ?? 0;
}

/** Runs the plugin suite (see the header), then the in-process breakdowns once the host has stopped. */
export async function runPluginSuite(options: PluginSuiteOptions): Promise<PluginSuiteResult> {
  const { result, probe } = await runOverHttp(options);
  const inMemory = await measureHookInMemory(options, probe.bench);
  if (inMemory) result.commits.inMemory = inMemory;
  result.calls = await measureCallBreakdown(probe.bench, { iterations: options.quick ? 1_000 : 10_000, idleCalls: options.quick ? 40 : 200, progress: options.progress });
  result.installBreakdown = await measureInstallBreakdown(probe.shipped, { reps: options.quick ? 2 : options.installs, progress: options.progress });
  return result;
}

/** One host under test and the helpers every phase against it uses. */
interface HostSession {
  url: string;
  owner: AgentIdentity;
  pid: number | undefined;
  client: HttpClient;
  windows: TimeWindow[];
  /** Runs `work` as a named measured window, with the host's CPU use. */
  measured(label: string, work: () => Promise<LoadStats>): Promise<LoadStats>;
  send(what: string, spec: RequestSpec, expect?: number): Promise<void>;
  /** A signed commit by the host's owner, as a request. */
  commit(changes: Parameters<BenchSigner['sign']>[0]): RequestSpec;
  /** Uploads bytes to the package store, as the owner; returns their URL. */
  upload(bytes: Uint8Array, type: string): Promise<string>;
  /** A commit that installs the package at `packageUrl` as `subject`, granting every probe permission. */
  installSpec(subject: string, packageUrl: string): RequestSpec;
  /**
   * `count` pre-signed commits, each creating a resource of the class `classOf(i)`, sent at
   * concurrency `c` for `ms` (or until they run out).
   */
  commitRun(c: number, ms: number, count: number, classOf: (i: number) => string, onSample?: (i: number, ms: number) => void): Promise<LoadStats>;
  /** The commits to pre-sign for a phase of `durationMs` at concurrency `c`. */
  budgetFor(c: number, durationMs: number): number;
}

async function startSession(options: PluginSuiteOptions, dataDir: string, clientConcurrency: number, cpuProfDir?: string): Promise<{ session: HostSession; stop: () => Promise<void> }> {
  const { child, owner } = await startHostProcess(dataDir, { nativeEcho: true, ...(cpuProfDir ? { cpuProfDir } : {}) });
  const url = child.info.url;
  const pid = child.process.pid;
  const signer = new BenchSigner(owner);
  const client = new HttpClient('127.0.0.1', child.info.port, clientConcurrency, new URL(url).host);
  const windows: TimeWindow[] = [];
  const nowUs = (): number => Number(process.hrtime.bigint() / 1000n);
  const commit = (changes: Parameters<BenchSigner['sign']>[0]): RequestSpec => commitRequest(commitBody(signer.sign(changes, Date.now())));
  let nextIndex = 0;
  const session: HostSession = {
    url,
    owner,
    pid,
    client,
    windows,
    async measured(label, work) {
      const startUs = nowUs();
      const { result: stats, cpu } = await withCpu(pid, work);
      windows.push({ label: `${label} C=${stats.concurrency}`, startUs, endUs: nowUs() });
      if (cpu) stats.serverCpu = cpu;
      return stats;
    },
    send: (what, spec, expect = 200) => sendExpecting(client, what, spec, expect),
    commit,
    upload: (bytes, type) => uploadPackage(url, bytes, type, owner),
    installSpec: (subject, packageUrl) =>
      commit({
        subject,
        set: { [props.isA]: [classes.plugin], [props.parent]: url, [props.plugin.file]: packageUrl, [props.plugin.permissions]: PROBE_PERMISSIONS },
      }),
    async commitRun(c, ms, count, classOf, onSample) {
      const first = nextIndex;
      const bodies = signer
        .signMany(first, count, (i) => {
          const changes = benchCommitChanges(url, i);
          return { ...changes, set: { ...changes.set, [props.isA]: [classOf(i - first)] } };
        })
        .map(commitBody);
      nextIndex += count;
      const op = client.op((i) => commitRequest(bodies[i] ?? Buffer.alloc(0)));
      const timed = onSample
        ? async (i: number): Promise<string | undefined> => {
            const t0 = performance.now();
            const failure = await op(i);
            if (failure === undefined) onSample(i, performance.now() - t0);
            return failure;
          }
        : op;
      return runConcurrent(c, { maxOps: Math.min(options.maxOps, bodies.length), durationMs: ms }, timed);
    },
    // The budget is for a phase of options.durationMs; scale it to `durationMs`.
    budgetFor: (c, durationMs) => Math.min(options.maxOps, Math.max(50, Math.ceil((options.commitBudget(c) * durationMs) / options.durationMs))),
  };
  const stop = async (): Promise<void> => {
    client.close();
    await child.stop();
  };
  return { session, stop };
}

/** What alternating commits with and without the before_commit hook measured. */
export interface HookLatency {
  hooked: LoadStats;
  filtered: LoadStats;
  /** p50 of the commits the hook ran for minus p50 of the others, in µs. */
  addedUs: number;
  /** The same difference between two halves of the commits without the hook (every other one): the noise floor. */
  noiseUs: number;
}

/** Bit `bit` of a hash of `i` (murmur3's finalizer): a coin that is fixed per `i` but follows no period. */
function coin(i: number, bit: number): boolean {
  let h = Math.imul(i ^ (i >>> 16), 0x85ebca6b);
  h = Math.imul(h ^ (h >>> 13), 0xc2b2ae35);
  return (((h ^ (h >>> 16)) >>> bit) & 1) === 1;
}

/**
 * C=1, mixed: each commit is, by a coin, one the bench probe's hook runs for or one it does not,
 * so both see the same disk and machine. A coin, not strict turns: the store's flushes can make
 * every other commit slower, and turns would then put that on one side. The noise floor splits
 * the commits without the hook by a second coin. The probe (bench package) must be installed on
 * the session's host.
 */
async function alternatingPhase(session: HostSession, options: PluginSuiteOptions, label: string, durationMs: number): Promise<HookLatency> {
  const alternate = (i: number): string => (coin(i, 0) ? HOOKED_CLASS : PLAIN_CLASS);
  await session.commitRun(1, options.warmupMs, session.budgetFor(1, options.warmupMs), alternate);
  const hooked: number[] = [];
  const plain: number[][] = [[], []];
  const all = await session.measured(label, () =>
    session.commitRun(1, durationMs, session.budgetFor(1, durationMs), alternate, (i, ms) => (coin(i, 0) ? hooked : plain[coin(i, 1) ? 1 : 0]!).push(ms)),
  );
  const stats = (samples: number[]): LoadStats => {
    const s = summarize(1, Float64Array.from(samples), 0, undefined, all.elapsedMs);
    s.perSecond = all.perSecond;
    if (all.serverCpu) s.serverCpu = all.serverCpu;
    return s;
  };
  if (all.errors > 0) throw new Error(`${label}: ${all.errors} errors, first: ${all.firstError ?? '?'}`);
  const result: HookLatency = {
    hooked: stats(hooked),
    filtered: stats([...plain[0]!, ...plain[1]!]),
    noiseUs: (stats(plain[0]!).p50Ms - stats(plain[1]!).p50Ms) * 1000,
    addedUs: 0,
  };
  result.addedUs = (result.hooked.p50Ms - result.filtered.p50Ms) * 1000;
  options.progress(
    `plugins: ${label} at C=1 (${describe(all, ' commits/s')}): p50 with before_commit ${result.hooked.p50Ms.toFixed(3)} ms, without ${result.filtered.p50Ms.toFixed(3)} ms: ${result.addedUs.toFixed(1)} µs (noise floor ${result.noiseUs.toFixed(1)} µs)`,
  );
  return result;
}

/**
 * The alternating phase again on a second host whose data folder is in memory (Linux's /dev/shm).
 * On disk a commit at C=1 waits 2–3 ms for its flush, give or take ~0.5 ms, and the median of a
 * few thousand such commits moves by ±10–40 µs between runs: more than the hook's cost. In memory
 * the same commits take a few hundred µs with little spread, so the difference is the hook's.
 */
async function measureHookInMemory(options: PluginSuiteOptions, benchPackage: Uint8Array): Promise<(HookLatency & { dataDir: string }) | undefined> {
  if (process.platform !== 'linux' || !existsSync(MEMORY_DIR)) return undefined;
  const dataDir = mkdtempSync(join(MEMORY_DIR, 'atomic-plugin-bench-'));
  const remove = removedAtExit(dataDir);
  options.progress(`plugins: before_commit on a host with its data folder in memory (${dataDir})`);
  try {
    const { session, stop } = await startSession(options, dataDir, 1);
    try {
      await session.send('installing the probe (in-memory host)', session.installSpec(`${session.url}/bench-probe`, await session.upload(benchPackage, 'application/zip')));
      await settle(session.pid);
      return { ...(await alternatingPhase(session, options, 'commits alternating before_commit, store in memory', 4 * options.durationMs)), dataDir };
    } finally {
      await stop();
    }
  } finally {
    remove();
  }
}

async function runOverHttp(options: PluginSuiteOptions): Promise<{ result: PluginSuiteResult; probe: ProbeBuild }> {
  const { progress } = options;
  progress(`plugins: starting atomic-plugin serve (child process${options.cpuProfDir ? ', --cpu-prof' : ''})`);
  const maxLevel = Math.max(HIGH_CONCURRENCY, ...options.levels);
  const { session, stop } = await startSession(options, options.dataDir, maxLevel, options.cpuProfDir);
  const { url, owner, pid, client, windows, measured, send, commit, upload, installSpec, commitRun, budgetFor } = session;
  const echoGet: RequestSpec = { method: 'GET', path: ECHO_PATH, headers: { accept: '*/*' } };
  const echoPost: RequestSpec = {
    method: 'POST',
    path: ECHO_PATH,
    headers: { 'content-type': 'text/plain; charset=utf-8', accept: '*/*' },
    body: Buffer.from('atomic-plugin echo benchmark body '.repeat(4).slice(0, ECHO_BODY_BYTES), 'utf8'),
  };
  const uninstall = async (subject: string): Promise<void> => {
    await send(`destroying ${subject}`, commit({ subject, destroy: true }));
    // The endpoint is gone with the commit; the sandbox workers end in the background.
    await send(`${ECHO_PATH} after uninstalling`, echoGet, 404);
    await settle(pid);
  };

  const commitPhase = async (label: string, c: number, durationMs: number, warmupMs: number, cls = PLAIN_CLASS): Promise<LoadStats> => {
    const budget = budgetFor(c, durationMs);
    if (warmupMs > 0) await commitRun(c, warmupMs, budgetFor(c, warmupMs), () => cls);
    const stats = await measured(label, () => commitRun(c, durationMs, budget, () => cls));
    progress(`plugins: ${label}: C=${c} ${describe(stats, ' commits/s')}`);
    return stats;
  };
  const pluginStats = async (subject: string): Promise<PluginStats | undefined> => {
    try {
      const response = await fetch(subject, { headers: { accept: 'application/ad+json', ...signRequestHeaders(subject, owner) } });
      const body = (await response.json()) as Record<string, unknown>;
      const stats = body[localProps(url).pluginStats] as Partial<PluginStats> | undefined;
      if (!stats) return undefined;
      return { calls: stats.calls ?? 0, failures: stats.failures ?? 0, restarts: stats.restarts ?? 0, memoryBytes: stats.memoryBytes ?? 0 };
    } catch {
      return undefined;
    }
  };

  try {
    progress(`plugins: listening on ${url} (pid ${pid ?? '?'}); building the probe with asc`);
    const probe = await buildProbe(owner, HOOKED_CLASS);
    progress(`plugins: probe built${probe.cached ? ' (cached)' : ''} in ${Math.round(probe.compileMs)} ms: plugin.wasm ${(probe.wasm.length / 1024).toFixed(1)} KiB, package ${(probe.shipped.length / 1024).toFixed(1)} KiB`);
    const shippedUrl = await upload(probe.shipped, 'application/zip');
    const benchUrl = await upload(probe.bench, 'application/zip');
    // For scale: a small public resource, as the host suite's `GET public resource`.
    await send('creating the public resource', commit({ subject: `${url}/bench-plugin-public`, set: { [props.parent]: url, [props.name]: 'Public bench resource', [props.read]: [publicAgent] } }));
    const nativeGet: RequestSpec = { method: 'GET', path: '/bench-plugin-public', headers: { accept: 'application/ad+json' } };

    const result: PluginSuiteResult = {
      url,
      pid,
      windows,
      wasmBytes: probe.wasm.length,
      packageBytes: probe.shipped.length,
      compile: { ms: probe.compileMs, cached: probe.cached },
      endpoints: { nativeEchoGet: [], nativeEchoPost: [], native: [], echoGet: [], echoPost: [] },
      commits: { without: [], hooked: [], filtered: [], shipped: [] },
      install: { runs: [], medianMs: 0, medianCommitMs: 0, medianFirstCallMs: 0 },
    };

    // --- Commit ingestion without and with the probe's hooks --------------------------------------
    // Uploads are prepared (fuel instrumentation) in the background: during the warm-up, then wait for the rest.
    await commitPhase('commits warm-up', HIGH_CONCURRENCY, options.initialWarmupMs, 0);
    await settle(pid);
    for (const c of [1, HIGH_CONCURRENCY]) result.commits.without.push(await commitPhase('commits, no plugin', c, options.durationMs, options.warmupMs));

    if (!options.quick) {
      const shippedSubject = `${url}/bench-probe-shipped`;
      await send('installing the probe (as shipped)', installSpec(shippedSubject, shippedUrl));
      for (const c of [1, HIGH_CONCURRENCY]) result.commits.shipped.push(await commitPhase('commits, probe as shipped (before + after commit)', c, options.durationMs, options.warmupMs));
      await uninstall(shippedSubject);
    }

    // --- Hot installs ----------------------------------------------------------------------------
    for (let k = 0; k < options.installs; k++) {
      const subject = `${url}/bench-install-${k}`;
      const spec = installSpec(subject, shippedUrl);
      const t0 = performance.now();
      await send(`installing ${subject}`, spec);
      const t1 = performance.now();
      let polls = 0;
      for (;;) {
        polls++;
        const { status, body } = await client.send(echoGet);
        if (status === 200) break;
        if (status !== 404 || performance.now() - t1 > 10_000) throw new Error(`${ECHO_PATH} after installing ${subject}: HTTP ${status} ${body ?? ''}`);
      }
      const t2 = performance.now();
      const run: InstallRun = { subject, commitMs: t1 - t0, firstCallMs: t2 - t1, totalMs: t2 - t0, polls };
      result.install.runs.push(run);
      progress(`plugins: hot install ${k + 1}/${options.installs}: ${run.totalMs.toFixed(1)} ms (commit ${run.commitMs.toFixed(1)} ms + first call ${run.firstCallMs.toFixed(1)} ms)`);
      await uninstall(subject);
    }
    result.install.medianMs = median(result.install.runs.map((r) => r.totalMs));
    result.install.medianCommitMs = median(result.install.runs.map((r) => r.commitMs));
    result.install.medianFirstCallMs = median(result.install.runs.map((r) => r.firstCallMs));

    const subject = `${url}/bench-probe`;
    await send('installing the probe (endpoints and before-commit hook)', installSpec(subject, benchUrl));
    // Twice as long as other phases: the two medians each get half the commits.
    const alternating = await alternatingPhase(session, options, 'commits alternating before_commit', 2 * options.durationMs);
    result.commits.hooked.push(alternating.hooked);
    result.commits.filtered.push(alternating.filtered);
    result.commits.addedP50Us = alternating.addedUs;
    result.commits.noiseP50Us = alternating.noiseUs;
    result.commits.hooked.push(await commitPhase('commits, before_commit runs', HIGH_CONCURRENCY, options.durationMs, options.warmupMs, HOOKED_CLASS));
    result.commits.filtered.push(await commitPhase('commits, before_commit filtered out', HIGH_CONCURRENCY, options.durationMs, options.warmupMs, PLAIN_CLASS));
    const without1 = result.commits.without.find((s) => s.concurrency === 1);
    const shipped1 = result.commits.shipped.find((s) => s.concurrency === 1);
    if (without1 && shipped1) result.commits.shippedAddedP50Us = (shipped1.p50Ms - without1.p50Ms) * 1000;

    // --- The echo endpoint against the same handler written natively, and native routes for scale --
    const nativeEchoGet: RequestSpec = { ...echoGet, path: NATIVE_ECHO_PATH };
    const nativeEchoPost: RequestSpec = { ...echoPost, path: NATIVE_ECHO_PATH };
    // Each level's rows run in turns of short slices, so that a change in the machine's speed
    // during the run (common on shared VMs: ±30% within a minute) hits all of them alike.
    const rows: [label: string, spec: RequestSpec, into: LoadStats[]][] = [
      [`native GET ${NATIVE_ECHO_PATH}`, nativeEchoGet, result.endpoints.nativeEchoGet],
      [`native POST ${NATIVE_ECHO_PATH} (${ECHO_BODY_BYTES} B)`, nativeEchoPost, result.endpoints.nativeEchoPost],
      ['native GET public resource', nativeGet, result.endpoints.native],
      [`GET ${ECHO_PATH}`, echoGet, result.endpoints.echoGet],
      [`POST ${ECHO_PATH} (${ECHO_BODY_BYTES} B)`, echoPost, result.endpoints.echoPost],
    ];
    for (const [, spec] of rows) {
      for (const c of [1, maxLevel]) await runConcurrent(c, { maxOps: options.maxOps, durationMs: options.initialWarmupMs / rows.length }, client.op(() => spec));
    }
    for (const c of options.levels) {
      const samples = rows.map((): number[] => []);
      const runs = await interleave(
        rows.map(([label, spec], k) => async () => {
          const op = client.op(() => spec);
          await runConcurrent(c, { maxOps: options.maxOps, durationMs: options.warmupMs / ENDPOINT_SLICES }, op);
          return measured(label, () => runConcurrent(c, { maxOps: options.maxOps, durationMs: options.durationMs / ENDPOINT_SLICES, samples: samples[k]! }, op));
        }),
        ENDPOINT_SLICES,
      );
      rows.forEach(([label, , into], k) => {
        const stats = mergeRuns(runs[k]!, samples[k]!);
        into.push(stats);
        progress(`plugins: ${label}: C=${c} ${describe(stats, ' req/s')}`);
      });
    }

    // --- Drift over many calls -------------------------------------------------------------------
    const driftLevel = HIGH_CONCURRENCY;
    const rate = Math.max(
      1,
      result.endpoints.echoPost.find((s) => s.concurrency === driftLevel)?.perSecond ?? Math.max(0, ...result.endpoints.echoPost.map((s) => s.perSecond)),
    );
    // How many calls, and a time cap: the rate over minutes is often lower than over one phase, so the cap, not an estimate, bounds the run.
    let calls: number;
    let capMs: number;
    let basis: string;
    const rateText = `${Math.round(rate).toLocaleString('en-US')}/s`;
    if (options.driftCalls !== undefined) {
      calls = options.driftCalls;
      capMs = Math.max(30_000, (3 * calls * 1000) / rate);
      basis = 'set with --drift-calls';
    } else if (options.quick) {
      calls = 20_000;
      capMs = 30_000;
      basis = 'quick run';
    } else if (DRIFT_FULL_CALLS / rate <= DRIFT_FULL_MAX_S) {
      calls = DRIFT_FULL_CALLS;
      capMs = DRIFT_FULL_MAX_S * 1000;
      basis = `${DRIFT_FULL_CALLS.toLocaleString('en-US')} calls fit in ${DRIFT_FULL_MAX_S} s at the ${rateText} measured at C=${driftLevel}; capped at ${DRIFT_FULL_MAX_S} s`;
    } else {
      calls = Math.ceil((1.5 * rate * DRIFT_FALLBACK_S) / 10_000) * 10_000;
      capMs = DRIFT_FALLBACK_S * 1000;
      basis = `${DRIFT_FULL_CALLS.toLocaleString('en-US')} calls would take ${Math.round(DRIFT_FULL_CALLS / rate)} s at the ${rateText} measured at C=${driftLevel}; as many as fit in ${DRIFT_FALLBACK_S} s`;
    }
    // C=1, POST echo and the native GET alternately: both see the same machine, so the native one tells how much of a change is the machine's.
    const latencyPhase = async (label: string): Promise<{ echo: LoadStats; native: LoadStats }> => {
      const alternate = client.op((i) => (i % 2 === 0 ? echoPost : nativeGet));
      await runConcurrent(1, { maxOps: options.maxOps, durationMs: options.warmupMs }, alternate);
      const echo: number[] = [];
      const native: number[] = [];
      const all = await measured(label, () =>
        runConcurrent(1, { maxOps: options.maxOps, durationMs: options.durationMs }, async (i) => {
          const t0 = performance.now();
          const failure = await alternate(i);
          if (failure === undefined) (i % 2 === 0 ? echo : native).push(performance.now() - t0);
          return failure;
        }),
      );
      if (all.errors > 0) throw new Error(`${label}: ${all.errors} errors, first: ${all.firstError ?? '?'}`);
      const stats = (samples: number[]): LoadStats => {
        const x = summarize(1, Float64Array.from(samples), 0, undefined, all.elapsedMs);
        x.perSecond = all.perSecond;
        if (all.serverCpu) x.serverCpu = all.serverCpu;
        return x;
      };
      const result = { echo: stats(echo), native: stats(native) };
      progress(`plugins: ${label}: POST echo p50 ${result.echo.p50Ms.toFixed(3)} ms, native GET p50 ${result.native.p50Ms.toFixed(3)} ms (C=1, alternating)`);
      return result;
    };
    const before = await latencyPhase('drift: latency before the calls');
    const rssBeforeKb = rssKb(pid);
    const statsStart = await pluginStats(subject);
    progress(`plugins: drift: up to ${calls.toLocaleString('en-US')} calls at C=${driftLevel} (${basis}), about ${Math.round(Math.min(capMs / 1000, calls / rate))} s; RSS ${rssBeforeKb ?? '?'} KiB`);
    let done = 0;
    const rssSamples: { calls: number; rssKb: number }[] = [];
    const sampler = setInterval(() => {
      const kb = rssKb(pid);
      if (kb !== undefined) rssSamples.push({ calls: done, rssKb: kb });
    }, RSS_SAMPLE_MS);
    const op = client.op(() => echoPost);
    let run: LoadStats;
    try {
      run = await measured('drift calls', () =>
        runConcurrent(driftLevel, { maxOps: calls, durationMs: capMs }, async (i) => {
          const failure = await op(i);
          done++;
          return failure;
        }),
      );
    } finally {
      clearInterval(sampler);
    }
    progress(`plugins: drift calls: ${describe(run, ' req/s')}`);
    const made = run.ok + run.errors;
    if (made < calls && options.driftCalls === undefined && !options.quick && calls === DRIFT_FULL_CALLS) {
      basis += `: the rate fell to ${Math.round(run.perSecond).toLocaleString('en-US')}/s and the cap stopped the calls at ${made.toLocaleString('en-US')}`;
    }
    const after = await latencyPhase('drift: latency after the calls');
    const rssAfterKb = rssKb(pid);
    const statsEnd = await pluginStats(subject);
    const percent = (a: number | undefined, b: number | undefined): number | undefined => (a !== undefined && b !== undefined && a > 0 ? (100 * (b - a)) / a : undefined);
    const tenth = Math.max(1, Math.floor(rssSamples.length / 10));
    const rssStartKb = rssSamples.length >= 2 ? median(rssSamples.slice(0, tenth).map((x) => x.rssKb)) : rssBeforeKb;
    const rssEndKb = rssSamples.length >= 2 ? median(rssSamples.slice(-tenth).map((x) => x.rssKb)) : rssAfterKb;
    const drift: DriftResult = {
      calls: made,
      basis,
      concurrency: driftLevel,
      run,
      start: before.echo,
      end: after.echo,
      controlStart: before.native,
      controlEnd: after.native,
      p50DriftPercent: percent(before.echo.p50Ms, after.echo.p50Ms) ?? 0,
      controlP50DriftPercent: percent(before.native.p50Ms, after.native.p50Ms) ?? 0,
      relativeP50DriftPercent: percent(before.echo.p50Ms / before.native.p50Ms, after.echo.p50Ms / after.native.p50Ms) ?? 0,
      rssSamples,
      plugin: {},
    };
    if (rssStartKb !== undefined) drift.rssStartKb = rssStartKb;
    if (rssEndKb !== undefined) drift.rssEndKb = rssEndKb;
    const rssDrift = percent(rssStartKb, rssEndKb);
    if (rssDrift !== undefined) drift.rssDriftPercent = rssDrift;
    if (rssBeforeKb !== undefined) drift.rssBeforeKb = rssBeforeKb;
    if (rssAfterKb !== undefined) drift.rssAfterKb = rssAfterKb;
    if (statsStart) drift.plugin.start = statsStart;
    if (statsEnd) drift.plugin.end = statsEnd;
    result.drift = drift;
    progress(
      `plugins: drift after ${drift.calls.toLocaleString('en-US')} calls: RSS ${rssStartKb ?? '?'} → ${rssEndKb ?? '?'} KiB (${rssDrift?.toFixed(1) ?? '?'}%), echo p50 ${before.echo.p50Ms.toFixed(3)} → ${after.echo.p50Ms.toFixed(3)} ms (${drift.p50DriftPercent.toFixed(1)}%; native ${drift.controlP50DriftPercent.toFixed(1)}%, echo ÷ native ${drift.relativeP50DriftPercent.toFixed(1)}%)`,
    );
    return { result, probe };
  } finally {
    progress('plugins: stopping the host');
    await stop();
    progress('plugins: host stopped');
  }
}
