// The `js` runtime: plugins written in TypeScript/JavaScript against the Extism JS PDK API,
// bundled into one CommonJS script (`plugin.js`), run in QuickJS compiled to WebAssembly
// (quickjs-emscripten) inside a supervised worker thread (docs/design/js-runtime.md).
//
// Supervision (worker per instance, queue, deadline backstop by terminate + spare, fresh sandbox
// after a failed call) is the one the wasm runtime uses (../worker-sandbox.ts). What is js's own:
// - prepare: the script must be UTF-8 and evaluate cleanly (syntax, top-level code within a time
//   limit, in a throwaway worker); its exports are the functions it puts on `module.exports`.
// - the deadline is enforced in the worker by QuickJS's interrupt handler; the terminate is only
//   the backstop, `deadlineGraceMs` later.
// - the memory cap is the maximum of the sandbox's own WebAssembly memory (quickjs.ts); the stack
//   limit is QuickJS's, 256 KiB.
// - host functions a plugin's permissions do not cover are not callable: `Host.getFunctions()`
//   gives a function that throws naming the missing permission, and `Http.request` without
//   `network` throws the same. This is decided per call, not at install: what a script calls
//   cannot be told reliably from its text.
// - no fuel: QuickJS has no deterministic instruction count here (capabilities.fuel false);
//   `limits.fuel` must be null.

import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { type ResourceLimits, Worker } from 'node:worker_threads';
import { hostFunctionPermissions } from '../../permissions.js';
import type {
  CallOptions,
  InstantiateOptions,
  PluginInstance,
  PreparedCode,
  PrepareOptions,
  Runtime,
  RuntimeCapabilities,
} from '../runtime.js';
import { PluginLoadError } from '../runtime.js';
import { checkTimeout, message, supervisorConfig, WorkerSandbox, type SupervisorConfig, type SupervisorOptions } from '../worker-sandbox.js';
import type { WorkerMessage } from '../worker-channel.js';
import { compileQuickJs, memoryPagesFor } from './quickjs.js';
import type { JsInspectMessage, JsSandboxInit, JsWorkerInit } from './worker-init.js';

/** What the `js` runtime enforces. */
export const jsCapabilities = {
  kind: 'js',
  deadline: true,
  fuel: false,
  memoryCap: true,
  syncHostFunctions: true,
} as const satisfies RuntimeCapabilities;

/** Options of {@link createJsRuntime}; every one has a default. */
export interface JsRuntimeOptions extends SupervisorOptions {
  /**
   * How long after a call's deadline the worker is terminated if QuickJS's interrupt did not end
   * the call (it cannot while the plugin waits for a host function). Default 200 ms.
   */
  readonly deadlineGraceMs?: number;
  /** How long a script's top-level code may run, at prepare and at every (re)start. Default 2 s. */
  readonly loadTimeoutMs?: number;
}

/** Prepared js code: the script and what prepare found in it. */
export interface JsPreparedCode extends PreparedCode {
  readonly kind: 'js';
  readonly script: string;
  /** The host functions the plugin may call (its granted permissions at prepare or restore). */
  readonly hostFunctions: readonly string[];
}

const FILE_NAME = 'plugin.js';
/** Prepared bytes start with this line, which records the exports found at prepare. */
const HEADER_START = '/*atomic-plugin js ';
const HEADER_END = '*/\n';
const INSPECT_RESOURCE_LIMITS: ResourceLimits = { maxOldGenerationSizeMb: 64, maxYoungGenerationSizeMb: 16, stackSizeMb: 4 };
/** Memory for the throwaway sandbox of prepare: the most any plugin may have. */
const INSPECT_MEMORY_MB = 64;
const decoder = new TextDecoder('utf-8', { fatal: true });
const encoder = new TextEncoder();

/** The compiled worker entry (see the wasm runtime's resolveWorkerUrl for why dist/). */
export function resolveJsWorkerUrl(moduleUrl: string = import.meta.url): URL {
  return moduleUrl.endsWith('.ts')
    ? new URL('../../../../dist/server/plugins/runtimes/js/js-worker.js', moduleUrl)
    : new URL('./js-worker.js', moduleUrl);
}

interface JsConfig {
  readonly supervisor: SupervisorConfig;
  readonly loadTimeoutMs: number;
}

/**
 * Creates the `js` runtime.
 *
 * @example
 * const runtime = createJsRuntime();
 * const prepared = await runtime.prepare!(bundle, { memoryMb: 32, allowedHostFunctions: allowedHostFunctionsFor(['read']) });
 * const plugin = await runtime.instantiate(prepared, { hostFunctions, limits: { timeoutMs: 1000, fuel: null, memoryMb: 32 } });
 * const out = await plugin.call('handle_request', input);
 */
export function createJsRuntime(options: JsRuntimeOptions = {}): Runtime {
  const workerUrl = resolveJsWorkerUrl();
  if (!existsSync(fileURLToPath(workerUrl))) {
    throw new Error(`The js sandbox worker is missing: ${fileURLToPath(workerUrl)} does not exist; run \`npm run build\``);
  }
  const grace = options.deadlineGraceMs ?? 200;
  if (!Number.isSafeInteger(grace) || grace < 0) throw new RangeError(`deadlineGraceMs must be a whole number of ms, not ${grace}`);
  const config: JsConfig = {
    supervisor: supervisorConfig(options, { workerUrl, workerName: 'js-plugin', execArgv: [], deadlineGraceMs: grace }),
    loadTimeoutMs: checkTimeout('loadTimeoutMs', options.loadTimeoutMs ?? 2_000),
  };
  return {
    capabilities: jsCapabilities,
    prepare: (code: Uint8Array, prepareOptions: PrepareOptions) => prepareScript(code, prepareOptions, config),
    restore: (bytes: Uint8Array, restoreOptions: Pick<PrepareOptions, 'allowedHostFunctions'>) => restoreScript(bytes, restoreOptions, config),
    instantiate: (prepared: PreparedCode, instantiateOptions: InstantiateOptions) => startJs(prepared, instantiateOptions, config),
  };
}

function decodeScript(code: Uint8Array): string {
  try {
    return decoder.decode(code);
  } catch {
    throw new PluginLoadError('INVALID_MODULE', `${FILE_NAME} is not UTF-8 text`);
  }
}

function allowedNames(allowed: Iterable<string>): string[] {
  const set = new Set(allowed);
  return Object.keys(hostFunctionPermissions).filter((name) => set.has(name));
}

function prepared(script: string, exports: readonly string[], allowed: Iterable<string>): JsPreparedCode {
  const header = `${HEADER_START}${JSON.stringify({ exports })}${HEADER_END}`;
  return { kind: 'js', bytes: encoder.encode(header + script), exports, script, hostFunctions: allowedNames(allowed) };
}

/** Checks a script by evaluating it once in a throwaway sandbox worker, and lists its exports. */
async function prepareScript(code: Uint8Array, options: PrepareOptions, config: JsConfig): Promise<JsPreparedCode> {
  const script = decodeScript(code);
  const exports = await inspect(script, config);
  return prepared(script, exports, options.allowedHostFunctions);
}

/** Rebuilds prepared code from its bytes; bytes without a valid header are prepared again. */
async function restoreScript(bytes: Uint8Array, options: Pick<PrepareOptions, 'allowedHostFunctions'>, config: JsConfig): Promise<JsPreparedCode> {
  const text = decodeScript(bytes);
  const end = text.indexOf(HEADER_END);
  if (text.startsWith(HEADER_START) && end > 0) {
    try {
      const { exports } = JSON.parse(text.slice(HEADER_START.length, end)) as { exports?: unknown };
      if (Array.isArray(exports) && exports.every((e): e is string => typeof e === 'string')) {
        return prepared(text.slice(end + HEADER_END.length), exports, options.allowedHostFunctions);
      }
    } catch {
      // Not a header we wrote: prepare from scratch below.
    }
  }
  return prepareScript(bytes, { memoryMb: INSPECT_MEMORY_MB, allowedHostFunctions: options.allowedHostFunctions }, config);
}

/** Runs the script's top-level code in a worker of its own and answers with its exports. */
async function inspect(script: string, config: JsConfig): Promise<string[]> {
  const sandbox: JsSandboxInit = {
    wasmModule: await compileQuickJs(),
    script,
    fileName: FILE_NAME,
    memoryMb: INSPECT_MEMORY_MB,
    maxPages: memoryPagesFor(INSPECT_MEMORY_MB),
    loadTimeoutMs: config.loadTimeoutMs,
    permissions: hostFunctionPermissions,
    config: {},
  };
  const init: JsWorkerInit = { ...sandbox, mode: 'inspect' };
  const worker = new Worker(config.supervisor.workerUrl, { workerData: init, resourceLimits: INSPECT_RESOURCE_LIMITS, execArgv: [], env: {}, name: 'js-plugin-inspect' });
  try {
    return await new Promise<string[]>((resolve, reject) => {
      const timer = setTimeout(() => reject(new PluginLoadError('INVALID_MODULE', `${FILE_NAME} did not load within ${config.supervisor.startupTimeoutMs} ms`)), config.supervisor.startupTimeoutMs);
      const settle = (fn: () => void): void => {
        clearTimeout(timer);
        fn();
      };
      worker.once('message', (msg: WorkerMessage | JsInspectMessage) => {
        if (msg.type === 'inspected') settle(() => resolve([...msg.exports]));
        else if (msg.type === 'failed') settle(() => reject(new PluginLoadError('INVALID_MODULE', msg.message)));
        else settle(() => reject(new PluginLoadError('INVALID_MODULE', `unexpected answer from the sandbox (${msg.type})`)));
      });
      worker.once('error', (error) => settle(() => reject(new PluginLoadError('INVALID_MODULE', `the sandbox failed: ${message(error)}`, { cause: error }))));
      worker.once('exit', (code) => settle(() => reject(new PluginLoadError('INVALID_MODULE', `the sandbox exited (code ${code}) before it answered`))));
    });
  } finally {
    void worker.terminate();
  }
}

function isJsPrepared(code: PreparedCode): code is JsPreparedCode {
  return code.kind === 'js' && typeof (code as Partial<JsPreparedCode>).script === 'string' && Array.isArray((code as Partial<JsPreparedCode>).hostFunctions);
}

function refuseFuel(name: string, value: number | null | undefined): bigint {
  if (value !== null && value !== undefined) {
    throw new TypeError(`${name}: the js runtime has no instruction budget (capabilities.fuel is false); pass null and rely on the deadline`);
  }
  return -1n;
}

/** Checks the options and starts the supervised sandbox. */
async function startJs(code: PreparedCode, options: InstantiateOptions, config: JsConfig): Promise<PluginInstance> {
  if (!isJsPrepared(code)) throw new TypeError(`the js runtime needs code from its own prepare(), not ${code.kind} code`);
  const { limits } = options;
  checkTimeout('limits.timeoutMs', limits.timeoutMs);
  refuseFuel('limits.fuel', limits.fuel);
  if (!Number.isFinite(limits.memoryMb) || limits.memoryMb <= 0) throw new RangeError(`limits.memoryMb must be more than 0, not ${limits.memoryMb}`);
  // Only what both the permissions (at prepare) and the host (implementations given) allow.
  const hostFunctionNames = code.hostFunctions.filter((name) => typeof options.hostFunctions[name] === 'function');
  const init: JsSandboxInit = {
    wasmModule: await compileQuickJs(),
    script: code.script,
    fileName: FILE_NAME,
    memoryMb: limits.memoryMb,
    maxPages: memoryPagesFor(limits.memoryMb),
    loadTimeoutMs: config.loadTimeoutMs,
    permissions: hostFunctionPermissions,
    config: { ...options.config },
  };
  return WorkerSandbox.start(
    {
      exports: code.exports,
      hostFunctionNames,
      hostFunctions: { ...options.hostFunctions },
      init: { ...init, mode: 'serve' },
      budget: (call: CallOptions) => refuseFuel('fuel', call.fuel),
    },
    config.supervisor,
    limits,
  );
}
