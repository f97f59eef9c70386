// What a plugin's view may read without asking the user: the page asks the host, which knows the
// store, the parent chains and the plugin agent's rights. A read goes through unasked when the
// subject is the viewed resource, or lies inside its subtree (the viewed resource is on its parent
// chain) and the plugin could read it itself (the read permission and read rights for its agent).
// Everything else is for the user to allow. Nothing is said about what the requester cannot read.

import type { PropVals } from '../../atomic/json-ad.js';
import { props } from '../../atomic/urls.js';
import { canRead } from '../../access.js';
import type { Installation } from '../../plugins/installation.js';
import type { StoreReader } from '../../store/store.js';

/** Parent chains longer than this count as outside (as rights.ts treats deeper ancestors as missing). */
const MAX_DEPTH = 64;

/** How one subject stands for one view. */
export interface ReadAccess {
  subject: string;
  /** The requester may read it (else the other fields are false and say nothing). */
  readable: boolean;
  /** It is the viewed resource or has it on its parent chain. */
  inside: boolean;
  /** The plugin holds the read permission and its agent may read it. */
  pluginMayRead: boolean;
  /** The view may read it without asking the user. */
  allowed: boolean;
}

/** True when `viewed` is `subject` or on its parent chain. */
export function isInside(store: StoreReader, subject: string, viewed: string): boolean {
  const seen = new Set<string>();
  let current: string | undefined = subject;
  for (let depth = 0; current !== undefined && depth <= MAX_DEPTH && !seen.has(current); depth++) {
    if (current === viewed) return true;
    seen.add(current);
    const parent: unknown = store.get(current)?.[props.parent];
    current = typeof parent === 'string' ? parent : undefined;
  }
  return false;
}

/** How each of `subjects` stands for the view of `installation` on `viewed`, asked by `requester`. */
export function readAccess(store: StoreReader, serverUrl: string, installation: Installation, viewed: string, subjects: readonly string[], requester: string | undefined): ReadAccess[] {
  const pluginReads = installation.views?.granted.includes('read') ?? false;
  const readable = (subject: string, propvals: PropVals | undefined, agent: string | undefined): boolean =>
    propvals !== undefined && canRead(store, serverUrl, subject, propvals, agent);
  return subjects.map((subject) => {
    const propvals = store.get(subject);
    if (!readable(subject, propvals, requester)) return { subject, readable: false, inside: false, pluginMayRead: false, allowed: false };
    const inside = isInside(store, subject, viewed);
    const pluginMayRead = pluginReads && readable(subject, propvals, installation.agent.subject);
    return { subject, readable: true, inside, pluginMayRead, allowed: subject === viewed || (inside && pluginMayRead) };
  });
}
