// The sandbox worker: runs one Extism plugin (extism-sandbox.ts) on this worker's own main thread
// and serves calls from the parent through the SharedArrayBuffer channel (../worker-channel.ts). Started by
// wasm-runtime.ts from the compiled file; never imported.
//
// Why it is built this way (docs/design/wasm-runtime.md):
// - Extism's foreground plugin, not `runInWorker`: our own worker lets the parent enforce the
//   deadline by terminating it, and a host function that throws fails only its call.
// - Host functions are synchronous here: each one blocks in `Atomics.wait` until the parent's
//   asynchronous implementation answers.
// - After ANY failed call the plugin is re-instantiated from the cached Module (~0.3–1 ms):
//   after ~1,650 (lab) to ~2,050 (our fixture) failed host calls an instance would fail every call.
// - Between calls the worker blocks in `Atomics.wait` (the fastest wake-up) but yields to its
//   event loop every 1,024 calls and after 50 ms idle, so that tasks queued there (finalizers,
//   messages) are not starved. `terminate()` interrupts `Atomics.wait` either way.

import { parentPort, workerData } from 'node:worker_threads';
import { Channel, failureCodes, State, STATUS_OK, type WorkerMessage } from '../worker-channel.js';
import type { WasmWorkerInit } from './worker-init.js';
import { ExtismSandbox, type SyncHostFunction } from './extism-sandbox.js';

// Extism's createPlugin tests `candidate instanceof Response`, which makes Node 20 load undici for
// its lazy global `Response`: 30–90 ms on the first plugin of every isolate. Plugin HTTP goes through
// the parent's `http_request` host function, never through Extism, so a stub is all it needs.
Object.defineProperty(globalThis, 'Response', { value: class Response {}, writable: true, configurable: true });

const IDLE_WAIT_MS = 50;
const CALLS_BETWEEN_YIELDS = 1024;
const encoder = new TextEncoder();
const decoder = new TextDecoder();

const init = workerData as WasmWorkerInit;
const channel = new Channel(init.buffer, init.port);

/** Asks the parent to run host function `index`, blocking until it answers. */
function hostCall(index: number, request: Uint8Array): Uint8Array {
  channel.writePayload(request);
  channel.arg = index;
  channel.setState(State.HOST_REQ);
  let state: number;
  while ((state = channel.state) === State.HOST_REQ) Atomics.wait(channel.ctrl, 0, State.HOST_REQ);
  if (state !== State.HOST_RES) throw new Error('the host went away');
  const status = channel.arg;
  const answer = channel.readPayload();
  if (status !== STATUS_OK) throw new Error(decoder.decode(answer));
  return answer;
}

const hostFunctions: Record<string, SyncHostFunction> = Object.fromEntries(
  init.hostFunctions.map((name, index) => [name, (request: Uint8Array) => hostCall(index, request)]),
);

function post(message: WorkerMessage): void {
  parentPort?.postMessage(message);
}

const instantiate = (): Promise<ExtismSandbox> =>
  ExtismSandbox.create({ module: init.module, hostFunctions, config: init.config, memoryPages: init.memoryPages });

const yieldToEventLoop = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

async function serve(first: ExtismSandbox): Promise<void> {
  let sandbox = first;
  let sinceYield = 0;
  for (;;) {
    const state = channel.state;
    if (state === State.DEAD) return;
    if (state !== State.CALL_REQ) {
      if (Atomics.wait(channel.ctrl, 0, state, IDLE_WAIT_MS) === 'timed-out') {
        await yieldToEventLoop();
        sinceYield = 0;
      }
      continue;
    }
    const result = await sandbox.call(init.exports[channel.arg]!, channel.readPayload(), channel.fuel);
    if (result.ok) {
      channel.writePayload(result.output);
      channel.arg = STATUS_OK;
    } else {
      channel.writePayload(encoder.encode(result.message));
      channel.arg = 1 + failureCodes.indexOf(result.code);
    }
    channel.memoryKib = sandbox.memoryPages * 64;
    channel.setState(State.CALL_RES);
    if (!result.ok) {
      // Answer first, then start over from the cached Module while the parent reads the answer.
      sandbox = await instantiate();
      channel.memoryKib = sandbox.memoryPages * 64;
    }
    if (++sinceYield >= CALLS_BETWEEN_YIELDS) {
      await yieldToEventLoop();
      sinceYield = 0;
    }
  }
}

let first: ExtismSandbox;
try {
  const before = performance.now();
  first = await instantiate();
  channel.memoryKib = first.memoryPages * 64;
  post({ type: 'ready', instantiateMs: performance.now() - before });
} catch (error) {
  post({ type: 'failed', message: error instanceof Error ? `${error.name}: ${error.message}` : String(error) });
  channel.close();
  process.exit(1);
}
await serve(first);
channel.close();
