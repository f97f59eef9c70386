// The call loop both sandbox workers (wasm, js) run on their side of the channel
// (worker-channel.ts): wait for CALL_REQ, run the call, answer, and after a failed call start
// the plugin afresh. What a runtime brings is how to run one call and how to start over.
//
// - Between calls the worker blocks in `Atomics.wait` (the fastest wake-up) but yields to its
//   event loop every 1,024 calls and after 50 ms idle, so that tasks queued there (finalizers,
//   messages) are not starved. `terminate()` interrupts `Atomics.wait` either way.
// - The worker publishes its phase, so that a parent whose call got no answer can say whether
//   the plugin was still running or the worker never came back for the call.

import { Channel, failureCodes, Phase, State, STATUS_OK } from './worker-channel.js';

const IDLE_WAIT_MS = 50;
const CALLS_BETWEEN_YIELDS = 1024;
const encoder = new TextEncoder();

/** The outcome of one call, as a runtime's worker classifies it. */
export type WorkerCallResult =
  | { readonly ok: true; readonly output: Uint8Array }
  | { readonly ok: false; readonly code: (typeof failureCodes)[number]; readonly message: string };

/** What a runtime's worker does for the loop. */
export interface WorkerCallHandler {
  /** Runs export `exportIndex` with `input` (the deadline and budget are on the channel). Never throws. */
  call(exportIndex: number, input: Uint8Array): WorkerCallResult | Promise<WorkerCallResult>;
  /** Starts the plugin afresh after a failed call. A throw ends the worker (the parent sees it exit). */
  restart(): Promise<void>;
  /** The plugin's own memory now, in KiB. */
  memoryKib(): number;
}

const yieldToEventLoop = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

/** Serves calls until the parent marks the channel DEAD. */
export async function serveCalls(channel: Channel, handler: WorkerCallHandler): Promise<void> {
  // A ref'd handle for as long as the worker serves. Without one its event loop has nothing to
  // keep it running while the loop awaits: about once in 20,000 restarts, V8 settles the
  // instantiation promise from a task rather than a microtask, and the worker then neither ran
  // that task nor exited, leaving the next call unanswered until its deadline.
  const keepAlive = setInterval(() => {}, 2 ** 30);
  try {
    await serve(channel, handler);
  } finally {
    clearInterval(keepAlive);
  }
}

async function serve(channel: Channel, handler: WorkerCallHandler): Promise<void> {
  let sinceYield = 0;
  const yieldNow = async (): Promise<void> => {
    channel.phase = Phase.YIELDING;
    await yieldToEventLoop();
    channel.phase = Phase.WAITING;
    sinceYield = 0;
  };
  channel.phase = Phase.WAITING;
  for (;;) {
    const state = channel.state;
    if (state === State.DEAD) return;
    if (state !== State.CALL_REQ) {
      if (Atomics.wait(channel.ctrl, 0, state, IDLE_WAIT_MS) === 'timed-out') await yieldNow();
      continue;
    }
    channel.phase = Phase.RUNNING;
    const result = await handler.call(channel.arg, channel.readPayload());
    if (result.ok) {
      channel.writePayload(result.output);
      channel.arg = STATUS_OK;
    } else {
      channel.writePayload(encoder.encode(result.message));
      channel.arg = 1 + failureCodes.indexOf(result.code);
    }
    channel.memoryKib = handler.memoryKib();
    if (!result.ok) channel.phase = Phase.RESTARTING;
    channel.setState(State.CALL_RES);
    if (!result.ok) {
      // Answer first, then start over while the parent reads the answer.
      await handler.restart();
      channel.memoryKib = handler.memoryKib();
    }
    channel.phase = Phase.WAITING;
    if (++sinceYield >= CALLS_BETWEEN_YIELDS) await yieldNow();
  }
}
