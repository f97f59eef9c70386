// The key that signs the reference plugins when `npm run build` builds them: the maintainers'
// release key when ATOMIC_PLUGIN_RELEASE_SECRET holds it (as when the npm package is published),
// otherwise a development key generated once per checkout and kept out of git, so that a clean
// clone builds signed packages without anyone's secret, and says honestly who signed them.

import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { createAgentIdentity, decodeSecret, encodeSecret, type AgentIdentity } from '../../server/atomic/agent.js';
import { CliError, systemErrorCode } from './errors.js';
import type { PublisherKind } from './reference-plugins.js';

/** The environment variable holding the maintainers' release key, an agent secret. */
export const RELEASE_SECRET_ENV = 'ATOMIC_PLUGIN_RELEASE_SECRET';

/** Where a checkout keeps its development publisher key, relative to the checkout (gitignored). */
export const DEVELOPMENT_SECRET_FILE = join('.atomic-plugin', 'publisher.secret');

/**
 * The subject of a generated development key. It names no agent on any server: only the key counts
 * when a package is verified, and the subject must merely have the form `{server}/agents/{key}`.
 */
const DEVELOPMENT_SERVER = 'http://localhost:9883';

/** The agent that signs, and which kind of key it is. */
export interface Publisher {
  agent: AgentIdentity;
  kind: PublisherKind;
  /** Where the key came from, for people: the variable's name or the file. */
  source: string;
}

/** Reads the development key at `path`, creating it (mode 0600) on first use. */
function developmentKey(path: string): AgentIdentity {
  mkdirSync(dirname(path), { recursive: true, mode: 0o700 });
  try {
    const agent = createAgentIdentity(DEVELOPMENT_SERVER);
    // `wx`: two builds starting at once must not each write a different key.
    writeFileSync(path, `${encodeSecret(agent)}\n`, { flag: 'wx', mode: 0o600 });
    return agent;
  } catch (error) {
    if (systemErrorCode(error) !== 'EEXIST') throw error;
  }
  try {
    return decodeSecret(readFileSync(path, 'utf8'));
  } catch (error) {
    throw new CliError('INVALID_SECRET', `The development publisher key ${path} cannot be read: ${(error as Error).message}`, [
      'delete the file: the next build makes a new key and signs every reference plugin with it',
    ]);
  }
}

/**
 * The publisher for a build in `checkout`: the release key from {@link RELEASE_SECRET_ENV} when
 * set, else the checkout's development key. With `requireRelease` a missing release key is an error
 * (publishing the npm package must never ship development-signed plugins).
 */
export function resolvePublisher(checkout: string, options: { requireRelease?: boolean; env?: NodeJS.ProcessEnv } = {}): Publisher {
  const secret = (options.env ?? process.env)[RELEASE_SECRET_ENV]?.trim();
  if (secret) {
    try {
      return { agent: decodeSecret(secret), kind: 'release', source: RELEASE_SECRET_ENV };
    } catch (error) {
      throw new CliError('INVALID_SECRET', `${RELEASE_SECRET_ENV} is not an agent secret: ${(error as Error).message}`, [
        'set it to the release agent\'s secret (base64 of {privateKey, subject}, as `atomic-plugin agent create` prints it)',
      ]);
    }
  }
  if (options.requireRelease) {
    throw new CliError('MISSING_SECRET', `A release build needs the maintainers' release key in ${RELEASE_SECRET_ENV}`, [
      'set it to the release agent\'s secret; without it the reference plugins would be signed with a development key',
    ]);
  }
  const path = join(checkout, DEVELOPMENT_SECRET_FILE);
  return { agent: developmentKey(path), kind: 'development', source: path };
}
