// The CLI's own config file, written by `atomic-plugin agent login`: the server URL and the agent
// secret to use when neither a flag nor the environment gives one. It holds a secret, so it is
// written with mode 0600 in a 0700 folder, and never printed.

import { chmodSync, existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { dirname, join } from 'node:path';
import { CliError } from './errors.js';

/** What the config file holds. Both fields are optional: a file may name only a server. */
export interface CliConfig {
  server?: string;
  secret?: string;
}

/**
 * The config file's path: `$ATOMIC_PLUGIN_CONFIG` when set (tests and several profiles), else
 * `$XDG_CONFIG_HOME/atomic-plugin/config.json`, else `~/.config/atomic-plugin/config.json`.
 */
export function cliConfigPath(env: NodeJS.ProcessEnv = process.env): string {
  if (env.ATOMIC_PLUGIN_CONFIG) return env.ATOMIC_PLUGIN_CONFIG;
  const base = env.XDG_CONFIG_HOME || join(homedir(), '.config');
  return join(base, 'atomic-plugin', 'config.json');
}

/** The config file's content; `{}` when there is none. A file that is not a JSON object is an error. */
export function readCliConfig(env: NodeJS.ProcessEnv = process.env): CliConfig {
  const path = cliConfigPath(env);
  if (!existsSync(path)) return {};
  let parsed: unknown;
  try {
    parsed = JSON.parse(readFileSync(path, 'utf8'));
  } catch (error) {
    throw new CliError('CONFIG_FILE_INVALID', `Cannot read ${path}: ${(error as Error).message}`, [
      'fix or delete the file, then run `atomic-plugin agent login` again',
    ]);
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    throw new CliError('CONFIG_FILE_INVALID', `Cannot read ${path}: it is not a JSON object`, ['delete the file and run `atomic-plugin agent login` again']);
  }
  const { server, secret } = parsed as Record<string, unknown>;
  return {
    ...(typeof server === 'string' && server !== '' ? { server } : {}),
    ...(typeof secret === 'string' && secret !== '' ? { secret } : {}),
  };
}

/** Writes the config file atomically with mode 0600; returns its path. */
export function writeCliConfig(config: CliConfig, env: NodeJS.ProcessEnv = process.env): string {
  const path = cliConfigPath(env);
  try {
    mkdirSync(dirname(path), { recursive: true, mode: 0o700 });
    // Written to a temporary file first with the final mode, so the secret is never readable by others.
    const partial = `${path}.${process.pid}.partial`;
    writeFileSync(partial, `${JSON.stringify(config, null, 2)}\n`, { mode: 0o600 });
    chmodSync(partial, 0o600);
    renameSync(partial, path);
  } catch (error) {
    throw new CliError('CONFIG_FILE_INVALID', `Cannot write ${path}: ${(error as Error).message}`, [
      'set ATOMIC_PLUGIN_CONFIG or XDG_CONFIG_HOME to a folder you can write to',
    ]);
  }
  return path;
}
