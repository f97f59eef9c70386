// The parent ↔ sandbox-worker channel shared by the worker-based runtimes (wasm, js): one
// SharedArrayBuffer per worker with a state word (docs/design/wasm-runtime.md §2–3). At most one call is in flight per worker, so the data area
// always has exactly one owner, handed over with the state word:
//
//   IDLE ─parent─▶ CALL_REQ ─worker─▶ [HOST_REQ ─parent─▶ HOST_RES ─worker─▶]* CALL_RES ─parent─▶ IDLE
//
// The parent waits with `Atomics.waitAsync` (it must not block its event loop); the worker blocks
// in `Atomics.wait`, which is what lets a synchronous host function (Extism's, or QuickJS's)
// wait for the parent's asynchronous answer. SAB + Atomics costs ~28 µs per call against ~40–50 µs for postMessage.
// `DEAD` is written by the parent when the worker exits or is killed, so that no waiter hangs.
//
// Payloads up to the data area's size are copied through it. A larger one is posted on a
// MessagePort and picked up with `receiveMessageOnPort`, which is synchronous and therefore works
// for the blocked worker too: `postMessage` enqueues on the receiving port before it returns, so
// the message is there by the time the state word tells the other side to read it.

import { type MessagePort, receiveMessageOnPort } from 'node:worker_threads';
import type { PluginCallErrorCode } from './runtime.js';

/** Values of the state word. */
export const State = {
  IDLE: 0,
  CALL_REQ: 1,
  HOST_REQ: 2,
  HOST_RES: 3,
  CALL_RES: 4,
  DEAD: 5,
} as const;

/** Int32 slots of the header. */
const Slot = {
  STATE: 0,
  /** Payload length in bytes. */
  LENGTH: 1,
  /** 1 if the payload went through the port. */
  OUT_OF_BAND: 2,
  /** CALL_REQ: export index. HOST_REQ: host function index. HOST_RES and CALL_RES: status. */
  ARG: 3,
  /** Written by the worker after each call: the plugin's own memory in KiB. */
  MEMORY_KIB: 4,
  /** CALL_REQ: the call's deadline in ms, for runtimes that interrupt a call themselves. */
  TIMEOUT_MS: 5,
  /** Written by the worker: what it is doing ({@link Phase}), for the parent's diagnostics. */
  PHASE: 8,
} as const;

/**
 * What a worker is doing, as it last said. Only for telling a user why a call got no answer
 * (a plugin still running, a host function not answering, or the worker not back to its loop).
 */
export const Phase = {
  WAITING: 0,
  RUNNING: 1,
  RESTARTING: 2,
  YIELDING: 3,
} as const;

/** Byte offset of the BigInt64 fuel budget for the next call (-1: none). */
const FUEL_OFFSET = 24;
const HEADER_BYTES = 64;

/** The default size of the inline data area (1 MiB). */
export const DEFAULT_CHANNEL_BYTES = 1 << 20;

/** One end of a channel. Both ends wrap the same SharedArrayBuffer and one end each of a MessageChannel. */
export class Channel {
  readonly #ctrl: Int32Array;
  readonly #fuel: BigInt64Array;
  readonly #data: Uint8Array;
  readonly #port: MessagePort;

  constructor(buffer: SharedArrayBuffer, port: MessagePort) {
    this.#ctrl = new Int32Array(buffer, 0, HEADER_BYTES / 4);
    this.#fuel = new BigInt64Array(buffer, FUEL_OFFSET, 1);
    this.#data = new Uint8Array(buffer, HEADER_BYTES);
    this.#port = port;
  }

  /** Allocates the shared buffer for a channel with `dataBytes` of inline data. */
  static allocate(dataBytes: number = DEFAULT_CHANNEL_BYTES): SharedArrayBuffer {
    return new SharedArrayBuffer(HEADER_BYTES + dataBytes);
  }

  /** The control words, for `Atomics.wait`/`waitAsync` on index 0 (the state). */
  get ctrl(): Int32Array {
    return this.#ctrl;
  }

  get state(): number {
    return Atomics.load(this.#ctrl, Slot.STATE);
  }

  /** Publishes a new state (after the payload and arguments are written) and wakes the other side. */
  setState(state: number): void {
    Atomics.store(this.#ctrl, Slot.STATE, state);
    Atomics.notify(this.#ctrl, Slot.STATE);
  }

  get arg(): number {
    return this.#ctrl[Slot.ARG]!;
  }

  set arg(value: number) {
    this.#ctrl[Slot.ARG] = value;
  }

  get fuel(): bigint {
    return this.#fuel[0]!;
  }

  set fuel(value: bigint) {
    this.#fuel[0] = value;
  }

  /** The plugin's own memory after the last call, in KiB (written by the worker). */
  get memoryKib(): number {
    return Atomics.load(this.#ctrl, Slot.MEMORY_KIB);
  }

  set memoryKib(value: number) {
    Atomics.store(this.#ctrl, Slot.MEMORY_KIB, value);
  }

  get phase(): number {
    return Atomics.load(this.#ctrl, Slot.PHASE);
  }

  set phase(value: number) {
    Atomics.store(this.#ctrl, Slot.PHASE, value);
  }

  /** The deadline of the call being requested, in ms. */
  get timeoutMs(): number {
    return this.#ctrl[Slot.TIMEOUT_MS]!;
  }

  set timeoutMs(value: number) {
    this.#ctrl[Slot.TIMEOUT_MS] = value;
  }

  /** Writes the payload for the other side (inline, or through the port if it does not fit). */
  writePayload(bytes: Uint8Array): void {
    if (bytes.byteLength <= this.#data.byteLength) {
      this.#data.set(bytes);
      this.#ctrl[Slot.OUT_OF_BAND] = 0;
    } else {
      // Structured clone copies the whole underlying buffer of a view: post an exact copy.
      const exact = bytes.byteOffset === 0 && bytes.byteLength === bytes.buffer.byteLength ? bytes : bytes.slice();
      this.#port.postMessage(exact);
      this.#ctrl[Slot.OUT_OF_BAND] = 1;
    }
    this.#ctrl[Slot.LENGTH] = bytes.byteLength;
  }

  /** Reads (copies) the payload the other side wrote. */
  readPayload(): Uint8Array {
    const length = this.#ctrl[Slot.LENGTH]!;
    if (this.#ctrl[Slot.OUT_OF_BAND] === 0) return this.#data.slice(0, length);
    const message: unknown = receiveMessageOnPort(this.#port)?.message;
    if (!ArrayBuffer.isView(message) || message.byteLength !== length) {
      throw new Error('sandbox channel: the out-of-band payload is missing or has the wrong length');
    }
    return new Uint8Array(message.buffer, message.byteOffset, message.byteLength);
  }

  close(): void {
    this.#port.close();
  }
}

/** CALL_RES status: the call succeeded. Any other value is 1 + an index into {@link failureCodes}. */
export const STATUS_OK = 0;

/**
 * The failures a worker itself can classify, in status order. Append only: the index is the wire
 * value. TIMEOUT is for runtimes that interrupt a call at its deadline themselves (js).
 */
export const failureCodes = [
  'FUEL_EXHAUSTED',
  'MEMORY_LIMIT',
  'STACK_OVERFLOW',
  'TRAP',
  'HOST_FUNCTION_FAILED',
  'TIMEOUT',
] as const satisfies readonly PluginCallErrorCode[];

/** HOST_RES status: the parent-side host function threw; the payload is its message. */
export const STATUS_HOST_FAILED = 1;

/** What every sandbox worker gets from the parent (`workerData`), besides its runtime's own fields. */
export interface ChannelInit {
  readonly buffer: SharedArrayBuffer;
  readonly port: MessagePort;
  /** Function exports, indexed by CALL_REQ's argument. */
  readonly exports: readonly string[];
  /** Host functions the plugin may call, indexed by HOST_REQ's argument. */
  readonly hostFunctions: readonly string[];
}

/** Messages a worker posts on its parentPort (only at startup; calls go through the channel). */
export type WorkerMessage =
  | { readonly type: 'ready'; readonly instantiateMs: number }
  | { readonly type: 'failed'; readonly message: string };
