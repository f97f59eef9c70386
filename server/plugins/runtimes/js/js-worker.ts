// The js sandbox worker: runs one plugin script in QuickJS (sandbox-context.ts) on this worker's
// own thread and serves calls from the parent through the SharedArrayBuffer channel, as the wasm
// worker does. Started by js-runtime.ts from the compiled file; never imported.
//
// - Host functions are synchronous in the sandbox: each one blocks in `Atomics.wait` until the
//   parent's asynchronous implementation answers.
// - The deadline is enforced here first, by QuickJS's interrupt handler (a clean TIMEOUT, the
//   worker kept); the parent terminates the worker only if that does not come through (a call
//   blocked in a host function, or a runaway native).
// - After ANY failed call the plugin starts over in a fresh QuickJS runtime and context, with its
//   script evaluated again (~3–10 ms): a failed call leaves no state behind, as in the wasm
//   runtime. The WebAssembly instance under them is kept (a new one costs 4–200 ms on a busy box,
//   mostly for its 16 MiB memory) unless QuickJS could not be torn down cleanly.
// - `mode: 'inspect'` (at prepare) evaluates the script once, reports its exports and exits.

import { parentPort, workerData } from 'node:worker_threads';
import { Channel, failureCodes, State, STATUS_OK, type WorkerMessage } from '../worker-channel.js';
import { serveCalls, type WorkerCallResult } from '../worker-loop.js';
import { instantiateQuickJs, type QuickJsInstance } from './quickjs.js';
import { SandboxContext, type SandboxError, type SandboxIo } from './sandbox-context.js';
import type { JsInspectMessage, JsWorkerInit } from './worker-init.js';

const EMPTY = new Uint8Array(0);
const encoder = new TextEncoder();
const decoder = new TextDecoder();

type FailureCode = (typeof failureCodes)[number];

const init = workerData as JsWorkerInit;
const channel = init.mode === 'serve' ? new Channel(init.buffer, init.port) : null;
const hostIndex = new Map(init.mode === 'serve' ? init.hostFunctions.map((name, index) => [name, index]) : []);
const capBytes = init.maxPages * 65_536;

/** The call being served: its input, the output so far, and a host function failure if one happened. */
let call: { input: Uint8Array; output: Uint8Array } | null = null;
let hostFailure: string | null = null;

/** Asks the parent to run a host function, blocking until it answers. */
function hostCall(name: string, request: Uint8Array): Uint8Array {
  if (call === null || channel === null) throw new Error(`host function "${name}" cannot be called while the plugin script loads, only during a call`);
  const index = hostIndex.get(name);
  if (index === undefined) throw new Error(`host function "${name}" is not available to this plugin`);
  channel.writePayload(request);
  channel.arg = index;
  channel.setState(State.HOST_REQ);
  let state: number;
  while ((state = channel.state) === State.HOST_REQ) Atomics.wait(channel.ctrl, 0, State.HOST_REQ);
  if (state !== State.HOST_RES) throw new Error('the host went away');
  const status = channel.arg;
  const answer = channel.readPayload();
  if (status !== STATUS_OK) {
    // Failing the call does not depend on the plugin letting the exception through: a plugin that
    // catches it still fails with HOST_FUNCTION_FAILED.
    hostFailure = `host function "${name}" failed: ${decoder.decode(answer)}`;
    throw new Error(hostFailure);
  }
  return answer;
}

const io: SandboxIo = {
  input() {
    if (call === null) throw new Error('the input is only available during a call');
    return call.input;
  },
  output(bytes) {
    if (call === null) throw new Error('output can only be set during a call');
    call.output = bytes;
  },
  hostCall,
  log(level, message) {
    // Outside a call (while the script loads) there is no one to log for: dropped.
    if (call === null || !hostIndex.has('log')) return;
    hostCall('log', encoder.encode(JSON.stringify({ level, message })));
  },
  config(key) {
    return Object.hasOwn(init.config, key) ? init.config[key]! : null;
  },
};

function post(message: WorkerMessage | JsInspectMessage): void {
  parentPort?.postMessage(message);
}

function mib(bytes: number): string {
  return `${Math.round((bytes / 2 ** 20) * 10) / 10} MiB`;
}

function describe(error: SandboxError): string {
  const text = error.name ? `${error.name}: ${error.message}` : error.message || 'an exception with no message';
  // The plugin's own frame, not the PDK prelude's that threw on its behalf.
  const at = error.stack.split('\n').find((line) => line.trim().startsWith('at ') && !line.includes('atomic-plugin:prelude.js'));
  return at ? `${text} (${at.trim()})` : text;
}

/** Tells why a call (or the script's evaluation) failed. */
function classify(error: SandboxError, quickjs: QuickJsInstance, timeoutMs: number, startedAt: number): [FailureCode, string] {
  if (hostFailure !== null) return ['HOST_FUNCTION_FAILED', hostFailure];
  const bytes = quickjs.memory.buffer.byteLength;
  // The interrupt handler's uncatchable "interrupted" (or nothing at all, when QuickJS could not
  // allocate the error, past the deadline); a real error that merely comes late keeps its cause.
  const late = performance.now() - startedAt >= timeoutMs;
  if (error.message === 'interrupted' || (late && error.name === '' && error.message === '')) {
    return ['TIMEOUT', `no answer within ${timeoutMs} ms; the call was interrupted`];
  }
  // QuickJS throws "out of memory" when malloc fails at the memory cap, or at its own malloc
  // limit; it throws nothing describable when it cannot even allocate the error.
  if (error.message === 'out of memory' || (error.name === '' && error.message === '' && bytes >= capBytes * 0.875)) {
    return ['MEMORY_LIMIT', `out of memory (the sandbox memory is at ${mib(bytes)} of ${mib(capBytes)})`];
  }
  if (error.message === 'stack overflow' || /call stack/i.test(error.message)) return ['STACK_OVERFLOW', describe(error)];
  return ['TRAP', describe(error)];
}

interface Live {
  readonly quickjs: QuickJsInstance;
  readonly sandbox: SandboxContext;
}

/** A fresh sandbox with the plugin script evaluated in it, in `quickjs` or a new instance; throws if the script fails. */
async function start(reuse: QuickJsInstance | null = null): Promise<Live> {
  const quickjs = reuse ?? (await instantiateQuickJs(init.wasmModule, init.maxPages));
  const startedAt = performance.now();
  const { context, outcome } = SandboxContext.create(
    quickjs.module,
    {
      script: init.script,
      fileName: init.fileName,
      memoryLimitBytes: init.memoryMb * 2 ** 20,
      permissions: init.permissions,
      // Inspecting, every function counts as granted, so that a top-level call is refused for
      // what it is (a call outside a call), not for a permission that prepare does not know.
      allowed: init.mode === 'serve' ? init.hostFunctions : Object.keys(init.permissions),
      io,
    },
    init.loadTimeoutMs,
  );
  if (!outcome.ok) {
    context.dispose();
    const [code, message] = classify(outcome.error, quickjs, init.loadTimeoutMs, startedAt);
    const detail = code === 'TIMEOUT' ? `its top-level code did not finish within ${init.loadTimeoutMs} ms` : message;
    const hint = outcome.error.name === 'SyntaxError' && /export|import/.test(outcome.error.message) ? ' (plugin.js must be a CommonJS bundle: esbuild --format=cjs)' : '';
    throw new Error(`${init.fileName} failed to load: ${detail}${hint}`);
  }
  return { quickjs, sandbox: context };
}

function memoryKib(live: Live): number {
  return live.quickjs.memory.buffer.byteLength / 1024;
}

/** Runs one call in the live sandbox and classifies its outcome. */
function runCall(ch: Channel, live: Live, index: number, input: Uint8Array): WorkerCallResult {
  const timeoutMs = ch.timeoutMs;
  call = { input, output: EMPTY };
  hostFailure = null;
  const startedAt = performance.now();
  try {
    const outcome = live.sandbox.invoke(index, timeoutMs);
    if (outcome.ok && hostFailure === null && outcome.code === 0) return { ok: true, output: call.output };
    const [code, message] = outcome.ok
      ? hostFailure !== null
        ? (['HOST_FUNCTION_FAILED', hostFailure] as const)
        : (['TRAP', `the export returned ${outcome.code}`] as const)
      : classify(outcome.error, live.quickjs, timeoutMs, startedAt);
    return { ok: false, code, message };
  } finally {
    call = null;
  }
}

let first: Live;
const before = performance.now();
try {
  first = await start();
} catch (error) {
  post({ type: 'failed', message: error instanceof Error ? error.message : String(error) });
  channel?.close();
  process.exit(1);
}
if (init.mode === 'inspect') {
  post({ type: 'inspected', exports: [...first.sandbox.exports] });
  first.sandbox.dispose();
} else {
  channel!.memoryKib = memoryKib(first);
  post({ type: 'ready', instantiateMs: performance.now() - before });
  let live = first;
  await serveCalls(channel!, {
    call: (index, input) => runCall(channel!, live, index, input),
    restart: async () => {
      live = await start(live.sandbox.dispose() ? live.quickjs : null);
    },
    memoryKib: () => memoryKib(live),
  });
  channel!.close();
}
