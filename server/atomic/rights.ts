// Rights: who may read, write or append to a resource. Rights are listed in the `read`, `write`
// and `append` arrays of a resource and its ancestors (walking `parent` up to the Drive);
// `write` includes `read` and `append`.

import type { PropVals } from './json-ad.js';
import { props, publicAgent } from './urls.js';

/** A right an agent can hold on a resource. */
export type Right = 'read' | 'write' | 'append';

const LISTS: Record<Right, readonly string[]> = {
  read: [props.read, props.write],
  write: [props.write],
  append: [props.append, props.write],
};

/** Parents deeper than this are treated as missing: a guard against cycles and abuse. */
const MAX_DEPTH = 64;

/**
 * True when `agent` (a subject, or undefined for anonymous) holds `right` on the resource with
 * these property-value pairs, directly or through an ancestor. `get` loads ancestors.
 */
export function hasRight(
  get: (subject: string) => PropVals | undefined,
  propvals: PropVals | undefined,
  agent: string | undefined,
  right: Right,
): boolean {
  const seen = new Set<string>();
  let current = propvals;
  for (let depth = 0; current && depth < MAX_DEPTH; depth++) {
    for (const list of LISTS[right]) {
      const holders = current[list];
      if (Array.isArray(holders) && holders.some((h) => h === publicAgent || (agent !== undefined && h === agent))) return true;
    }
    const parent = current[props.parent];
    if (typeof parent !== 'string' || seen.has(parent)) return false;
    seen.add(parent);
    current = get(parent);
  }
  return false;
}
