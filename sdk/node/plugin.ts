// definePlugin(): the process plugin's side of the protocol. It connects to the host over stdio,
// answers the handshake with the plugin's exports, answers heartbeats, dispatches calls to the
// handlers, exposes the host functions (./host.ts), and exits cleanly on shutdown. Anything the
// plugin or its libraries print with console.log goes to stderr, so that stdout carries only the
// protocol (the host also tolerates stray stdout lines, for plugins that write to fd 1 directly).

import { connect } from 'node:net';
import { LineDecoder, RpcError, rpcErrorCodes, RpcPeer, type CallFailureKind, type Json } from './json-rpc.js';
import { hostMethods, PROTOCOL_VERSION, type CallParams, type CallResult, type InitializeParams, type InitializeResult } from './protocol.js';
import { HostFunctionFailed, setHostSender } from './host.js';

/** What a handler gets besides its input. */
export interface CallContext {
  /** The export being called. */
  readonly export: string;
}

/** A hook or provided function: the ABI's JSON input in, the JSON output out (undefined: no output). */
export type Handler = (input: Json, context: CallContext) => unknown;

/** The plugin: its exports by ABI name (`handle_request`, `before_commit`, `init`, provided functions…). */
export interface PluginDefinition {
  /** For the handshake; the host checks nothing but logs a mismatch with the manifest. */
  readonly name?: string;
  readonly version?: string;
  readonly exports: Readonly<Record<string, Handler>>;
  /** Runs before the process exits on shutdown (close files, flush stores). Bounded by the host's grace period. */
  readonly onShutdown?: () => unknown;
}

/** Output given as it is rather than as JSON: `return rawOutput('text')`. */
export class RawOutput {
  constructor(readonly text: string) {}
}

/** Answers with exactly these characters (they need not be JSON). */
export function rawOutput(text: string): RawOutput {
  return new RawOutput(text);
}

/** Fails the call with this message, as a hook that reports an error (wasm: a non-zero return). */
export class HookError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'HookError';
  }
}

let connection: InitializeParams | null = null;

/**
 * What the host said in the handshake: the server URL, the agent (with its secret, for direct
 * signed requests), the run and data folders. Null before the handshake.
 */
export function pluginContext(): InitializeParams | null {
  return connection;
}

function failureKindOf(error: unknown): CallFailureKind {
  if (error instanceof HookError) return 'hook';
  if (error instanceof HostFunctionFailed) return 'host-function';
  if (error instanceof RangeError && /call stack/i.test(error.message)) return 'stack-overflow';
  return 'throw';
}

function describe(error: unknown): string {
  if (error instanceof HookError || error instanceof HostFunctionFailed) return error.message;
  if (error instanceof Error) return `${error.name}: ${error.message}`;
  return `thrown: ${String(error)}`;
}

function resultOf(value: unknown): CallResult {
  if (value === undefined) return {};
  if (value instanceof RawOutput) return { outputText: value.text };
  return { output: value as Json };
}

/**
 * Runs the plugin: call once, at the top level of the entry module.
 *
 * @example
 * definePlugin({
 *   exports: {
 *     handle_request: async (req) => ({ status: 200, body: JSON.stringify(await getConfig()) }),
 *   },
 * });
 */
export function definePlugin(definition: PluginDefinition): void {
  // The protocol runs over stdin/stdout, or over the Unix socket the host names (socket transport).
  const socketPath = process.env.ATOMIC_PLUGIN_SOCKET;
  const socket = socketPath ? connect(socketPath) : null;
  const protocolWrite = socket ? (chunk: string): boolean => socket.write(chunk) : (process.stdout.write.bind(process.stdout) as (chunk: string) => boolean);
  // Everything else that writes to stdout through Node's stream goes to stderr instead.
  process.stdout.write = process.stderr.write.bind(process.stderr) as typeof process.stdout.write;

  const exportNames = Object.keys(definition.exports);
  let exiting = false;
  const exit = async (): Promise<void> => {
    if (exiting) return;
    exiting = true;
    try {
      await definition.onShutdown?.();
    } finally {
      process.exit(0);
    }
  };

  const peer = new RpcPeer(
    (line) => {
      protocolWrite(line);
    },
    async (method, params) => {
      switch (method) {
        case hostMethods.initialize: {
          connection = params as unknown as InitializeParams;
          const answer: InitializeResult = {
            protocol: PROTOCOL_VERSION,
            name: definition.name ?? connection?.plugin?.name ?? '',
            version: definition.version ?? connection?.plugin?.version ?? '',
            exports: exportNames,
          };
          return answer as unknown as Json;
        }
        case hostMethods.ping:
          return {};
        case hostMethods.call: {
          const { export: name, input } = (params ?? {}) as unknown as CallParams;
          const handler = Object.hasOwn(definition.exports, name) ? definition.exports[name] : undefined;
          if (handler === undefined) throw new RpcError(rpcErrorCodes.METHOD_NOT_FOUND, `no export "${name}"`);
          try {
            return resultOf(await handler(input, { export: name })) as Json;
          } catch (error) {
            throw new RpcError(rpcErrorCodes.CALL_FAILED, describe(error), { kind: failureKindOf(error) });
          }
        }
        case hostMethods.shutdown:
          void exit();
          return null;
        default:
          throw new RpcError(rpcErrorCodes.METHOD_NOT_FOUND, `unknown method "${method}"`);
      }
    },
  );
  setHostSender((method, params) => peer.request(method, params));

  const decoder = new LineDecoder(
    (message) => peer.receive(message),
    (line) => process.stderr.write(`not a protocol message on stdin: ${line.slice(0, 200)}\n`),
  );
  const input = socket ?? process.stdin;
  input.on('data', (chunk: Buffer) => decoder.push(chunk));
  // The host is gone or wants us gone.
  input.on('end', () => void exit());
  if (socket) {
    socket.on('error', () => void exit());
    process.stdin.on('end', () => void exit());
    process.stdin.resume();
  }
}
