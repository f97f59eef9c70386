// Resources a plugin keeps in place, such as the ontology it defines (its properties and classes,
// public so that clients can resolve them): `ensureResources` makes the store match at every
// init, with commits only for what is missing or differs, so repeated starts, restarts and
// reinstalls change nothing once everything is in place.

import { commit, getResource, type HostResult, type Resource } from './host.js';
import type { PropVals } from './types.js';

/** A resource a plugin keeps: `exact` ones are kept as defined, the others only created. */
export interface WantedResource {
  readonly subject: string;
  readonly set: PropVals;
  readonly exact: boolean;
}

/** What {@link ensureResources} needs: reading a resource and committing changes to one. */
export interface ResourceStore {
  get(subject: string): HostResult<Resource>;
  commit(subject: string, set: PropVals): HostResult<string>;
}

/** The host's store, through the plugin's agent (permissions `read` and `write`). */
export const hostStore: ResourceStore = {
  get: getResource,
  commit: (subject, set) => commit({ subject, set }),
};

/** The pairs of `want` that `have` lacks or holds a different value for. */
function differences(have: PropVals, want: PropVals): PropVals {
  const out: PropVals = {};
  for (const [key, value] of Object.entries(want)) if (JSON.stringify(have[key]) !== JSON.stringify(value)) out[key] = value;
  return out;
}

/**
 * Creates what is missing and corrects what differs, in the order given (parents before
 * children); returns the subjects it committed to (none when everything is in place). Throws with
 * the host's reason when a read or commit is refused.
 */
export function ensureResources(wanted: readonly WantedResource[], store: ResourceStore = hostStore): string[] {
  const changed: string[] = [];
  for (const { subject, set, exact } of wanted) {
    const current = store.get(subject);
    if (!current.ok && current.error.code !== 'NOT_FOUND') throw new Error(`reading ${subject} failed: ${current.error.code}: ${current.error.message}`);
    const changes = !current.ok ? set : exact ? differences(current.value, set) : {};
    if (Object.keys(changes).length === 0) continue;
    const done = store.commit(subject, changes);
    if (!done.ok) {
      throw new Error(`writing ${subject} was refused: ${done.error.code}: ${done.error.message} (the plugin needs the write permission, and full-drive-access to write at the drive's root)`);
    }
    changed.push(subject);
  }
  return changed;
}
