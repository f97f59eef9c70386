// One running plugin process: spawns it, frames its stdout (or, with the socket transport, a Unix
// socket it connects to) into JSON-RPC messages (stray lines and stderr go to the plugin's log),
// does the handshake, answers its host function requests, and reports how it ended. It is used
// once: after it exits or is killed, the instance starts another.

import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer, type Server, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { LineDecoder, RpcError, RpcPeer, type Json } from '../../../../sdk/node/json-rpc.js';
import { hostMethods, PROTOCOL_VERSION, type InitializeParams, type InitializeResult } from '../../../../sdk/node/protocol.js';
import type { LaunchSpec } from './launch.js';

/** How the process ended. */
export interface ProcessExit {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
  /** We killed it (deadline, heartbeat, memory, close), as opposed to it ending on its own. */
  readonly killed: boolean;
  /** Node's V8 reported running out of heap (its stderr says so). */
  readonly outOfMemory: boolean;
  /** The end of its stderr, for the error message. */
  readonly stderrTail: string;
}

export type LogLevel = 'debug' | 'info' | 'warn' | 'error';

export interface PluginProcessOptions {
  readonly launch: LaunchSpec;
  readonly initialize: InitializeParams;
  readonly startupTimeoutMs: number;
  /** Serves the plugin's requests (host functions). */
  readonly serve: (method: string, params: Json | undefined) => Promise<Json>;
  readonly log: (level: LogLevel, message: string) => void;
  /**
   * `socket`: the protocol runs over a Unix socket the plugin connects to (its path in
   * `ATOMIC_PLUGIN_SOCKET`), leaving stdout to the plugin's log entirely. Default `stdio`.
   */
  readonly transport?: 'stdio' | 'socket';
}

const STDERR_TAIL_CHARS = 2000;
const OOM_PATTERN = /JavaScript heap out of memory|Reached heap limit|FATAL ERROR: .*Allocation failed/;

function isInitializeResult(value: Json): value is InitializeResult & { [key: string]: Json } {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return false;
  return typeof value.protocol === 'number' && Array.isArray(value.exports) && value.exports.every((e) => typeof e === 'string');
}

export class PluginProcess {
  readonly #child: ChildProcess;
  readonly #peer: RpcPeer;
  readonly #log: PluginProcessOptions['log'];
  /** Resolves with the plugin's handshake answer; rejects if it does not come. */
  readonly ready: Promise<InitializeResult>;
  /** Resolves once the process is gone and its output drained. Never rejects. */
  readonly exited: Promise<ProcessExit>;
  #killed = false;
  #stderrTail = '';
  #alive = true;
  /** The socket transport: the listening server (until the plugin connects), its folder, the connection. */
  #server: Server | null = null;
  #socketDir: string | null = null;
  #socket: Socket | null = null;
  readonly #connected: Promise<void>;

  constructor(options: PluginProcessOptions) {
    this.#log = options.log;
    const { launch } = options;
    const env: Record<string, string> = { ...launch.env };
    let connected: Promise<void> = Promise.resolve();
    if (options.transport === 'socket') {
      // A fresh 0700 folder (short path: Unix socket paths are limited to ~107 bytes); only this
      // user can connect, and the first connection is the plugin's: the server stops listening.
      this.#socketDir = mkdtempSync(join(tmpdir(), 'atomic-plugin-'));
      const path = join(this.#socketDir, 'rpc.sock');
      const server = createServer();
      this.#server = server;
      connected = new Promise<void>((resolve) => {
        server.once('connection', (socket) => {
          server.close();
          this.#socket = socket;
          socket.on('data', (chunk: Buffer) => protocol.push(chunk));
          socket.on('end', () => protocol.end());
          socket.on('error', () => {});
          resolve();
        });
      });
      server.on('error', (error) => this.#log('error', `the plugin's socket failed: ${error.message}`));
      server.listen(path); // binds at once, so the socket exists before the plugin starts
      env.ATOMIC_PLUGIN_SOCKET = path;
    }
    this.#connected = connected;
    this.#child = spawn(launch.command, [...launch.args], {
      cwd: launch.cwd,
      env,
      stdio: ['pipe', 'pipe', 'pipe'],
      // Its own process group, so that a kill also ends anything a non-Node plugin started.
      detached: true,
    });
    const child = this.#child;
    const socketTransport = options.transport === 'socket';
    this.#peer = new RpcPeer((line) => {
      const out = socketTransport ? this.#socket : child.stdin;
      if (!out?.writable) throw new Error('the plugin process is not running');
      out.write(line);
    }, (method, params) => options.serve(method, params));
    const stdoutLine = (line: string): void => this.#log('info', `stdout: ${line.slice(0, 4000)}`);
    const protocol = new LineDecoder((msg) => this.#peer.receive(msg), stdoutLine);
    // With a socket, stdout is the plugin's log only: even a line that looks like a message.
    const stdout = socketTransport ? new LineDecoder((msg) => stdoutLine(JSON.stringify(msg)), stdoutLine) : protocol;
    child.stdout!.on('data', (chunk: Buffer) => stdout.push(chunk));
    child.stdout!.on('end', () => stdout.end());
    // stderr carries no protocol: a line that looks like a message is logged like any other.
    const stderr = new LineDecoder(
      (msg) => this.#stderrLine(JSON.stringify(msg)),
      (line) => this.#stderrLine(line),
    );
    const stderrText = new TextDecoder();
    child.stderr!.on('data', (chunk: Buffer) => {
      const text = stderrText.decode(chunk, { stream: true });
      this.#stderrTail = (this.#stderrTail + text).slice(-STDERR_TAIL_CHARS);
      stderr.push(text);
    });
    child.stderr!.on('end', () => stderr.end());
    // EPIPE when the process dies while we write: reported through 'close', not as a crash here.
    child.stdin!.on('error', () => {});

    this.exited = new Promise<ProcessExit>((resolve) => {
      let spawnError: Error | null = null;
      child.once('error', (error) => {
        spawnError = error;
        // A spawn failure emits no 'close' on some Node versions.
        if (child.pid === undefined) finish(null, null);
      });
      const finish = (code: number | null, signal: NodeJS.Signals | null): void => {
        if (!this.#alive) return;
        this.#alive = false;
        const tail = spawnError ? `${this.#stderrTail}${spawnError.message}` : this.#stderrTail;
        this.#peer.close(new Error('the plugin process exited'));
        this.#closeSocket();
        resolve({ code, signal, killed: this.#killed, outOfMemory: OOM_PATTERN.test(this.#stderrTail), stderrTail: tail.trim() });
      };
      child.once('close', finish);
      // 'close' waits for stdout and stderr to end, which a leftover child of the plugin holding
      // them open would delay for ever: a second after the exit, end its group and move on.
      child.once('exit', (code, signal) => {
        setTimeout(() => {
          if (!this.#alive) return;
          try {
            if (child.pid !== undefined) process.kill(-child.pid, 'SIGKILL');
          } catch {
            // the group is gone already
          }
          finish(code, signal);
        }, 1000).unref();
      });
    });

    this.ready = this.#handshake(options);
    this.ready.catch(() => {}); // handled by whoever awaits it
  }

  #closeSocket(): void {
    this.#server?.close();
    this.#server = null;
    this.#socket?.destroy();
    if (this.#socketDir !== null) rmSync(this.#socketDir, { recursive: true, force: true });
    this.#socketDir = null;
  }

  #stderrLine(line: string): void {
    this.#log('warn', `stderr: ${line.slice(0, 4000)}`);
  }

  async #handshake(options: PluginProcessOptions): Promise<InitializeResult> {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`no answer to the handshake within ${options.startupTimeoutMs} ms`)), options.startupTimeoutMs);
    });
    const gone = this.exited.then((exit) => Promise.reject(new Error(`the plugin process exited during the handshake (${describeExit(exit)})`)));
    try {
      const hello = this.#connected.then(() => this.#peer.request(hostMethods.initialize, options.initialize as unknown as Json));
      const answer = await Promise.race([hello, timeout, gone]);
      if (!isInitializeResult(answer)) throw new Error(`its handshake answer is not {protocol, name, version, exports}: ${JSON.stringify(answer).slice(0, 200)}`);
      if (answer.protocol !== PROTOCOL_VERSION) throw new Error(`it speaks protocol ${answer.protocol}; this host speaks ${PROTOCOL_VERSION}`);
      return { protocol: answer.protocol, name: String(answer.name ?? ''), version: String(answer.version ?? ''), exports: [...answer.exports] };
    } catch (error) {
      this.kill();
      throw error instanceof RpcError ? new Error(`its handshake failed: ${error.message}`) : error;
    } finally {
      clearTimeout(timer);
    }
  }

  get pid(): number | undefined {
    return this.#child.pid;
  }

  get alive(): boolean {
    return this.#alive;
  }

  /** Sends a request to the plugin. */
  request(method: string, params?: Json): Promise<Json> {
    return this.#peer.request(method, params);
  }

  /** The process's resident memory in bytes (Linux /proc), or null when unknown. */
  residentBytes(): number | null {
    const pid = this.#child.pid;
    if (pid === undefined || !this.#alive) return null;
    try {
      const statm = readFileSync(`/proc/${pid}/statm`, 'utf8').split(' ');
      return Number(statm[1]) * 4096;
    } catch {
      return null;
    }
  }

  /** Ends it at once (SIGKILL to its process group). Idempotent. */
  kill(): void {
    if (!this.#alive) return;
    this.#killed = true;
    const pid = this.#child.pid;
    try {
      if (pid !== undefined) process.kill(-pid, 'SIGKILL');
    } catch {
      this.#child.kill('SIGKILL');
    }
  }

  /**
   * Asks it to finish: a `shutdown` notification, then stdin closed; after `graceMs` it is killed.
   * Resolves when it is gone.
   */
  async shutdown(graceMs: number): Promise<ProcessExit> {
    if (this.#alive) {
      this.#killed = true;
      try {
        this.#peer.notify(hostMethods.shutdown);
      } catch {
        // already going
      }
      this.#child.stdin?.end();
      this.#socket?.end();
      const timer = setTimeout(() => this.kill(), graceMs);
      const exit = await this.exited;
      clearTimeout(timer);
      return exit;
    }
    return this.exited;
  }
}

/** "code 1", "signal SIGKILL", plus what it last wrote to stderr. */
export function describeExit(exit: ProcessExit): string {
  const how = exit.signal ? `signal ${exit.signal}` : `code ${exit.code ?? 'unknown'}`;
  const tail = exit.stderrTail.split('\n').filter((l) => l.trim() !== '').slice(-3).join(' | ').slice(-400);
  return tail ? `${how}; stderr: ${tail}` : how;
}
