// Per-call overhead of each plugin runtime for the same trivial hook: the probe's `handle_request`
// answering the echo request the host builds for a 100-byte POST, called in this process through
// each runtime as the host calls it, against a native handler doing the same JSON work in the host.
// Each runtime runs the probe written for it (fixtures/plugins/probe: AssemblyScript for wasm,
// TypeScript against sdk/js for js, JavaScript against sdk/node for process), built with the real
// toolchain.

import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { compileAssemblyScript, packageRoot } from '../cli/lib/assemblyscript.js';
import { bundlePlugin } from '../cli/lib/esbuild.js';
import { bundleProcessPlugin } from '../cli/lib/process-bundle.js';
import { createAgentIdentity, encodeSecret } from '../server/atomic/agent.js';
import type { PluginInstance, Runtime, RuntimeLimits } from '../server/plugins/runtimes/runtime.js';
import { createJsRuntime } from '../server/plugins/runtimes/js/index.js';
import { createProcessRuntime } from '../server/plugins/runtimes/process/index.js';
import { createWasmRuntime } from '../server/plugins/runtimes/wasm/index.js';
import type { Progress } from './commit-ingestion.js';
import { type CallTiming, echoInput, inlineStubs, stubHostFunctions, timeLoop } from './plugin-calls.js';
import { PROBE_PERMISSIONS } from './probe-package.js';
import { allowedHostFunctionsFor } from '../server/plugins/permissions.js';

/** One way of answering the echo request. */
export interface RuntimeCallRow {
  /** e.g. `wasm (inline lane)`. */
  name: string;
  timing: CallTiming;
}

export interface RuntimeCallsResult {
  inputBytes: number;
  rows: RuntimeCallRow[];
}

const probeDir = join(packageRoot, 'fixtures/plugins/probe');
const limits: RuntimeLimits = { timeoutMs: 1_000, fuel: 100_000_000, memoryMb: 32 };
const encoder = new TextEncoder();
const decoder = new TextDecoder();

/** What the probe's echo route does, written in the host: parse the request, answer its body. */
function nativeEcho(input: Uint8Array): Uint8Array {
  const request = JSON.parse(decoder.decode(input)) as { body: string; headers: Record<string, string> };
  const type = request.headers['content-type'] ?? 'text/plain; charset=utf-8';
  return encoder.encode(JSON.stringify({ status: 200, headers: { 'content-type': type }, body: request.body }));
}

/** The process probe as the host starts it: its bundle in a run folder, a data folder, an agent. */
async function startProcess(dir: string): Promise<PluginInstance> {
  const runDir = join(dir, 'run');
  const dataDir = join(dir, 'data');
  mkdirSync(runDir, { recursive: true });
  mkdirSync(dataDir, { recursive: true });
  writeFileSync(join(runDir, 'plugin.mjs'), await bundleProcessPlugin(join(probeDir, 'process/index.mjs')));
  const serverUrl = 'http://localhost:9883';
  const agent = createAgentIdentity(serverUrl);
  const names = [...allowedHostFunctionsFor(PROBE_PERMISSIONS)];
  return createProcessRuntime().instantiate({ kind: 'process', bytes: new Uint8Array(), exports: [] }, {
    hostFunctions: stubHostFunctions(names),
    limits: { ...limits, fuel: null },
    plugin: {
      namespace: 'test', name: 'probe', version: '0.1.0', packageDir: runDir, entry: 'plugin.mjs', dataDir, serverUrl,
      agent: { subject: agent.subject, publicKey: agent.publicKey, secret: encodeSecret(agent) },
    },
  });
}

async function instantiate(runtime: Runtime, code: Uint8Array, inline: boolean): Promise<PluginInstance> {
  const allowed = allowedHostFunctionsFor(PROBE_PERMISSIONS);
  const prepared = runtime.prepare ? await runtime.prepare(code, { memoryMb: limits.memoryMb, allowedHostFunctions: allowed }) : { kind: runtime.capabilities.kind, bytes: code, exports: [] };
  const names = [...allowed];
  return runtime.instantiate(prepared, {
    hostFunctions: stubHostFunctions(names),
    inlineHostFunctions: inline ? inlineStubs(names) : undefined,
    limits: runtime.capabilities.fuel ? limits : { ...limits, fuel: null },
  });
}

/** Times the echo call through every runtime, `iterations` calls each after a warm-up. */
export async function measureRuntimeCalls(options: { iterations: number; progress: Progress }): Promise<RuntimeCallsResult> {
  const input = encoder.encode(JSON.stringify(echoInput('x'.repeat(100))));
  const expected = decoder.decode(nativeEcho(input));
  const [{ wasm }, { script }] = await Promise.all([compileAssemblyScript(probeDir), bundlePlugin(join(probeDir, 'js'))]);
  const wasmRuntime = createWasmRuntime();
  const js = createJsRuntime();
  const processDir = mkdtempSync(join(tmpdir(), 'atomic-plugin-bench-process-'));
  const contenders: [string, () => Promise<PluginInstance>][] = [
    ['wasm (inline lane, as the host runs it)', () => instantiate(wasmRuntime, wasm, true)],
    ['wasm (worker thread)', () => instantiate(wasmRuntime, wasm, false)],
    ['js (QuickJS, worker thread)', () => instantiate(js, script, false)],
    ['process (Node, JSON-RPC over stdio)', () => startProcess(processDir)],
  ];
  const n = options.iterations;
  const warmup = Math.min(2_000, n);
  const rows: RuntimeCallRow[] = [{ name: 'native handler in the host', timing: await timeLoop(n, warmup, () => nativeEcho(input)) }];
  for (const [name, start] of contenders) {
    const instance = await start();
    try {
      const answer = decoder.decode(await instance.call('handle_request', input));
      if (JSON.stringify(JSON.parse(answer)) !== expected) throw new Error(`${name} answered ${answer.slice(0, 120)}`);
      rows.push({ name, timing: await timeLoop(n, warmup, () => instance.call('handle_request', input)) });
      options.progress(`runtime calls: ${name}: p50 ${rows.at(-1)!.timing.p50Us.toFixed(1)} µs`);
    } finally {
      await instance.close();
    }
  }
  rmSync(processDir, { recursive: true, force: true });
  return { inputBytes: input.length, rows };
}
