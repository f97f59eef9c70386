// Running the built CLI (`node bin/run.js`) as a user would, in a controlled environment: no
// server URL, secret or CLI config from the developer's own machine unless a test gives them.

import { execFile } from 'node:child_process';
import { mkdirSync, symlinkSync } from 'node:fs';
import { join } from 'node:path';
import { expect } from 'vitest';
import { cliPath, repoRoot } from './host-process.js';

/** What a CLI run printed and how it exited. */
export interface CliRun {
  code: number;
  stdout: string;
  stderr: string;
}

/** The environment for CLI runs: `configPath` is the CLI config file (need not exist). */
export function cliEnv(configPath: string, extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env };
  for (const name of ['ATOMIC_SERVER_URL', 'ATOMIC_AGENT_SECRET', 'ATOMIC_PLUGIN_DATA_DIR', 'NODE_ENV', 'DEBUG', 'XDG_CONFIG_HOME']) delete env[name];
  return { ...env, ATOMIC_PLUGIN_CONFIG: configPath, ...extra };
}

/** Runs `atomic-plugin ...args`; never rejects, the exit code is in the result. */
export function runCli(args: string[], options: { env: NodeJS.ProcessEnv; cwd?: string; timeoutMs?: number }): Promise<CliRun> {
  return new Promise((resolve) => {
    execFile(process.execPath, [cliPath, ...args], { cwd: options.cwd ?? repoRoot, env: options.env, timeout: options.timeoutMs ?? 120_000 }, (error, stdout, stderr) => {
      const code = error ? (typeof error.code === 'number' ? error.code : -1) : 0;
      resolve({ code, stdout, stderr });
    });
  });
}

/** The `{error: {code, message}}` that a failing command prints with --json. */
export function jsonError(run: CliRun): { code: string; message: string } {
  return (JSON.parse(run.stdout) as { error: { code: string; message: string } }).error;
}

/** Expects a `--json` run to have succeeded, and answers what it printed. */
export function expectSuccess<T>(run: CliRun, what: string): T {
  expect(run.code, `${what}\n${run.stdout}${run.stderr}`).toBe(0);
  return JSON.parse(run.stdout) as T;
}

/** Expects a `--json` run to have failed with exit status 1 and error `code`, and answers the error. */
export function expectCliError(run: CliRun, code: string): { code: string; message: string } {
  expect(run.code, run.stdout + run.stderr).toBe(1);
  const error = jsonError(run);
  expect(error.code, error.message).toBe(code);
  return error;
}

/**
 * Makes `atomic-plugin` resolvable from a scaffolded project as `npm install` would (a link to
 * this checkout in its node_modules), so asc finds `atomic-plugin/sdk/assemblyscript`.
 */
export function linkAtomicPlugin(projectDir: string): void {
  mkdirSync(join(projectDir, 'node_modules'), { recursive: true });
  symlinkSync(repoRoot, join(projectDir, 'node_modules', 'atomic-plugin'), 'dir');
}
