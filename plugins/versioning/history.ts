// A resource's history, from its commits: each commit read as a version (when, who, what changed),
// the versions put in the order they were applied, the resource replayed up to any of them, and
// the changes that bring the resource back to one. Pure: no host calls, so it is unit-tested on
// its own (history.test.ts) and the server's part lives in store.ts.

import { core, type Json, type PropVals } from 'atomic-plugin/sdk/js';

/** The properties a version is read from (the commit's), and `lastCommit`. */
export const commitProps = core.properties;

/** One commit of a resource, as `/versions` lists it. */
export interface Version {
  /** The commit's subject (`{server}/commits/{signature}`). */
  readonly commit: string;
  /** When it was signed, in ms since 1970. */
  readonly createdAt: number;
  /** The agent that signed it. */
  readonly signer: string;
  /** The agent a plugin made it for, when one did (`{server}/ontology/on-behalf-of`). */
  readonly onBehalfOf?: string;
  readonly set: PropVals;
  readonly remove: string[];
  readonly push: Record<string, Json[]>;
  readonly destroy: boolean;
  /** The commit it says it follows, when it says so. */
  readonly previousCommit?: string;
  /** The commit the server applied to the resource just before this one, as the server recorded it (`{server}/ontology/applied-after`). */
  readonly appliedAfter?: string;
}

function isObject(value: Json | undefined): value is { [key: string]: Json } {
  return value !== null && value !== undefined && typeof value === 'object' && !Array.isArray(value);
}

/**
 * A stored commit (JSON-AD, keyed by property URL) read as a version; `onBehalfOfProperty` and
 * `appliedAfterProperty` are the server's own properties for the requester a plugin acted for and
 * for the commit applied before. `undefined` when it is not a commit.
 */
export function readVersion(commitSubject: string, commit: PropVals, onBehalfOfProperty: string, appliedAfterProperty?: string): Version | undefined {
  const createdAt = commit[commitProps.createdAt];
  const signer = commit[commitProps.signer];
  if (typeof createdAt !== 'number' || typeof signer !== 'string') return undefined;
  const set = commit[commitProps.set];
  const remove = commit[commitProps.remove];
  const push = commit[commitProps.push];
  const onBehalfOf = commit[onBehalfOfProperty];
  const previousCommit = commit[commitProps.previousCommit];
  const appliedAfter = appliedAfterProperty === undefined ? undefined : commit[appliedAfterProperty];
  const pushed: Record<string, Json[]> = {};
  if (isObject(push)) for (const [property, items] of Object.entries(push)) if (Array.isArray(items)) pushed[property] = items;
  return {
    commit: commitSubject,
    createdAt,
    signer,
    ...(typeof onBehalfOf === 'string' ? { onBehalfOf } : {}),
    set: isObject(set) ? set : {},
    remove: Array.isArray(remove) ? remove.filter((p): p is string => typeof p === 'string') : [],
    push: pushed,
    destroy: commit[commitProps.destroy] === true,
    ...(typeof previousCommit === 'string' ? { previousCommit } : {}),
    ...(typeof appliedAfter === 'string' ? { appliedAfter } : {}),
  };
}

/**
 * The versions in the order the server applied them. The server records on each commit the one it
 * applied to the resource just before (`appliedAfter`), and a commit that names its
 * `previousCommit` (as @tomic/lib's do) was applied right after that one too: the server refuses
 * it otherwise. So commits form chains; a resource has one from its creation, and one more for each
 * time it was made again after being destroyed. The chains are placed by the `createdAt` of their
 * first commit, which the server keeps within minutes of when it applied it (it refuses older
 * commits). Only commits stored by servers that did not record `appliedAfter`, signed seconds apart
 * by clocks that disagree, the later one not naming the earlier, may be replayed out of order.
 */
export function ordered(versions: readonly Version[]): Version[] {
  const present = new Set(versions.map((v) => v.commit));
  const predecessor = (v: Version): string | undefined => v.appliedAfter ?? v.previousCommit;
  /** The version applied right after a commit. */
  const after = new Map<string, Version>();
  for (const version of versions) {
    const previous = predecessor(version);
    if (previous !== undefined && present.has(previous)) after.set(previous, version);
  }
  const firsts = versions
    .map((version, index) => ({ version, index }))
    .filter(({ version }) => {
      const previous = predecessor(version);
      return previous === undefined || !present.has(previous);
    })
    .sort((a, b) => a.version.createdAt - b.version.createdAt || a.index - b.index);
  const out: Version[] = [];
  const placed = new Set<string>();
  for (const { version } of firsts) {
    for (let next: Version | undefined = version; next !== undefined && !placed.has(next.commit); next = after.get(next.commit)) {
      out.push(next);
      placed.add(next.commit);
    }
  }
  // Only a cycle, which the server cannot produce, leaves versions out: they go last, by time.
  return [...out, ...versions.filter((v) => !placed.has(v.commit)).sort((a, b) => a.createdAt - b.createdAt)];
}

/**
 * The resource after applying `version` to `before` (`undefined`: it did not exist), as the
 * server applies a commit: set, then remove, then push, and `lastCommit` naming the commit.
 * `undefined` when the version destroys the resource.
 */
export function applyVersion(before: PropVals | undefined, version: Version): PropVals | undefined {
  if (version.destroy) return undefined;
  const after: PropVals = { ...before, ...version.set };
  for (const property of version.remove) delete after[property];
  for (const [property, items] of Object.entries(version.push)) {
    const current = after[property];
    after[property] = [...(Array.isArray(current) ? current : []), ...items];
  }
  after[commitProps.lastCommit] = version.commit;
  return after;
}

/**
 * The resource as it was right after the version at `index` of the ordered `versions`, replayed
 * from the first; `undefined` when it did not exist then (that version destroyed it).
 */
export function replay(versions: readonly Version[], index: number): PropVals | undefined {
  let state: PropVals | undefined;
  for (const version of versions.slice(0, index + 1)) state = applyVersion(state, version);
  return state;
}

/** A commit's changes, before the host signs it. */
export interface Changes {
  readonly set: PropVals;
  readonly remove: string[];
  readonly destroy: boolean;
}

/**
 * What to commit to turn `current` into `target` (either `undefined`: no resource), or
 * `undefined` when they are the same already. `lastCommit` is the server's to set, never changed.
 */
export function changesTo(current: PropVals | undefined, target: PropVals | undefined): Changes | undefined {
  if (target === undefined) return current === undefined ? undefined : { set: {}, remove: [], destroy: true };
  const set: PropVals = {};
  for (const [property, value] of Object.entries(target)) {
    if (property === commitProps.lastCommit || property === '@id') continue;
    if (current === undefined || JSON.stringify(current[property]) !== JSON.stringify(value)) set[property] = value;
  }
  const remove = Object.keys(current ?? {}).filter((p) => p !== commitProps.lastCommit && p !== '@id' && !(p in target));
  return Object.keys(set).length === 0 && remove.length === 0 ? undefined : { set, remove, destroy: false };
}
