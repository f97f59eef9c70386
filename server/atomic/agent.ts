// Agents: an Ed25519 identity with a subject URL, and the secret format `@tomic/lib` reads
// (base64 of the JSON `{privateKey, subject}`).

import { generateKeyPair, publicKeyFromPrivate } from './ed25519.js';

/** An agent whose private key we hold. */
export interface AgentIdentity {
  subject: string;
  publicKey: string;
  privateKey: string;
}

/** The subject of the agent with this public key on this server: `{server}/agents/{publicKey}`. */
export function agentSubject(serverUrl: string, publicKey: string): string {
  return `${serverUrl}/agents/${publicKey}`;
}

/** Makes a new agent on `serverUrl` with a fresh key pair. */
export function createAgentIdentity(serverUrl: string): AgentIdentity {
  const { publicKey, privateKey } = generateKeyPair();
  return { subject: agentSubject(serverUrl, publicKey), publicKey, privateKey };
}

/** Encodes an agent as a secret string. */
export function encodeSecret(agent: Pick<AgentIdentity, 'privateKey' | 'subject'>): string {
  return Buffer.from(JSON.stringify({ privateKey: agent.privateKey, subject: agent.subject }), 'utf8').toString('base64');
}

/** Decodes a secret string; throws a TypeError saying what is wrong with it. */
export function decodeSecret(secret: string): AgentIdentity {
  let parsed: unknown;
  try {
    parsed = JSON.parse(Buffer.from(secret.trim(), 'base64').toString('utf8'));
  } catch {
    throw new TypeError('Invalid agent secret: not base64-encoded JSON');
  }
  if (typeof parsed !== 'object' || parsed === null) throw new TypeError('Invalid agent secret: not a JSON object');
  const { privateKey, subject } = parsed as Record<string, unknown>;
  if (typeof privateKey !== 'string' || typeof subject !== 'string') {
    throw new TypeError('Invalid agent secret: it needs a privateKey and a subject');
  }
  return { subject, privateKey, publicKey: publicKeyFromPrivate(privateKey) };
}
