// Which (property, value) pairs of a resource go into the query index. Shared by every engine so
// that queries mean the same thing everywhere.

import type { JsonAdValue, PropVals } from '../atomic/json-ad.js';
import { classes, props } from '../atomic/urls.js';

// Commits are most of what a store holds and are looked up by what they changed and who signed
// them; indexing their other values (signature, createdAt, set...) would triple the writes per
// commit for queries nobody makes.
const COMMIT_INDEXED: ReadonlySet<string> = new Set([props.isA, props.commit.subject, props.commit.signer]);

// lastCommit changes with every edit and nobody looks resources up by it.
const NEVER_INDEXED: ReadonlySet<string> = new Set([props.lastCommit]);

function isCommit(propvals: PropVals): boolean {
  const isA = propvals[props.isA];
  return Array.isArray(isA) && isA.includes(classes.commit);
}

/** The string a scalar value is indexed under, or undefined for values that are not indexed. */
export function indexValueKey(value: JsonAdValue): string | undefined {
  if (typeof value === 'string') return value.length <= 400 ? value : undefined;
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  return undefined;
}

/** The (property, value) pairs under which a resource is found. */
export function* indexEntries(propvals: PropVals): Generator<[property: string, value: string]> {
  const commit = isCommit(propvals);
  for (const [property, value] of Object.entries(propvals)) {
    if (commit ? !COMMIT_INDEXED.has(property) : NEVER_INDEXED.has(property)) continue;
    const items = Array.isArray(value) ? value : [value];
    const seen = new Set<string>();
    for (const item of items) {
      const key = indexValueKey(item);
      if (key !== undefined && !seen.has(key)) {
        seen.add(key);
        yield [property, key];
      }
    }
  }
}
