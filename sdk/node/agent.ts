// The plugin's own agent, for using the ordinary Atomic Data HTTP API directly as itself: signed
// GET headers (x-atomic-*) and signed commits, with node:crypto's Ed25519. The host hands the
// credentials over in the handshake; they never touch the command line or the environment.

import { createPrivateKey, sign } from 'node:crypto';
import { canonicalJson, commitBody, SIGNATURE_PROPERTY, type CommitChanges } from '../common/commit.js';
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

/** A signed commit as JSON-AD, ready to POST to `{server}/commit`. */
export function signCommit(agent: AgentCredentials, changes: CommitChanges, createdAt = Date.now()): Record<string, unknown> {
  const body = commitBody(agent.subject, changes, createdAt);
  return { ...body, [SIGNATURE_PROPERTY]: signText(canonicalJson(body), agent.secret) };
}
