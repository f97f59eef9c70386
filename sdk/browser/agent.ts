// An agent whose key a browser page holds: its secret (as `atomic-plugin agent create` and the
// Atomic Data browser give it: base64 of `{"privateKey", "subject"}`), the request signing the
// server checks (the headers x-atomic-public-key, -signature, -timestamp and -agent, the signature
// an Ed25519 signature of "{requested URL} {timestamp}" by the agent's key), and signed Commits.

import * as ed from '@noble/ed25519';
import { sha512 } from '@noble/hashes/sha2.js';
import { canonicalJson, commitBody, SIGNATURE_PROPERTY, type CommitChanges } from '../common/commit.js';

// Synchronous SHA-512: WebCrypto's is only there in secure contexts (https or localhost), and a
// server on a LAN address over http is neither.
ed.hashes.sha512 = sha512;

/** An agent whose key this browser holds. */
export interface Agent {
  readonly subject: string;
  /** The Ed25519 public key, base64. */
  readonly publicKey: string;
  /** The 32-byte private seed. */
  readonly seed: Uint8Array;
  /** The secret it was read from, to keep. */
  readonly secret: string;
}

function fromBase64(text: string): Uint8Array {
  const binary = atob(text);
  return Uint8Array.from(binary, (c) => c.charCodeAt(0));
}

function toBase64(bytes: Uint8Array): string {
  let binary = '';
  for (const byte of bytes) binary += String.fromCharCode(byte);
  return btoa(binary);
}

/** Reads an agent secret; throws an Error that says what is wrong with it. */
export function parseSecret(secret: string): Agent {
  const trimmed = secret.trim();
  let json: unknown;
  try {
    json = JSON.parse(new TextDecoder().decode(fromBase64(trimmed)));
  } catch {
    throw new Error('This is not an agent secret: it should be base64-encoded JSON.');
  }
  const { privateKey, subject } = (json ?? {}) as { privateKey?: unknown; subject?: unknown };
  if (typeof privateKey !== 'string' || typeof subject !== 'string') throw new Error('This is not an agent secret: it needs a privateKey and a subject.');
  let seed: Uint8Array;
  try {
    seed = fromBase64(privateKey);
  } catch {
    seed = new Uint8Array();
  }
  if (seed.length !== 32) throw new Error("The secret's privateKey is not base64 of a 32-byte Ed25519 key.");
  if (!/^https?:\/\//.test(subject)) throw new Error("The secret's subject is not an agent URL.");
  return { subject, publicKey: toBase64(ed.getPublicKey(seed)), seed, secret: trimmed };
}

/** The headers that sign a request for `url` (absolute, as the browser sends it) as `agent`. */
export function signedHeaders(agent: Agent, url: string, timestamp: number = Date.now()): Record<string, string> {
  const signature = ed.sign(new TextEncoder().encode(`${url} ${timestamp}`), agent.seed);
  return {
    'x-atomic-public-key': agent.publicKey,
    'x-atomic-signature': toBase64(signature),
    'x-atomic-timestamp': String(timestamp),
    'x-atomic-agent': agent.subject,
  };
}

/** A signed commit as JSON-AD, ready to POST to `{server}/commit` as application/ad+json. */
export function signCommit(agent: Agent, changes: CommitChanges, createdAt: number = Date.now()): Record<string, unknown> {
  const body = commitBody(agent.subject, changes, createdAt);
  const signature = ed.sign(new TextEncoder().encode(canonicalJson(body)), agent.seed);
  return { ...body, [SIGNATURE_PROPERTY]: toBase64(signature) };
}
