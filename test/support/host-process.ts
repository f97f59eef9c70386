// Starts `atomic-plugin serve` as a real child process on a free loopback port, for end-to-end tests.

import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { freePort } from '../../cli/lib/free-port.js';

export { freePort };

export const repoRoot = fileURLToPath(new URL('../..', import.meta.url));
export const cliPath = join(repoRoot, 'bin', 'run.js');

/** A host running in a child process. */
export interface HostProcess {
  url: string;
  port: number;
  dataDir: string;
  /** The owner agent's secret, read from `<dataDir>/agent.secret`. */
  secret: string;
  child: ChildProcess;
  /** Output the process wrote so far. */
  output(): string;
  /** Stops the process with `signal` (default SIGTERM) and waits for it to exit. */
  stop(signal?: NodeJS.Signals): Promise<void>;
  /** Stops the process and removes its data folder. */
  dispose(): Promise<void>;
}

/**
 * Starts `atomic-plugin serve --json` and waits until it prints where it listens (with reference
 * plugins to install, once they are live: give those a longer `startTimeoutMs`).
 */
export async function startHostProcess(
  options: { dataDir?: string; port?: number; extraArgs?: string[]; env?: NodeJS.ProcessEnv; startTimeoutMs?: number } = {},
): Promise<HostProcess> {
  const dataDir = options.dataDir ?? mkdtempSync(join(tmpdir(), 'atomic-plugin-test-'));
  const port = options.port ?? (await freePort());
  const child = spawn(process.execPath, [cliPath, 'serve', '--port', String(port), '--data-dir', dataDir, '--json', ...(options.extraArgs ?? [])], {
    stdio: ['ignore', 'pipe', 'pipe'],
    ...(options.env ? { env: options.env } : {}),
  });
  let output = '';
  child.stdout!.on('data', (d: Buffer) => (output += d.toString()));
  child.stderr!.on('data', (d: Buffer) => (output += d.toString()));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  await new Promise<void>((resolve, reject) => {
    const timeoutMs = options.startTimeoutMs ?? 20_000;
    const timer = setTimeout(() => reject(new Error(`serve did not start within ${timeoutMs / 1000} s:\n${output}`)), timeoutMs);
    const check = (): void => {
      if (output.includes('"url"')) {
        clearTimeout(timer);
        child.stdout!.off('data', check);
        resolve();
      }
    };
    child.stdout!.on('data', check);
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`serve exited with ${code}:\n${output}`));
    });
  });
  const url = `http://localhost:${port}`;
  const stop = async (signal: NodeJS.Signals = 'SIGTERM'): Promise<void> => {
    if (child.exitCode === null && child.signalCode === null) child.kill(signal);
    await exited;
  };
  return {
    url,
    port,
    dataDir,
    secret: readFileSync(join(dataDir, 'agent.secret'), 'utf8').trim(),
    child,
    output: () => output,
    stop,
    dispose: async () => {
      await stop();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}
