// The interface every plugin sandbox implements (`wasm` now; `js` and `process` later), so that the
// plugin host never needs to know which kind of sandbox runs a plugin. A runtime declares what it
// can enforce in its capability record; option combinations it cannot honour fail when the instance
// is created, never silently at call time (docs/plugins/abi.md, STYLE.md habit 8).

/** The sandbox kinds the host knows. */
export type RuntimeKind = 'wasm' | 'js' | 'process';

/**
 * What a runtime can enforce. The host reads this to refuse a plugin whose manifest asks for
 * something the runtime cannot honour, and the shared test suite uses it to pick which tests run.
 */
export interface RuntimeCapabilities {
  readonly kind: RuntimeKind;
  /** A per-call wall-clock deadline; a call past it is failed with `TIMEOUT` and the sandbox replaced. */
  readonly deadline: boolean;
  /** A deterministic per-call instruction budget (`FUEL_EXHAUSTED`). */
  readonly fuel: boolean;
  /** A cap on the plugin's own memory (`MEMORY_LIMIT`). */
  readonly memoryCap: boolean;
  /** Host functions look synchronous to the plugin although the host implements them as async. */
  readonly syncHostFunctions: boolean;
  /**
   * The runtime runs the package's files from disk (`process`): the host extracts the verified
   * package into a read-only run folder and passes {@link InstantiateOptions.plugin}.
   */
  readonly packageOnDisk?: boolean;
}

/**
 * The parent-side implementation of one imported host function (`extism:host/user` for wasm).
 * It receives the plugin's request bytes and resolves to the answer bytes, which by the ABI are
 * the UTF-8 JSON envelope `{"ok": …}` or `{"error": {"code", "message"}}`. A refused request is
 * answered with an error envelope; throwing (or rejecting) instead fails the whole call with
 * `HOST_FUNCTION_FAILED`.
 */
export type HostFunction = (input: Uint8Array) => Promise<Uint8Array>;

/**
 * A host function that answers at once and only reads (or logs), so that running it again when a
 * call is retried changes nothing. Given next to the asynchronous implementations, it lets a
 * runtime run a plugin that imports nothing else on the host's own thread.
 */
export type InlineHostFunction = (input: Uint8Array) => Uint8Array;

/** Per-plugin limits, already capped by the plugin's permissions (docs/plugins/abi.md, "Limits"). */
export interface RuntimeLimits {
  /** Default wall-clock deadline per call, in milliseconds. */
  readonly timeoutMs: number;
  /** Default instruction budget per call; `null` for none (only if the code was prepared without fuel). */
  readonly fuel: number | null;
  /** Cap on the plugin's own memory, in MiB. */
  readonly memoryMb: number;
}

/** Options for {@link Runtime.prepare}: done once per package digest, at install. */
export interface PrepareOptions {
  /** Cap on the plugin's own memory, in MiB. */
  readonly memoryMb: number;
  /** Names of the host functions the plugin's granted permissions allow it to import. */
  readonly allowedHostFunctions: Iterable<string>;
  /** Instrument the code for an instruction budget (default true). */
  readonly fuel?: boolean;
}

/** Code checked and transformed for one runtime, ready to be instantiated many times. */
export interface PreparedCode {
  readonly kind: RuntimeKind;
  /** The prepared bytes: what to cache next to the package. */
  readonly bytes: Uint8Array;
  /** The names of the functions the code exports. */
  readonly exports: readonly string[];
}

/** Options for {@link Runtime.instantiate}. */
export interface InstantiateOptions {
  /** Implementations of the host functions the plugin imports, by name. */
  readonly hostFunctions: Readonly<Record<string, HostFunction>>;
  /** Synchronous versions of the read-only host functions, by name (see {@link InlineHostFunction}). */
  readonly inlineHostFunctions?: Readonly<Record<string, InlineHostFunction>>;
  readonly limits: RuntimeLimits;
  /** The plugin's configuration, readable by the plugin (Extism `config_get`). */
  readonly config?: Readonly<Record<string, string>>;
  /** Who the plugin is and where its files are; given to runtimes with `packageOnDisk`. */
  readonly plugin?: PluginIdentity;
  /** The plugin's log, for what the sandbox reports outside any call (stray output, restarts). */
  readonly log?: (level: 'debug' | 'info' | 'warn' | 'error', message: string) => void;
  /**
   * Failures the sandbox sees outside any call (a crash while idle, a lost heartbeat), so that the
   * host's breaker counts them too. `fatal` means the runtime gave up (a crash loop): the host
   * should switch the plugin off now.
   */
  readonly onFailure?: (error: PluginCallError, fatal: boolean) => void;
}

/** A plugin's identity, files and credentials, for runtimes that run it as its own client. */
export interface PluginIdentity {
  readonly namespace: string;
  readonly name: string;
  readonly version: string;
  /** The extracted, verified package (read-only). */
  readonly packageDir: string;
  /** The code file inside `packageDir`, from the manifest. */
  readonly entry: string;
  /** The installation's own writable folder. */
  readonly dataDir: string;
  /** The server's URL, for the plugin's own Atomic Data requests. */
  readonly serverUrl: string;
  /** The installation's agent, with its secret (never put on a command line). */
  readonly agent: { readonly subject: string; readonly publicKey: string; readonly secret: string };
}

/** Per-call overrides of the instance's limits. */
export interface CallOptions {
  readonly timeoutMs?: number;
  readonly fuel?: number;
  /**
   * Groups calls that behave alike (default: the export name), such as the requests to one
   * endpoint: a runtime may remember per group how its calls are best run.
   */
  readonly affinity?: string;
  /**
   * Something waits on this call (a commit on its before_commit hook): it goes ahead of queued
   * calls that are not urgent, so that a plugin kept busy by requests does not hold up commits.
   */
  readonly urgent?: boolean;
  /**
   * Nothing the call does may take effect before this resolves to true (a commit's signature is
   * verified meanwhile): a runtime starts the call only then, except one that can run it with no
   * effects at all (the wasm inline lane, whose host functions only read). False: the call fails
   * with `CANCELLED` without starting.
   */
  readonly startAfter?: Promise<boolean>;
}

/** Runs `start` once `options.startAfter` allows it (at once without it): see {@link CallOptions.startAfter}. */
export function whenAllowed(exportName: string, options: CallOptions, start: () => Promise<Uint8Array>): Promise<Uint8Array> {
  if (options.startAfter === undefined) return start();
  return options.startAfter.then((allowed) => (allowed ? start() : Promise.reject(new PluginCallError('CANCELLED', exportName, 'what it had to wait for did not happen'))));
}

/** Counters for one instance, for the plugin's status and the crash-loop breaker. */
export interface InstanceStats {
  /** Calls that reached the sandbox. */
  readonly calls: number;
  /** Calls that failed for any reason (timeouts included). */
  readonly failures: number;
  readonly timeouts: number;
  /** Sandbox workers replaced after a timeout or a crash. */
  readonly restarts: number;
  /** Re-instantiations inside a live sandbox after a failed call. */
  readonly reinstantiations: number;
  readonly lastError: { readonly code: PluginCallErrorCode; readonly message: string; readonly at: number } | null;
  /** The plugin's own memory after the last call, in bytes. */
  readonly memoryBytes: number;
  /** Calls waiting behind the one in flight. */
  readonly queued: number;
}

/** One loaded plugin. Calls are serialized: one in flight, the rest queued. */
export interface PluginInstance {
  /**
   * Calls an export with the input bytes and resolves to its output bytes. Rejects with a
   * {@link PluginCallError} only; the instance stays usable after any failure except `CLOSED`.
   */
  call(exportName: string, input: Uint8Array, options?: CallOptions): Promise<Uint8Array>;
  /** The names of the plugin's exported functions. */
  exports(): readonly string[];
  stats(): InstanceStats;
  /** Ends the sandbox: the call in flight and queued calls fail with `CLOSED`. Idempotent. */
  close(): Promise<void>;
}

/** A kind of sandbox. */
export interface Runtime {
  readonly capabilities: RuntimeCapabilities;
  /** Checks and transforms code at install; refuses it with a {@link PluginLoadError}. */
  prepare?(code: Uint8Array, options: PrepareOptions): Promise<PreparedCode>;
  /**
   * Rebuilds prepared code from the bytes an earlier {@link prepare} produced (a cache), checking
   * them again against the allowed host functions but transforming nothing.
   */
  restore?(prepared: Uint8Array, options: Pick<PrepareOptions, 'allowedHostFunctions'>): Promise<PreparedCode>;
  /** Starts a sandbox running prepared code; refuses with a {@link PluginLoadError} or a `TypeError` for bad options. */
  instantiate(prepared: PreparedCode, options: InstantiateOptions): Promise<PluginInstance>;
}

/** Every way a call can fail, with the start of its message. Codes are stable. */
export const pluginCallErrors = {
  TIMEOUT: 'Plugin call timed out',
  FUEL_EXHAUSTED: 'Plugin call ran out of fuel',
  MEMORY_LIMIT: 'Plugin call hit the memory limit',
  STACK_OVERFLOW: 'Plugin call overflowed the stack',
  TRAP: 'Plugin call trapped',
  HOST_FUNCTION_FAILED: 'A host function failed during the plugin call',
  CRASHED: 'The plugin sandbox crashed',
  NO_SUCH_EXPORT: 'The plugin has no such export',
  CLOSED: 'The plugin instance is closed',
  QUEUE_FULL: 'Too many calls are waiting for this plugin',
  CANCELLED: 'The plugin call was cancelled before it started',
} as const;

export type PluginCallErrorCode = keyof typeof pluginCallErrors;

/** Every way loading a plugin's code can fail. Codes are stable. */
export const pluginLoadErrors = {
  INVALID_MODULE: 'The plugin code is not a valid module',
  IMPORT_REFUSED: 'The plugin imports what its permissions do not allow',
  MEMORY_UNSUPPORTED: 'The plugin memory cannot be capped',
  INSTANTIATE_FAILED: 'The plugin could not be started',
} as const;

export type PluginLoadErrorCode = keyof typeof pluginLoadErrors;

/** The base of the errors the plugin runtimes raise for callers to catch. */
export class PluginRuntimeError extends Error {
  readonly code: string;

  constructor(code: string, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'PluginRuntimeError';
    this.code = code;
  }
}

/**
 * A failed plugin call. The message says which export failed and why:
 * `Plugin call timed out: export "loop": no answer within 200 ms`.
 */
export class PluginCallError extends PluginRuntimeError {
  declare readonly code: PluginCallErrorCode;
  /** The export that was called. */
  readonly exportName: string;

  constructor(code: PluginCallErrorCode, exportName: string, detail: string, options?: { cause?: unknown }) {
    super(code, `${pluginCallErrors[code]}: export "${exportName}": ${detail}`, options);
    this.name = 'PluginCallError';
    this.exportName = exportName;
  }
}

/** Plugin code refused at install or load: `The plugin imports what its permissions do not allow: …`. */
export class PluginLoadError extends PluginRuntimeError {
  declare readonly code: PluginLoadErrorCode;
  /** One line per problem found, when there are several (e.g. every refused import). */
  readonly problems: readonly string[];

  constructor(code: PluginLoadErrorCode, problems: string | readonly string[], options?: { cause?: unknown }) {
    const list = typeof problems === 'string' ? [problems] : problems;
    super(code, `${pluginLoadErrors[code]}: ${list.join('; ')}`, options);
    this.name = 'PluginLoadError';
    this.problems = list;
  }
}
