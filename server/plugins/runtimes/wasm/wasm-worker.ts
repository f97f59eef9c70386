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
// - The call loop, shared with the js worker, is ../worker-loop.ts.

import { parentPort, workerData } from 'node:worker_threads';
import { Channel, State, STATUS_OK, type WorkerMessage } from '../worker-channel.js';
import { serveCalls } from '../worker-loop.js';
import type { WasmWorkerInit } from './worker-init.js';
import { ExtismSandbox, type SyncHostFunction } from './extism-sandbox.js';

// Extism's createPlugin tests `candidate instanceof Response`, which makes Node 20 load undici for
// its lazy global `Response`: 30–90 ms on the first plugin of every isolate. Plugin HTTP goes through
// the parent's `http_request` host function, never through Extism, so a stub is all it needs.
Object.defineProperty(globalThis, 'Response', { value: class Response {}, writable: true, configurable: true });

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
let sandbox = first;
await serveCalls(channel, {
  call: (exportIndex, input) => sandbox.call(init.exports[exportIndex]!, input, channel.fuel),
  restart: async () => {
    sandbox = await instantiate();
  },
  memoryKib: () => sandbox.memoryPages * 64,
});
channel.close();
