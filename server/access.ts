// Access decisions that need the store: who is asking (authenticating signed requests against
// the agent's stored public key) and whether they may read a resource.

import { verifyClaimsSignature, type AuthClaims } from './atomic/auth.js';
import { AtomicError } from './atomic/errors.js';
import type { PropVals } from './atomic/json-ad.js';
import { hasRight } from './atomic/rights.js';
import { classes, props } from './atomic/urls.js';
import type { StoreReader } from './store/store.js';

/** Resolves and checks request claims; returns the agent's subject. `inline`: see verifyClaimsSignature. */
export async function authenticate(store: StoreReader, claims: AuthClaims, { inline = false } = {}): Promise<string> {
  await verifyClaimsSignature(claims, { inline });
  const agent = store.get(claims.agent);
  if (!agent) throw new AtomicError('INVALID_AUTH_HEADERS', `unknown agent ${claims.agent}`);
  if (agent[props.publicKey] !== claims.publicKey) {
    throw new AtomicError('INVALID_AUTH_HEADERS', `the public key is not the one of ${claims.agent}`);
  }
  return claims.agent;
}

function isA(propvals: PropVals, classUrl: string): boolean {
  const value = propvals[props.isA];
  return Array.isArray(value) && value.includes(classUrl);
}

/**
 * Whether `agent` (undefined: anonymous) may read this resource. Resources that are not on this
 * server (the built-in ontology) are public; an agent may read itself; a commit is readable by
 * whoever may read its subject (or the drive, once the subject is gone).
 */
export function canRead(store: StoreReader, serverUrl: string, subject: string, propvals: PropVals, agent: string | undefined): boolean {
  if (!isLocal(serverUrl, subject)) return true;
  if (agent !== undefined && subject === agent) return true;
  if (isA(propvals, classes.commit)) {
    if (agent !== undefined && propvals[props.commit.signer] === agent) return true;
    const target = propvals[props.commit.subject];
    const targetPropVals = typeof target === 'string' ? store.get(target) : undefined;
    return hasRight((s) => store.get(s), targetPropVals ?? store.get(serverUrl), agent, 'read');
  }
  return hasRight((s) => store.get(s), propvals, agent, 'read');
}

/** True when `subject` is on this server. */
export function isLocal(serverUrl: string, subject: string): boolean {
  return subject === serverUrl || subject.startsWith(`${serverUrl}/`);
}

/**
 * Whether `agent` (undefined: anonymous) may change the existing resource `subject`: write rights,
 * or it is the agent's own resource.
 */
export function canWrite(store: StoreReader, subject: string, propvals: PropVals, agent: string | undefined): boolean {
  if (agent !== undefined && subject === agent) return true;
  return hasRight((s) => store.get(s), propvals, agent, 'write');
}
