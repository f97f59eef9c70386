// Which (property, value) pairs of a resource go into the query index. Shared by every engine so
// that queries mean the same thing everywhere.

import type { JsonAdValue, PropVals } from '../atomic/json-ad.js';

/** The string a scalar value is indexed under, or undefined for values that are not indexed. */
export function indexValueKey(value: JsonAdValue): string | undefined {
  if (typeof value === 'string') return value.length <= 400 ? value : undefined;
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  return undefined;
}

/** The (property, value) pairs under which a resource is found. */
export function* indexEntries(propvals: PropVals): Generator<[property: string, value: string]> {
  for (const [property, value] of Object.entries(propvals)) {
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
