// Where a host keeps its state: the default data folder and the files inside it.

import { homedir } from 'node:os';
import { join } from 'node:path';
import { readFileSync } from 'node:fs';
import { decodeSecret, type AgentIdentity } from './atomic/agent.js';

/**
 * The data folder used when none is given: `$ATOMIC_PLUGIN_DATA_DIR`, else
 * `$XDG_DATA_HOME/atomic-plugin`, else `~/.local/share/atomic-plugin`, so that running the server
 * never litters the current directory.
 */
export function defaultDataDir(env: NodeJS.ProcessEnv = process.env): string {
  if (env.ATOMIC_PLUGIN_DATA_DIR) return env.ATOMIC_PLUGIN_DATA_DIR;
  const base = env.XDG_DATA_HOME || join(homedir(), '.local', 'share');
  return join(base, 'atomic-plugin');
}

/** The file holding the owner agent's secret (mode 0600). */
export function ownerSecretPath(dataDir: string): string {
  return join(dataDir, 'agent.secret');
}

/** The embedded store's folder. */
export function storePath(dataDir: string): string {
  return join(dataDir, 'store');
}

/** Reads the owner agent of an initialized data folder. */
export function readOwner(dataDir: string): AgentIdentity {
  const path = ownerSecretPath(dataDir);
  let secret: string;
  try {
    secret = readFileSync(path, 'utf8');
  } catch {
    throw new Error(`No owner agent in ${dataDir}: ${path} does not exist. Start the server once with this data folder (atomic-plugin serve --data-dir ${dataDir}) to create it.`);
  }
  return decodeSecret(secret);
}
