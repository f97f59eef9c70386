// Commits: parsing untrusted commit JSON, the canonical string that is signed, signing,
// verifying, and applying a commit to a resource's property-value pairs.

import { canonicalJson, isHttpUrl, isObject, assertJsonAdValue, type JsonAdValue, type PropVals } from './json-ad.js';
import { signMessage, verifyMessage, verifyMessageAsync } from './ed25519.js';
import { classes, localProps, props } from './urls.js';
import type { AgentIdentity } from './agent.js';
import { AtomicError } from './errors.js';

const C = props.commit;

/** A parsed commit. Optional parts are absent rather than empty. */
export interface Commit {
  subject: string;
  createdAt: number;
  signer: string;
  signature: string;
  set?: PropVals;
  remove?: string[];
  push?: Record<string, JsonAdValue[]>;
  destroy?: boolean;
  previousCommit?: string;
  /** The agent a plugin made this commit for; signed like the rest. */
  onBehalfOf?: OnBehalfOf;
}

/**
 * The agent a commit was made for, under the property the server defines for it
 * (`{server}/ontology/on-behalf-of`, see localProps).
 */
export interface OnBehalfOf {
  property: string;
  agent: string;
}

/** The changes a commit makes, before it is signed. */
export type CommitChanges = Pick<Commit, 'subject' | 'set' | 'remove' | 'push' | 'destroy' | 'previousCommit' | 'onBehalfOf'>;

const KNOWN_KEYS = new Set<string>([
  '@id', C.subject, C.createdAt, C.signer, C.signature, C.set, C.remove, C.push, C.destroy, C.previousCommit, props.isA,
]);

function requireString(body: Record<string, unknown>, key: string, name: string): string {
  const value = body[key];
  if (typeof value !== 'string' || value === '') throw AtomicError.invalidCommit(`${name} (${key}) is missing or not a string`);
  return value;
}

/**
 * Parses and shape-checks a commit from untrusted JSON. Throws AtomicError (400) with the reason.
 * With `serverUrl`, the server's own on-behalf-of property is recognized too.
 */
export function parseCommit(body: unknown, serverUrl?: string): Commit {
  if (!isObject(body)) throw AtomicError.invalidCommit('the body must be a JSON object');
  const onBehalfOfProperty = serverUrl === undefined ? undefined : localProps(serverUrl).onBehalfOf;
  for (const key of Object.keys(body)) {
    if (!KNOWN_KEYS.has(key) && key !== onBehalfOfProperty) throw AtomicError.invalidCommit(`unknown property ${key}`);
  }
  const subject = requireString(body, C.subject, 'subject');
  if (!isHttpUrl(subject)) throw AtomicError.invalidCommit(`subject is not an http(s) URL: ${subject}`);
  const signer = requireString(body, C.signer, 'signer');
  if (!isHttpUrl(signer)) throw AtomicError.invalidCommit(`signer is not an http(s) URL: ${signer}`);
  const signature = requireString(body, C.signature, 'signature');
  const createdAt = body[C.createdAt];
  if (typeof createdAt !== 'number' || !Number.isSafeInteger(createdAt) || createdAt < 0) {
    throw AtomicError.invalidCommit('createdAt must be a timestamp in milliseconds');
  }
  const commit: Commit = { subject, createdAt, signer, signature };

  const isA = body[props.isA];
  if (isA !== undefined && !(Array.isArray(isA) && isA.length === 1 && isA[0] === classes.commit)) {
    throw AtomicError.invalidCommit(`isA must be [${classes.commit}]`);
  }
  const set = body[C.set];
  if (set !== undefined) {
    if (!isObject(set)) throw AtomicError.invalidCommit('set must be an object');
    for (const [k, v] of Object.entries(set)) {
      if (!isHttpUrl(k)) throw AtomicError.invalidCommit(`set: property is not a URL: ${k}`);
      try {
        assertJsonAdValue(v, `set.${k}`);
      } catch (e) {
        throw AtomicError.invalidCommit((e as Error).message);
      }
    }
    if (Object.keys(set).length > 0) commit.set = set as PropVals;
  }
  const remove = body[C.remove];
  if (remove !== undefined) {
    if (!Array.isArray(remove) || !remove.every((p): p is string => typeof p === 'string' && isHttpUrl(p))) {
      throw AtomicError.invalidCommit('remove must be an array of property URLs');
    }
    if (remove.length > 0) commit.remove = remove;
  }
  const push = body[C.push];
  if (push !== undefined) {
    if (!isObject(push)) throw AtomicError.invalidCommit('push must be an object of arrays');
    for (const [k, v] of Object.entries(push)) {
      if (!isHttpUrl(k) || !Array.isArray(v)) throw AtomicError.invalidCommit(`push: ${k} must be a property URL with an array`);
      try {
        assertJsonAdValue(v, `push.${k}`);
      } catch (e) {
        throw AtomicError.invalidCommit((e as Error).message);
      }
    }
    if (Object.keys(push).length > 0) commit.push = push as Record<string, JsonAdValue[]>;
  }
  const destroy = body[C.destroy];
  if (destroy !== undefined) {
    if (typeof destroy !== 'boolean') throw AtomicError.invalidCommit('destroy must be a boolean');
    if (destroy) commit.destroy = true;
  }
  const previousCommit = body[C.previousCommit];
  if (previousCommit !== undefined) {
    if (typeof previousCommit !== 'string' || !isHttpUrl(previousCommit)) throw AtomicError.invalidCommit('previousCommit must be a URL');
    commit.previousCommit = previousCommit;
  }
  const onBehalfOf = onBehalfOfProperty === undefined ? undefined : body[onBehalfOfProperty];
  if (onBehalfOf !== undefined) {
    if (typeof onBehalfOf !== 'string' || !isHttpUrl(onBehalfOf)) throw AtomicError.invalidCommit(`${onBehalfOfProperty} must be an agent URL`);
    commit.onBehalfOf = { property: onBehalfOfProperty!, agent: onBehalfOf };
  }
  if (!commit.set && !commit.remove && !commit.push && !commit.destroy) {
    throw AtomicError.invalidCommit('it changes nothing (no set, remove, push or destroy)');
  }
  return commit;
}

/** The commit as JSON-AD, keyed by full property URLs, without the signature unless asked. */
export function commitToPropVals(commit: Commit, withSignature = true): PropVals {
  const out: PropVals = {
    [C.subject]: commit.subject,
    [C.createdAt]: commit.createdAt,
    [C.signer]: commit.signer,
    [props.isA]: [classes.commit],
  };
  if (commit.set && Object.keys(commit.set).length > 0) out[C.set] = commit.set;
  if (commit.remove && commit.remove.length > 0) out[C.remove] = commit.remove;
  if (commit.push && Object.keys(commit.push).length > 0) out[C.push] = commit.push;
  if (commit.destroy) out[C.destroy] = true;
  if (commit.previousCommit) out[C.previousCommit] = commit.previousCommit;
  if (commit.onBehalfOf) out[commit.onBehalfOf.property] = commit.onBehalfOf.agent;
  if (withSignature) out[C.signature] = commit.signature;
  return out;
}

/** The exact string that is signed: the commit without its signature, empty parts dropped, keys sorted. */
export function signableString(commit: Omit<Commit, 'signature'> & { signature?: string }): string {
  return canonicalJson(commitToPropVals({ ...commit, signature: '' }, false));
}

/** Signs changes as `agent` at `createdAt` (default now). */
export function signCommit(changes: CommitChanges, agent: Pick<AgentIdentity, 'subject' | 'privateKey'>, createdAt = Date.now()): Commit {
  const unsigned: Commit = { ...stripEmpty(changes), createdAt, signer: agent.subject, signature: '' };
  return { ...unsigned, signature: signMessage(signableString(unsigned), agent.privateKey) };
}

function stripEmpty(changes: CommitChanges): CommitChanges {
  const out: CommitChanges = { subject: changes.subject };
  if (changes.set && Object.keys(changes.set).length > 0) out.set = changes.set;
  if (changes.remove && changes.remove.length > 0) out.remove = changes.remove;
  if (changes.push && Object.keys(changes.push).length > 0) out.push = changes.push;
  if (changes.destroy) out.destroy = true;
  if (changes.previousCommit) out.previousCommit = changes.previousCommit;
  if (changes.onBehalfOf) out.onBehalfOf = changes.onBehalfOf;
  return out;
}

/** True when the commit's signature was made by `publicKey`. */
export function verifyCommitSignature(commit: Commit, publicKey: string): boolean {
  return verifyMessage(signableString(commit), commit.signature, publicKey);
}

/** {@link verifyCommitSignature} off the event loop. */
export function verifyCommitSignatureAsync(commit: Commit, publicKey: string): Promise<boolean> {
  return verifyMessageAsync(signableString(commit), commit.signature, publicKey);
}

/** The subject a commit is stored at: `{server}/commits/{signature}`. */
export function commitSubject(serverUrl: string, commit: Commit): string {
  return `${serverUrl}/commits/${commit.signature}`;
}

/**
 * The property-value pairs after applying the commit to `before` (undefined for a new resource),
 * or `undefined` when the commit destroys the resource. Order: set, remove, push; `lastCommit` last.
 */
export function applyCommit(before: PropVals | undefined, commit: Commit, commitId: string): PropVals | undefined {
  if (commit.destroy) return undefined;
  const after: PropVals = { ...before };
  if (commit.set) Object.assign(after, commit.set);
  if (commit.remove) for (const p of commit.remove) delete after[p];
  if (commit.push) {
    for (const [p, items] of Object.entries(commit.push)) {
      const current = after[p];
      if (current !== undefined && !Array.isArray(current)) throw AtomicError.invalidCommit(`push: ${p} is not an array on ${commit.subject}`);
      after[p] = [...(current ?? []), ...items];
    }
  }
  after[props.lastCommit] = commitId;
  return after;
}
