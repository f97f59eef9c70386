// One running plugin process: spawns it, frames its stdout into JSON-RPC messages (stray lines and
// stderr go to the plugin's log), does the handshake, answers its host function requests, and
// reports how it ended. It is used once: after it exits or is killed, the instance starts another.

import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
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

  constructor(options: PluginProcessOptions) {
    this.#log = options.log;
    const { launch } = options;
    this.#child = spawn(launch.command, [...launch.args], {
      cwd: launch.cwd,
      env: { ...launch.env },
      stdio: ['pipe', 'pipe', 'pipe'],
      // Its own process group, so that a kill also ends anything a non-Node plugin started.
      detached: true,
    });
    const child = this.#child;
    this.#peer = new RpcPeer((line) => {
      if (!child.stdin?.writable) throw new Error('the plugin process is not running');
      child.stdin.write(line);
    }, (method, params) => options.serve(method, params));
    const decoder = new LineDecoder(
      (msg) => this.#peer.receive(msg),
      (line) => this.#log('info', `stdout: ${line.slice(0, 4000)}`),
    );
    child.stdout!.on('data', (chunk: Buffer) => decoder.push(chunk));
    child.stdout!.on('end', () => decoder.end());
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
      const answer = await Promise.race([this.#peer.request(hostMethods.initialize, options.initialize as unknown as Json), timeout, gone]);
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
