// Child processes for the benchmark: start a Node program, wait for the JSON line it prints when ready, and stop it cleanly.

import { spawn, type ChildProcess } from 'node:child_process';
import { readdirSync, readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import type { AddressInfo } from 'node:net';
import { machineCpuTimes } from '../server/host-stats.js';

/** A started child and the JSON line it reported. */
export interface ReadyChild<T> {
  process: ChildProcess;
  info: T;
  /** The last lines it wrote to stderr, for error messages. */
  stderrTail(): string;
  /** SIGTERM, then SIGKILL after `graceMs`; resolves when it has exited. */
  stop(graceMs?: number): Promise<void>;
}

const running = new Set<ChildProcess>();
const folders = new Set<string>();
// Whatever happens to the benchmark (Ctrl+C included: run.ts exits on SIGINT and SIGTERM), its
// servers must not outlive it, nor its data folders (one of them in memory).
process.on('exit', () => {
  for (const child of running) child.kill('SIGKILL');
  for (const folder of folders) rmSync(folder, { recursive: true, force: true });
});

/** Makes sure `folder` is removed when the benchmark ends; the returned function removes it now. */
export function removedAtExit(folder: string): () => void {
  folders.add(folder);
  return () => {
    folders.delete(folder);
    rmSync(folder, { recursive: true, force: true });
  };
}

/**
 * Runs `node [nodeArgs] args` and resolves with the first stdout line that parses as JSON and
 * passes `isReady`. Rejects when the child exits first or `timeoutMs` passes.
 */
export function startChild<T>(nodeArgs: string[], args: string[], isReady: (json: unknown) => json is T, timeoutMs = 30_000): Promise<ReadyChild<T>> {
  const child = spawn(process.execPath, [...nodeArgs, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  running.add(child);
  let stderr = '';
  child.stderr?.setEncoding('utf8').on('data', (chunk: string) => {
    stderr = (stderr + chunk).slice(-4000);
  });
  const exited = new Promise<void>((resolve) => child.once('exit', () => {
    running.delete(child);
    resolve();
  }));
  const stderrTail = (): string => stderr.trim().split('\n').slice(-15).join('\n');

  const stop = async (graceMs = 10_000): Promise<void> => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    child.kill('SIGTERM');
    const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
    await exited;
    clearTimeout(timer);
  };

  return new Promise((resolve, reject) => {
    let buffered = '';
    const timer = setTimeout(() => {
      void stop(0);
      reject(new Error(`${args.join(' ')} did not report ready within ${timeoutMs} ms\n${stderrTail()}`));
    }, timeoutMs);
    child.stdout?.setEncoding('utf8').on('data', (chunk: string) => {
      buffered += chunk;
      let newline: number;
      while ((newline = buffered.indexOf('\n')) >= 0) {
        const line = buffered.slice(0, newline).trim();
        buffered = buffered.slice(newline + 1);
        let json: unknown;
        try {
          json = JSON.parse(line);
        } catch {
          continue;
        }
        if (isReady(json)) {
          clearTimeout(timer);
          resolve({ process: child, info: json, stderrTail, stop });
          return;
        }
      }
    });
    child.once('exit', (code, signal) => {
      clearTimeout(timer);
      reject(new Error(`${args.join(' ')} exited (${signal ?? code}) before it was ready\n${stderrTail()}`));
    });
  });
}

/** A TCP port that was free a moment ago (for a server whose URL must name its port up front). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

/** CPU time a process has used so far: all its threads, and its main (event loop) thread alone. */
export interface CpuTimes {
  processMs: number;
  mainThreadMs: number;
}

// Linux reports utime and stime in clock ticks, which are 1/100 s on every mainstream kernel build.
const TICK_MS = 10;

function ticks(statFile: string): number {
  const stat = readFileSync(statFile, 'utf8');
  // Fields after the command name (which is in parentheses and may contain spaces): state is field 3.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return Number(fields[11]) + Number(fields[12]);
}

/** The CPU times of `pid` from /proc, or undefined where there is no /proc (macOS, Windows). */
export function cpuTimes(pid: number): CpuTimes | undefined {
  try {
    return { processMs: ticks(`/proc/${pid}/stat`) * TICK_MS, mainThreadMs: ticks(`/proc/${pid}/task/${pid}/stat`) * TICK_MS };
  } catch {
    return undefined;
  }
}

/** `pid` and its descendants (Linux, from /proc; only `pid` elsewhere): a host and its plugin processes. */
export function processTree(pid: number): number[] {
  const tree = [pid];
  for (let i = 0; i < tree.length; i++) {
    try {
      for (const task of readdirSync(`/proc/${tree[i]}/task`)) {
        const children = readFileSync(`/proc/${tree[i]}/task/${task}/children`, 'utf8').trim();
        if (children) tree.push(...children.split(/\s+/).map(Number));
      }
    } catch {
      // No /proc, or the process is gone.
    }
  }
  return tree;
}

/** Waits until `pid` uses less than 15% of a core over 250 ms (background preparation, terminating workers), at most `maxMs`. */
export async function settle(pid: number | undefined, maxMs = 10_000): Promise<void> {
  if (pid === undefined) return;
  const end = performance.now() + maxMs;
  while (performance.now() < end) {
    const a = cpuTimes(pid);
    const t0 = performance.now();
    await new Promise((resolve) => setTimeout(resolve, 250));
    const b = cpuTimes(pid);
    if (!a || !b) return;
    if ((100 * (b.processMs - a.processMs)) / (performance.now() - t0) < 15) return;
  }
}

/** CPU use of a process over a span, in percent of one core. */
export interface CpuUse {
  processPercent: number;
  mainThreadPercent: number;
}

/** Measures the CPU `pid` uses while `work` runs (undefined without /proc). */
export async function withCpu<T>(pid: number | undefined, work: () => Promise<T>): Promise<{ result: T; cpu?: CpuUse }> {
  const before = pid === undefined ? undefined : cpuTimes(pid);
  const t0 = performance.now();
  const result = await work();
  const elapsed = performance.now() - t0;
  const after = pid === undefined ? undefined : cpuTimes(pid);
  if (!before || !after || elapsed <= 0) return { result };
  return {
    result,
    cpu: {
      processPercent: (100 * (after.processMs - before.processMs)) / elapsed,
      mainThreadPercent: (100 * (after.mainThreadMs - before.mainThreadMs)) / elapsed,
    },
  };
}

/** How busy the machine is (percent of all cores) over `ms`, measured while this process does nothing. */
export async function machineBusyPercent(ms = 500): Promise<number> {
  const a = machineCpuTimes();
  await new Promise((resolve) => setTimeout(resolve, ms));
  const b = machineCpuTimes();
  return b.total > a.total ? (100 * (b.busy - a.busy)) / (b.total - a.total) : 0;
}

/** The resident set size of `pid` in KiB (VmRSS in /proc/<pid>/status), or undefined without /proc. */
export function rssKb(pid: number | undefined): number | undefined {
  if (pid === undefined) return undefined;
  try {
    const match = /^VmRSS:\s+(\d+)\s+kB/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return match ? Number(match[1]) : undefined;
  } catch {
    return undefined;
  }
}
