// What a plugin's view may read without asking the user: the page asks the host, which knows the
// store and the parent chains. A read goes through unasked when the subject is the viewed resource,
// or lies inside its subtree (the viewed resource is on its parent chain) and the plugin was granted
// the read permission. Everything else is for the user to allow. The view reads as the signed-in
// user, so nothing is said about what the requester cannot read.

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
  /** The view may read it without asking the user. */
  allowed: boolean;
}

/** True when `viewed` is `subject` or on its parent chain. */
function isInside(store: StoreReader, subject: string, viewed: string): boolean {
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
  return subjects.map((subject) => {
    const propvals = store.get(subject);
    if (!propvals || !canRead(store, serverUrl, subject, propvals, requester)) return { subject, readable: false, inside: false, allowed: false };
    const inside = isInside(store, subject, viewed);
    return { subject, readable: true, inside, allowed: subject === viewed || (inside && pluginReads) };
  });
}
