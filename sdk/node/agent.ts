// The plugin's own agent, for using the ordinary Atomic Data HTTP API directly as itself: signed
// GET headers (x-atomic-*) and signed commits, with node:crypto's Ed25519. The host hands the
// credentials over in the handshake; they never touch the command line or the environment.

import { createPrivateKey, sign } from 'node:crypto';
import type { AgentCredentials } from './protocol.js';

// PKCS#8 wrapping of a raw 32-byte Ed25519 seed (RFC 8410).
const PKCS8_PREFIX = Buffer.from('302e020100300506032b657004220420', 'hex');

function signText(text: string, secret: string): string {
  const key = createPrivateKey({ key: Buffer.concat([PKCS8_PREFIX, Buffer.from(secret, 'base64')]), format: 'der', type: 'pkcs8' });
  return sign(null, Buffer.from(text, 'utf8'), key).toString('base64');
}

/** Headers that authenticate a request for `url` as the agent. */
export function signedHeaders(agent: AgentCredentials, url: string, timestamp = Date.now()): Record<string, string> {
  return {
    'x-atomic-public-key': agent.publicKey,
    'x-atomic-signature': signText(`${url} ${timestamp}`, agent.secret),
    'x-atomic-timestamp': String(timestamp),
    'x-atomic-agent': agent.subject,
  };
}

const P = 'https://atomicdata.dev/properties/';

/** Sorted-key JSON (JCS for these values), as commits are signed: one text for one value. */
export function canonical(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonical).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>).filter(([, v]) => v !== undefined);
    entries.sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonical(v)}`).join(',')}}`;
  }
  return JSON.stringify(value);
}

/** A signed commit as JSON-AD, ready to POST to `{server}/commit`. */
export function signCommit(
  agent: AgentCredentials,
  changes: { subject: string; set?: Record<string, unknown>; remove?: string[]; push?: Record<string, unknown[]>; destroy?: boolean; previousCommit?: string },
  createdAt = Date.now(),
): Record<string, unknown> {
  const body: Record<string, unknown> = {
    [`${P}subject`]: changes.subject,
    [`${P}createdAt`]: createdAt,
    [`${P}signer`]: agent.subject,
    [`${P}isA`]: ['https://atomicdata.dev/classes/Commit'],
  };
  if (changes.set && Object.keys(changes.set).length > 0) body[`${P}set`] = changes.set;
  if (changes.remove && changes.remove.length > 0) body[`${P}remove`] = changes.remove;
  if (changes.push && Object.keys(changes.push).length > 0) body[`${P}push`] = changes.push;
  if (changes.destroy) body[`${P}destroy`] = true;
  if (changes.previousCommit) body[`${P}previousCommit`] = changes.previousCommit;
  return { ...body, [`${P}signature`]: signText(canonical(body), agent.secret) };
}
