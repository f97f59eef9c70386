// In-process breakdowns of the plugin figures the HTTP suite measures (bench/plugin-suite.ts), run
// in the benchmark process with the server's own runtime code:
// - per call: the JSON the host builds and parses around a call, the same Extism call made directly
//   on this thread (no worker), the call through the runtime's inline lane (what the host does for
//   the probe's echo and before_commit) and through the worker and channel (what it does for calls
//   that cannot run inline). Worker minus direct is the thread hop; direct is Extism plus the
//   plugin's code; inline minus direct is the lane's own bookkeeping.
// - per install: reading and verifying the package, restoring the prepared code from its cache,
//   starting the sandbox (inline, as the host does), the plugin's init and its first call (what the host's install gate
//   does besides the agent and the commit), and once, preparing the code cold (fuel instrumentation).

import { createHash } from 'node:crypto';
import { createAgentIdentity } from '../server/atomic/agent.js';
import { applyCommit, commitSubject, commitToPropVals } from '../server/atomic/commit.js';
import { props } from '../server/atomic/urls.js';
import { effectiveLimits } from '../server/plugins/manifest.js';
import { readPackage, verifyPackage } from '../server/plugins/package.js';
import type { HostFunction, InlineHostFunction, PluginInstance, PreparedCode, Runtime } from '../server/plugins/runtimes/runtime.js';
import { ExtismSandbox } from '../server/plugins/runtimes/wasm/extism-sandbox.js';
import { createWasmRuntime } from '../server/plugins/runtimes/wasm/index.js';
import { WebAssembly, type WasmModule } from '../server/plugins/runtimes/wasm/webassembly.js';
import { BenchSigner, type Progress } from './commit-ingestion.js';
import { PROBE_PERMISSIONS } from './probe-package.js';

/** Time per operation, in microseconds. */
export interface CallTiming {
  n: number;
  p50Us: number;
  meanUs: number;
}

/** One export called three ways. */
export interface ExportBreakdown {
  export: string;
  /** Bytes of the JSON input the host sends. */
  inputBytes: number;
  /** JSON.stringify + UTF-8 encode of the input, UTF-8 decode + JSON.parse of the answer. */
  json: CallTiming;
  /** The same Extism call on this thread, no worker: Extism's call path plus the plugin's own code. */
  direct: CallTiming;
  /** Through the wasm runtime's inline lane, as the host calls it. */
  inline: CallTiming;
  /** Through the wasm runtime (worker thread, SharedArrayBuffer channel), as the host calls it, back to back. */
  worker: CallTiming;
  /** The same, each call after IDLE_GAP_MS of rest (as between commits at C=1): both threads wake from sleep. */
  workerAfterIdle: CallTiming;
}

export interface CallBreakdown {
  echo: ExportBreakdown;
  beforeCommit: ExportBreakdown;
}

/** Medians over `reps` in-process installs, in ms. */
export interface InstallBreakdown {
  reps: number;
  /** readPackage + verifyPackage (unzip, digest, Ed25519 signature). */
  readVerifyMs: number;
  /** Compiling the cached prepared code and checking its imports (what an install of an uploaded package does). */
  restoreMs: number;
  /** Instantiating the plugin the way the host does (inline lane; its worker starts only when needed). */
  instantiateMs: number;
  /** The plugin's init export. */
  initMs: number;
  /** The first handle_request (echo) on the new worker. */
  firstCallMs: number;
  totalMs: number;
  /** Preparing the code (validation, fuel instrumentation in binaryen, memory cap, compile); the host does it at upload, not at install. */
  prepareColdMs: number;
  /** The first preparation in this process, which also loads and starts binaryen. */
  firstPrepareMs: number;
}

const encoder = new TextEncoder();
const decoder = new TextDecoder();
const OK_ENVELOPE = encoder.encode('{"ok":null}');
/** The rest before each call of `workerAfterIdle`: about the time between two commits at C=1. */
export const IDLE_GAP_MS = 5;

function timing(samples: number[]): CallTiming {
  const sorted = [...samples].sort((a, b) => a - b);
  const mean = sorted.reduce((a, b) => a + b, 0) / Math.max(1, sorted.length);
  return { n: sorted.length, p50Us: (sorted[Math.ceil(sorted.length / 2) - 1] ?? 0) * 1000, meanUs: mean * 1000 };
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.ceil(sorted.length / 2) - 1] ?? 0;
}

/** Runs `op` `warmup` times, then times `n` runs; with `selfTimed`, `op` resolves to its own duration in ms. */
export async function timeLoop(n: number, warmup: number, op: () => unknown, selfTimed = false): Promise<CallTiming> {
  for (let i = 0; i < warmup; i++) await op();
  const samples: number[] = [];
  for (let i = 0; i < n; i++) {
    const t0 = performance.now();
    const own = await op();
    samples.push(selfTimed ? (own as number) : performance.now() - t0);
  }
  return timing(samples);
}

/** Host functions that answer `{"ok":null}` (init logs; echo and before_commit call none). */
export function stubHostFunctions(names: readonly string[]): Record<string, HostFunction> {
  return Object.fromEntries(names.map((name) => [name, () => Promise.resolve(OK_ENVELOPE)]));
}

/** The read-only ones again, synchronous, as the host gives them for its inline lane. */
export function inlineStubs(names: readonly string[]): Record<string, InlineHostFunction> {
  const readOnly = new Set(['get_resource', 'query', 'get_config', 'get_plugin_agent', 'kv_get', 'log']);
  return Object.fromEntries(names.filter((name) => readOnly.has(name)).map((name) => [name, () => OK_ENVELOPE]));
}

/** The input the plugin host builds for a POST /plugins/test/probe/echo with a 100-byte body (plugin-host.ts #handleRequest). */
export function echoInput(body: string): Record<string, unknown> {
  return {
    method: 'POST',
    path: '/plugins/test/probe/echo',
    query: {},
    headers: { host: 'localhost:9883', 'content-type': 'text/plain; charset=utf-8', 'content-length': String(body.length), connection: 'keep-alive' },
    body,
    agent: null,
  };
}

/** The before_commit input for a benchmark commit creating a resource (plugin-host.ts #commitEvent). */
export function beforeCommitInput(): Record<string, unknown> {
  const url = 'http://localhost:9883';
  const signer = new BenchSigner(createAgentIdentity(url));
  const commit = signer.sign(
    {
      subject: `${url}/bench-1`,
      set: { [props.parent]: url, [props.name]: 'Bench resource 1', [props.description]: 'Resource number 1, created by the commit ingestion benchmark.' },
    },
    Date.now(),
  );
  const commitId = commitSubject(url, commit);
  return { commit: { '@id': commitId, ...commitToPropVals(commit) }, subject: commit.subject, before: null, after: applyCommit(undefined, commit, commitId) ?? null, signer: commit.signer };
}

interface Prepared {
  runtime: Runtime;
  prepared: PreparedCode & { module: WasmModule; hostFunctions: readonly string[] };
  allowed: string[];
  memoryMb: number;
  limits: ReturnType<typeof effectiveLimits>;
  manifest: ReturnType<typeof readPackage>['manifest'];
  prepareMs: number;
  firstPrepareMs: number;
}

/** Preparations by code and memory cap: both breakdowns use the same plugin.wasm. */
const preparations = new Map<string, Promise<Omit<Prepared, 'manifest'>>>();

/** Prepares the package's code the way the host does (every requested permission granted). */
async function preparePackage(zip: Uint8Array): Promise<Prepared> {
  const pkg = readPackage(zip);
  const code = pkg.files[pkg.manifest.entry]!;
  const limits = effectiveLimits(pkg.manifest, PROBE_PERMISSIONS as never);
  const key = `${createHash('sha256').update(code).digest('hex')}-${limits.memoryMb}`;
  let preparation = preparations.get(key);
  if (!preparation) {
    preparation = (async () => {
      // Every host function the code imports: all are allowed by the probe's permissions, all granted.
      const allowed = WebAssembly.Module.imports(await WebAssembly.compile(code))
        .filter((i) => i.module === 'extism:host/user')
        .map((i) => i.name);
      const runtime = createWasmRuntime();
      const options = { memoryMb: limits.memoryMb, allowedHostFunctions: allowed };
      // The first preparation in a process also loads and starts binaryen; the second is what each upload costs.
      const t0 = performance.now();
      await runtime.prepare!(code, options);
      const t1 = performance.now();
      const prepared = (await runtime.prepare!(code, options)) as Prepared['prepared'];
      return { runtime, prepared, allowed, memoryMb: limits.memoryMb, limits, firstPrepareMs: t1 - t0, prepareMs: performance.now() - t1 };
    })();
    preparations.set(key, preparation);
  }
  return { ...(await preparation), manifest: pkg.manifest };
}

/** Times the echo and before_commit exports three ways (see the header). */
export async function measureCallBreakdown(zip: Uint8Array, options: { iterations: number; idleCalls: number; progress: Progress }): Promise<CallBreakdown> {
  const { runtime, prepared, limits } = await preparePackage(zip);
  const stubs = stubHostFunctions(prepared.hostFunctions);
  const plugin = await ExtismSandbox.create({
    module: prepared.module,
    hostFunctions: Object.fromEntries(prepared.hostFunctions.map((name) => [name, () => OK_ENVELOPE])),
    config: {},
    memoryPages: null,
  });
  const instance: PluginInstance = await runtime.instantiate(prepared, { hostFunctions: stubs, limits });
  const inlineInstance: PluginInstance = await runtime.instantiate(prepared, { hostFunctions: stubs, inlineHostFunctions: inlineStubs(prepared.hostFunctions), limits });
  const n = options.iterations;
  const warmup = Math.min(2000, n);

  const breakdown = async (exportName: string, input: Record<string, unknown>): Promise<ExportBreakdown> => {
    const bytes = encoder.encode(JSON.stringify(input));
    const answer = await plugin.call(exportName, bytes, -1n);
    const answerText = answer.ok ? decoder.decode(answer.output) : answer.message;
    if (!answer.ok || !answerText.startsWith('{')) throw new Error(`${exportName} answered ${answerText.slice(0, 80)}`);
    const answerBytes = encoder.encode(answerText);
    const json = await timeLoop(n, warmup, () => {
      const encoded = encoder.encode(JSON.stringify(input));
      const parsed = JSON.parse(decoder.decode(answerBytes)) as unknown;
      return encoded.length + (parsed === null ? 0 : 1);
    });
    const direct = await timeLoop(n, warmup, async () => {
      await plugin.call(exportName, bytes, -1n);
    });
    const inline = await timeLoop(n, warmup, () => inlineInstance.call(exportName, bytes));
    const worker = await timeLoop(n, warmup, () => instance.call(exportName, bytes));
    const workerAfterIdle = await timeLoop(options.idleCalls, 0, async () => {
      await new Promise((resolve) => setTimeout(resolve, IDLE_GAP_MS));
      const t0 = performance.now();
      await instance.call(exportName, bytes);
      return performance.now() - t0;
    }, true);
    options.progress(
      `plugin calls in-process: ${exportName} (${bytes.length} B in): JSON ${json.p50Us.toFixed(1)} µs, Extism on this thread ${direct.p50Us.toFixed(1)} µs, inline lane ${inline.p50Us.toFixed(1)} µs, through the worker ${worker.p50Us.toFixed(1)} µs, after ${IDLE_GAP_MS} ms idle ${workerAfterIdle.p50Us.toFixed(1)} µs (p50)`,
    );
    return { export: exportName, inputBytes: bytes.length, json, direct, inline, worker, workerAfterIdle };
  };

  try {
    return {
      echo: await breakdown('handle_request', echoInput('x'.repeat(100))),
      beforeCommit: await breakdown('before_commit', beforeCommitInput()),
    };
  } finally {
    await instance.close();
    await inlineInstance.close();
  }
}

/** Times the steps of installing `zip` in-process, `reps` times (see the header). */
export async function measureInstallBreakdown(zip: Uint8Array, options: { reps: number; progress: Progress }): Promise<InstallBreakdown> {
  const { runtime, prepared, allowed, limits, manifest, prepareMs, firstPrepareMs } = await preparePackage(zip);
  const stubs = stubHostFunctions(prepared.hostFunctions);
  const initInput = encoder.encode(JSON.stringify({ config: manifest.defaultConfig, plugin: { namespace: manifest.namespace, name: manifest.name, version: manifest.version, agent: 'http://localhost:9883/agents/x' } }));
  const echo = encoder.encode(JSON.stringify(echoInput('x'.repeat(100))));
  const steps: Record<Exclude<keyof InstallBreakdown, 'reps' | 'prepareColdMs' | 'firstPrepareMs'>, number[]> = { readVerifyMs: [], restoreMs: [], instantiateMs: [], initMs: [], firstCallMs: [], totalMs: [] };
  for (let rep = 0; rep < options.reps; rep++) {
    const t0 = performance.now();
    verifyPackage(readPackage(zip), { requireSignature: false });
    const t1 = performance.now();
    const restored = (await runtime.restore!(prepared.bytes, { allowedHostFunctions: allowed })) as Prepared['prepared'];
    const t2 = performance.now();
    const instance = await runtime.instantiate(restored, { hostFunctions: stubs, inlineHostFunctions: inlineStubs(restored.hostFunctions), limits });
    const t3 = performance.now();
    await instance.call('init', initInput);
    const t4 = performance.now();
    await instance.call('handle_request', echo);
    const t5 = performance.now();
    await instance.close();
    steps.readVerifyMs.push(t1 - t0);
    steps.restoreMs.push(t2 - t1);
    steps.instantiateMs.push(t3 - t2);
    steps.initMs.push(t4 - t3);
    steps.firstCallMs.push(t5 - t4);
    steps.totalMs.push(t5 - t0);
    // Let the terminated workers go before the next start, as the HTTP installs do.
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  const result: InstallBreakdown = {
    reps: options.reps,
    readVerifyMs: median(steps.readVerifyMs),
    restoreMs: median(steps.restoreMs),
    instantiateMs: median(steps.instantiateMs),
    initMs: median(steps.initMs),
    firstCallMs: median(steps.firstCallMs),
    totalMs: median(steps.totalMs),
    prepareColdMs: prepareMs,
    firstPrepareMs,
  };
  const f = (n: number): string => n.toFixed(1);
  options.progress(
    `plugin install in-process (median of ${options.reps}): read+verify ${f(result.readVerifyMs)} ms, restore ${f(result.restoreMs)} ms, instantiate ${f(result.instantiateMs)} ms, init ${f(result.initMs)} ms, first call ${f(result.firstCallMs)} ms = ${f(result.totalMs)} ms; prepare ${f(prepareMs)} ms (the first in a process, loading binaryen: ${f(firstPrepareMs)} ms)`,
  );
  return result;
}
