// Agents from the CLI's side: the credentials it prints, the owner agent of a data folder, and
// registering a new agent on a server with a commit the agent signs itself.

import { encodeSecret, type AgentIdentity } from '../../server/atomic/agent.js';
import { commitSubject, signCommit, type Commit } from '../../server/atomic/commit.js';
import type { PropVals } from '../../server/atomic/json-ad.js';
import { classes, props, publicAgent } from '../../server/atomic/urls.js';
import { ownerSecretPath, readOwner } from '../../server/data-dir.js';
import { CliError } from './errors.js';
import { formatFields, type JsonValue } from './output.js';
import { fetchResource, postCommit } from './server-client.js';

/** What a person needs to use an agent: its subject, its public key, and its secret. */
export interface AgentCredentials {
  subject: string;
  publicKey: string;
  /** Base64 of `{privateKey, subject}`, the format `@tomic/lib` and the Atomic Data Browser read. */
  secret: string;
}

/** The credentials of an agent whose private key we hold. */
export function agentCredentials(agent: AgentIdentity): AgentCredentials {
  return { subject: agent.subject, publicKey: agent.publicKey, secret: encodeSecret(agent) };
}

/** Credentials as labelled lines, followed by any extra fields. */
export function formatCredentials(credentials: AgentCredentials, extra: ReadonlyArray<readonly [string, string]> = []): string {
  return formatFields([
    ['Subject', credentials.subject],
    ['Public key', credentials.publicKey],
    ['Secret', credentials.secret],
    ...extra,
  ]);
}

/** The owner agent of an initialized data folder and the file its secret is kept in. */
export function readOwnerAgent(dataDir: string): { agent: AgentIdentity; secretPath: string } {
  const secretPath = ownerSecretPath(dataDir);
  try {
    return { agent: readOwner(dataDir), secretPath };
  } catch (error) {
    const message = (error as Error).message;
    if (error instanceof TypeError) {
      throw new CliError('NO_OWNER_AGENT', `Cannot read the owner agent from ${secretPath}: ${message}`, [
        'restore the file from a backup; it must hold the secret the server printed when it created the data folder',
      ]);
    }
    throw new CliError('NO_OWNER_AGENT', message);
  }
}

/**
 * The commit that creates `agent`'s own Agent resource, signed by the agent itself: readable by
 * everyone, writable by the agent.
 */
export function agentResourceCommit(agent: AgentIdentity, name?: string, createdAt = Date.now()): Commit {
  const set: PropVals = {
    [props.isA]: [classes.agent],
    [props.publicKey]: agent.publicKey,
    [props.read]: [publicAgent],
    [props.write]: [agent.subject],
  };
  if (name) set[props.name] = name;
  return signCommit({ subject: agent.subject, set }, agent, createdAt);
}

/** Creates `agent`'s Agent resource on the server; returns the subject of the stored commit. */
export async function registerAgent(serverUrl: string, agent: AgentIdentity, name?: string): Promise<string> {
  const commit = agentResourceCommit(agent, name);
  const stored = await postCommit(serverUrl, commit);
  const id = stored['@id'];
  return typeof id === 'string' ? id : commitSubject(serverUrl, commit);
}

/**
 * Checks that `agent` exists on the server: its Agent resource can be read and holds the public
 * key of the secret. Throws LOGIN_FAILED otherwise (or SERVER_UNREACHABLE).
 */
export async function checkAgentOnServer(serverUrl: string, agent: AgentIdentity): Promise<void> {
  if (!agent.subject.startsWith(`${serverUrl}/`)) {
    throw new CliError('LOGIN_FAILED', `The secret is for ${agent.subject}, an agent of another server than ${serverUrl}`, [
      'give the server the agent belongs to with --server, or create an agent on this one with `atomic-plugin agent create --register`',
    ]);
  }
  let publicKey: JsonValue | undefined;
  try {
    const { data } = await fetchResource(agent.subject, { agent });
    publicKey = typeof data === 'object' && data !== null && !Array.isArray(data) ? data[props.publicKey] : undefined;
  } catch (error) {
    if (error instanceof CliError && error.code === 'REQUEST_FAILED') {
      throw new CliError('LOGIN_FAILED', `${serverUrl} does not know the agent ${agent.subject}: ${error.message}`, [
        'check that the secret is the one this server printed (`atomic-plugin agent show` on the server)',
        'or register a new agent with `atomic-plugin agent create --register`',
      ]);
    }
    throw error;
  }
  if (publicKey !== agent.publicKey) {
    throw new CliError('LOGIN_FAILED', `The Agent resource ${agent.subject} holds another public key than the secret's`, [
      'the secret is wrong or outdated: copy it again from where it was created',
    ]);
  }
}
