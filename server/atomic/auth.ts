// Request authentication: the x-atomic-* headers on HTTP requests and the AUTHENTICATE message on
// WebSockets. Both sign "{requested URL} {timestamp}" with the agent's key.

import { signMessage, verifyMessage, verifyMessageAsync } from './ed25519.js';
import { AtomicError } from './errors.js';
import { props } from './urls.js';
import { isObject } from './json-ad.js';
import type { AgentIdentity } from './agent.js';

/** The claims in an authenticated request, before they are checked. */
export interface AuthClaims {
  agent: string;
  publicKey: string;
  timestamp: number;
  signature: string;
  requestedSubject: string;
}

/** How far the timestamp of a signed request may be from the server's clock. */
export const AUTH_MAX_SKEW_MS = 30_000;

/** Headers that authenticate a GET of `url` as `agent`. */
export function signRequestHeaders(url: string, agent: AgentIdentity, timestamp = Date.now()): Record<string, string> {
  return {
    'x-atomic-public-key': agent.publicKey,
    'x-atomic-signature': signMessage(`${url} ${timestamp}`, agent.privateKey),
    'x-atomic-timestamp': String(timestamp),
    'x-atomic-agent': agent.subject,
  };
}

const HEADER_NAMES = ['x-atomic-public-key', 'x-atomic-signature', 'x-atomic-timestamp', 'x-atomic-agent'] as const;

/** Reads the auth headers; `undefined` when none are present, an error when only some are. */
export function claimsFromHeaders(headers: Record<string, string | string[] | undefined>, requestedUrl: string): AuthClaims | undefined {
  const values = HEADER_NAMES.map((h) => {
    const v = headers[h];
    return Array.isArray(v) ? v[0] : v;
  });
  const present = values.filter((v) => v !== undefined).length;
  if (present === 0) return undefined;
  if (present < HEADER_NAMES.length) {
    const missing = HEADER_NAMES.filter((_, i) => values[i] === undefined).join(', ');
    throw new AtomicError('INVALID_AUTH_HEADERS', `missing ${missing}`);
  }
  const [publicKey, signature, timestamp, agent] = values as [string, string, string, string];
  if (!/^\d+$/.test(timestamp)) throw new AtomicError('INVALID_AUTH_HEADERS', 'x-atomic-timestamp must be milliseconds since 1970');
  return { agent, publicKey, signature, timestamp: Number(timestamp), requestedSubject: requestedUrl };
}

/** Reads the JSON of a WebSocket AUTHENTICATE message. */
export function claimsFromAuthenticateMessage(json: unknown): AuthClaims {
  if (!isObject(json)) throw new AtomicError('INVALID_AUTH_HEADERS', 'AUTHENTICATE needs a JSON object');
  const get = (key: string): unknown => json[key];
  const agent = get(props.auth.agent);
  const publicKey = get(props.auth.publicKey);
  const signature = get(props.auth.signature);
  const timestamp = get(props.auth.timestamp);
  const requestedSubject = get(props.auth.requestedSubject);
  if (typeof agent !== 'string' || typeof publicKey !== 'string' || typeof signature !== 'string' || typeof timestamp !== 'number' || typeof requestedSubject !== 'string') {
    throw new AtomicError('INVALID_AUTH_HEADERS', 'AUTHENTICATE needs agent, publicKey, signature, timestamp and requestedSubject');
  }
  // Only a signature made for a WebSocket sign-in counts, not one lifted from a signed GET.
  const target = URL.canParse(requestedSubject) ? new URL(requestedSubject) : undefined;
  if (!target || (target.protocol !== 'ws:' && target.protocol !== 'wss:') || target.pathname !== '/ws') {
    throw new AtomicError('INVALID_AUTH_HEADERS', `requestedSubject must be this server's WebSocket URL (ws://…/ws), got ${requestedSubject}`);
  }
  return { agent, publicKey, signature, timestamp, requestedSubject };
}

/**
 * Checks the signature and the freshness of the claims. Does not check that the public key belongs
 * to the agent: that needs the store (see the host's authenticator). `inline` verifies on the
 * calling thread, which answers sooner when nothing else waits for it (handing the work to the
 * thread pool and back costs more than the verification on an idle machine); otherwise the
 * thread pool does it, so that a busy server keeps its event loop free.
 */
export async function verifyClaimsSignature(claims: AuthClaims, { inline = false, now = Date.now() } = {}): Promise<void> {
  if (Math.abs(now - claims.timestamp) > AUTH_MAX_SKEW_MS) {
    throw new AtomicError('INVALID_AUTH_HEADERS', `the timestamp is more than ${AUTH_MAX_SKEW_MS / 1000} s from the server's clock`);
  }
  const verify = inline ? verifyMessage : verifyMessageAsync;
  if (!(await verify(`${claims.requestedSubject} ${claims.timestamp}`, claims.signature, claims.publicKey))) {
    throw new AtomicError('INVALID_AUTH_HEADERS', 'the signature does not match the requested URL and timestamp');
  }
}
