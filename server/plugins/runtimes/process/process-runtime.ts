// The `process` runtime: plugins as their own OS processes speaking newline-delimited JSON-RPC 2.0
// over stdio or a Unix socket (docs/design/process-runtime.md). This module holds what the runtime
// declares and its options; process-instance.ts supervises each running plugin.

import type { InstantiateOptions, PreparedCode, Runtime, RuntimeCapabilities } from '../runtime.js';
import { positive, ProcessInstance, type ProcessRuntimeConfig } from './process-instance.js';

/**
 * What the `process` runtime enforces: a deadline (by killing the process) and a memory cap (V8's
 * heap limit for Node entries, plus a resident-memory watchdog for every entry, sampled). No fuel.
 * Host functions are asynchronous JSON-RPC requests, not synchronous imports.
 */
export const processCapabilities = {
  kind: 'process',
  deadline: true,
  fuel: false,
  memoryCap: true,
  syncHostFunctions: false,
  packageOnDisk: true,
} as const satisfies RuntimeCapabilities;

/** Options of {@link createProcessRuntime}; every one has a default. */
export interface ProcessRuntimeOptions {
  /** Calls that may wait behind the one in flight before new ones fail with QUEUE_FULL. Default 1024. */
  readonly maxQueuedCalls?: number;
  /** How long a process may take from spawn to the end of its handshake. Default 10 s. */
  readonly startupTimeoutMs?: number;
  /** Ping interval. Default 1000 ms. */
  readonly heartbeatMs?: number;
  /** A ping unanswered this long while idle means a hung process. Default 3 × heartbeatMs. */
  readonly heartbeatTimeoutMs?: number;
  /** How long close() waits for a graceful exit before killing. Default 2000 ms. */
  readonly shutdownGraceMs?: number;
  /** First backoff delay, doubled for every further loss in a row. Default 100 ms. */
  readonly backoffBaseMs?: number;
  /** Longest backoff delay. Default 10 s. */
  readonly backoffMaxMs?: number;
  /** Crashes in a row (no successful call between) after which the runtime gives up. Default 5. */
  readonly maxCrashes?: number;
  /**
   * Resident memory a process may use on top of `limits.memoryMb` before the watchdog kills it:
   * Node's own baseline (~40-60 MiB) is not the plugin's. Default 96 MiB for Node entries, 0 for others.
   */
  readonly rssOverheadMb?: number;
  /** How often the watchdog samples resident memory during a call. Default 50 ms. */
  readonly memorySampleMs?: number;
  /**
   * Where the protocol runs: the plugin's stdin/stdout (default), or a Unix socket it connects to
   * (`ATOMIC_PLUGIN_SOCKET`), which leaves its stdout entirely to its log.
   */
  readonly transport?: 'stdio' | 'socket';
  /**
   * Plugins (`namespace/name`) to profile with V8's `--cpu-prof`, and the folder their profiles go
   * to (one subfolder each), written when a plugin's process exits. A profiled plugin runs without
   * Node's permission model, which switches the profiler off: for development only.
   */
  readonly cpuProfile?: { readonly plugins: readonly string[]; readonly dir: string };
}

/**
 * Creates the `process` runtime. Instances need {@link InstantiateOptions.plugin} (the run folder,
 * the entry, the data folder and the agent), which the plugin host gives runtimes that declare
 * `packageOnDisk`.
 *
 * @example
 * const runtime = createProcessRuntime();
 * const plugin = await runtime.instantiate({ kind: 'process', bytes: new Uint8Array(), exports: [] }, { hostFunctions, limits, plugin: identity });
 * const out = await plugin.call('handle_request', input);
 */
export function createProcessRuntime(options: ProcessRuntimeOptions = {}): Runtime {
  const heartbeatMs = positive('heartbeatMs', options.heartbeatMs ?? 1000);
  const config: ProcessRuntimeConfig = {
    maxQueuedCalls: positive('maxQueuedCalls', options.maxQueuedCalls ?? 1024, Number.MAX_SAFE_INTEGER),
    startupTimeoutMs: positive('startupTimeoutMs', options.startupTimeoutMs ?? 10_000),
    heartbeatMs,
    heartbeatTimeoutMs: positive('heartbeatTimeoutMs', options.heartbeatTimeoutMs ?? 3 * heartbeatMs),
    shutdownGraceMs: positive('shutdownGraceMs', options.shutdownGraceMs ?? 2000),
    backoffBaseMs: positive('backoffBaseMs', options.backoffBaseMs ?? 100),
    backoffMaxMs: positive('backoffMaxMs', options.backoffMaxMs ?? 10_000),
    maxCrashes: positive('maxCrashes', options.maxCrashes ?? 5, 1000),
    rssOverheadMb: options.rssOverheadMb,
    memorySampleMs: positive('memorySampleMs', options.memorySampleMs ?? 50),
    transport: options.transport ?? 'stdio',
    cpuProfile: options.cpuProfile,
  };
  if (config.transport !== 'stdio' && config.transport !== 'socket') throw new RangeError(`transport must be "stdio" or "socket", not ${String(config.transport)}`);
  return {
    capabilities: processCapabilities,
    instantiate: (prepared: PreparedCode, instantiateOptions: InstantiateOptions) => ProcessInstance.start(prepared, instantiateOptions, config),
  };
}

export { processIdOf } from './process-instance.js';
