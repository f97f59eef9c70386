// The sandbox worker: runs one Extism plugin on this worker's own main thread and serves calls
// from the parent through the SharedArrayBuffer channel (channel.ts). Started by wasm-runtime.ts
// from the compiled file; never imported.
//
// Why it is built this way (docs/design/wasm-runtime.md):
// - Extism's foreground plugin, not `runInWorker`: our own worker lets the parent enforce the
//   deadline by terminating it, and a host function that throws fails only its call.
// - Host functions are synchronous here (rc13 refuses async imports on a main thread without JSPI):
//   each one blocks in `Atomics.wait` until the parent's asynchronous implementation answers.
// - After ANY failed call the plugin is re-instantiated from the cached Module (~0.3–1 ms):
//   AssemblyScript never restores its shadow stack pointer when a call unwinds, and after ~1,650
//   (lab) to ~2,050 (our fixture) failed host calls an instance would fail every call.
// - Between calls the worker blocks in `Atomics.wait` (the fastest wake-up) but yields to its
//   event loop every 1,024 calls and after 50 ms idle, so that tasks queued there (finalizers,
//   messages) are not starved. `terminate()` interrupts `Atomics.wait` either way.

import { parentPort, workerData } from 'node:worker_threads';
import type { CallContext } from '@extism/extism';
import { Channel, failureCodes, State, STATUS_OK, type WorkerMessage } from '../worker-channel.js';
import type { WasmWorkerInit } from './worker-init.js';
import { type WasmGlobal, type WasmMemory, WebAssembly } from './webassembly.js';

// Extism's createPlugin tests `candidate instanceof Response`, which makes Node 20 load undici for
// its lazy global `Response`: 30–90 ms on the first plugin of every isolate. Plugin HTTP goes through
// the parent's `http_request` host function, never through Extism, so a stub is all it needs.
// Set before Extism is loaded.
Object.defineProperty(globalThis, 'Response', { value: class Response {}, writable: true, configurable: true });

const IDLE_WAIT_MS = 50;
const CALLS_BETWEEN_YIELDS = 1024;
const PAGE_BYTES = 65_536;
const MAX_FUEL = 0x7fff_ffff_ffff_ffffn;
const EMPTY = new Uint8Array(0);
const encoder = new TextEncoder();
const decoder = new TextDecoder();

type FailureCode = (typeof failureCodes)[number];

interface Live {
  readonly plugin: Awaited<ReturnType<typeof import('@extism/extism').createPlugin>>;
  readonly fuel: WasmGlobal | undefined;
  readonly memory: WasmMemory | undefined;
}

const init = workerData as WasmWorkerInit;
const channel = new Channel(init.buffer, init.port);
const capBytes = init.memoryPages === null ? 0 : init.memoryPages * PAGE_BYTES;

/** Set when a host function fails during the current call: the call fails with HOST_FUNCTION_FAILED. */
let hostFailure: string | null = null;
/** Set when Extism refuses an allocation of its own (input, output, host answers, vars). */
let extismOutOfMemory = false;

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
  if (status !== STATUS_OK) {
    hostFailure = `host function "${init.hostFunctions[index]}" failed: ${decoder.decode(answer)}`;
    // Thrown through the wasm frames into Extism's call, which rejects: only this call fails.
    throw new Error(hostFailure);
  }
  return answer;
}

const hostFunctions = Object.fromEntries(
  init.hostFunctions.map((_, index) => [
    init.hostFunctions[index]!,
    // ABI: one i64 offset of the request in, one offset of the answer out. Must not be async.
    (context: CallContext, offset: unknown): bigint => {
      const request = typeof offset === 'bigint' ? (context.read(offset)?.bytes() ?? EMPTY) : EMPTY;
      return context.store(hostCall(index, request));
    },
  ]),
);

const noop = (): void => {};
/** Extism logs (regardless of level) when it refuses an allocation; that is all we listen for. */
const logger = {
  trace: noop, debug: noop, info: noop, warn: noop, log: noop,
  error(message: unknown): void {
    if (typeof message === 'string' && message.includes('memory limit exceeded')) extismOutOfMemory = true;
  },
} as unknown as Console;

const refuseFetch = ((): Promise<never> => Promise.reject(new Error('Extism HTTP is disabled'))) as unknown as typeof fetch;

function post(message: WorkerMessage): void {
  parentPort?.postMessage(message);
}

const startedAt = performance.now();
const { createPlugin } = await import('@extism/extism');
const importMs = performance.now() - startedAt;

async function instantiate(): Promise<Live> {
  const plugin = await createPlugin(
    { wasm: [{ module: init.module }] },
    {
      useWasi: false,
      functions: { 'extism:host/user': hostFunctions },
      // A prototype-less copy: Extism looks keys up with `in`, which would find "toString".
      config: Object.assign(Object.create(null) as Record<string, string>, init.config),
      logger,
      logLevel: 'silent',
      fetch: refuseFetch,
      // Extism's own blocks (input, output, host answers) and vars, capped like the linear memory.
      memory: init.memoryPages === null ? {} : { maxPages: init.memoryPages, maxVarBytes: capBytes },
    },
  );
  const { exports } = await plugin.getInstance();
  const fuel = exports.__fuel instanceof WebAssembly.Global ? exports.__fuel : undefined;
  const memory = exports.memory instanceof WebAssembly.Memory ? exports.memory : undefined;
  return { plugin, fuel, memory };
}

function describe(error: unknown): string {
  return error instanceof Error ? `${error.name}: ${error.message}` : String(error);
}

function mib(bytes: number): string {
  return `${Math.round((bytes / 2 ** 20) * 10) / 10} MiB`;
}

/** Tells why a call failed, from the error and the state of the instance it left behind. */
function classify(error: unknown, live: Live, budget: bigint): [FailureCode, string] {
  const text = describe(error);
  if (hostFailure !== null) return ['HOST_FUNCTION_FAILED', hostFailure];
  if (live.fuel !== undefined && (live.fuel.value as bigint) < 0n) {
    return ['FUEL_EXHAUSTED', `the budget of ${budget} instructions is spent`];
  }
  if (error instanceof RangeError && /call stack/i.test(error.message)) return ['STACK_OVERFLOW', text];
  if (extismOutOfMemory || /memory limit exceeded|allocation failed|out of memory/i.test(text)) {
    return ['MEMORY_LIMIT', text];
  }
  // A module that runs out of linear memory sees memory.grow fail and traps (AssemblyScript:
  // abort → unreachable). There is no trace of the failed grow, so: a trap with memory within
  // 1/8 of the cap is counted as the cap. A bigger single allocation would be reported as TRAP.
  const bytes = live.memory?.buffer.byteLength ?? 0;
  if (capBytes > 0 && error instanceof WebAssembly.RuntimeError && bytes >= capBytes * 0.875) {
    return ['MEMORY_LIMIT', `linear memory is at ${mib(bytes)} of ${mib(capBytes)} (${text})`];
  }
  return ['TRAP', text];
}

/** The plugin's linear memory in KiB, as the channel reports it. */
function memoryKib(live: Live): number {
  return live.memory === undefined ? 0 : live.memory.buffer.byteLength / 1024;
}

const yieldToEventLoop = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

async function serve(first: Live): Promise<void> {
  let live = first;
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
    const name = init.exports[channel.arg]!;
    const input = channel.readPayload();
    const budget = channel.fuel;
    if (live.fuel !== undefined) live.fuel.value = budget >= 0n ? budget : MAX_FUEL;
    hostFailure = null;
    extismOutOfMemory = false;
    let failed = false;
    try {
      const output = await live.plugin.call(name, input);
      channel.writePayload(output === null ? EMPTY : output.bytes());
      channel.arg = STATUS_OK;
    } catch (error) {
      const [code, message] = classify(error, live, budget);
      channel.writePayload(encoder.encode(message));
      channel.arg = 1 + failureCodes.indexOf(code);
      failed = true;
    }
    channel.memoryKib = memoryKib(live);
    channel.setState(State.CALL_RES);
    if (failed) {
      // Answer first, then start over from the cached Module while the parent reads the answer.
      live = await instantiate();
      channel.memoryKib = memoryKib(live);
    }
    if (++sinceYield >= CALLS_BETWEEN_YIELDS) {
      await yieldToEventLoop();
      sinceYield = 0;
    }
  }
}

let first: Live;
try {
  const before = performance.now();
  first = await instantiate();
  channel.memoryKib = memoryKib(first);
  post({ type: 'ready', importMs, instantiateMs: performance.now() - before });
} catch (error) {
  post({ type: 'failed', message: describe(error) });
  channel.close();
  process.exit(1);
}
await serve(first);
channel.close();
