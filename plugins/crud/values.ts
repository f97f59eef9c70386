// Plain JSON values against Atomic Data datatypes: whether a value a client sends fits its
// property, how a filter's query-string text becomes a typed value, and when a stored value matches
// a filter. Pure functions, so the sandbox and the unit tests run the same code. The same rules as
// the server's server/atomic/datatypes.ts, restated because a plugin sees only the public SDK and
// the sandbox has no `URL` (URLs are checked by their shape here).

import { core, type Json } from 'atomic-plugin/sdk/js';

/** The datatype URLs of the core ontology. */
export const datatypes = core.datatypes;

const SLUG = /^[a-z0-9]+(?:-[a-z0-9]+)*$/;
const DATE = /^(\d{4})-(\d{2})-(\d{2})$/;
const HTTP_URL = /^https?:\/\/[^\s/?#@]+(?:[/?#]\S*)?$/;
const IPFS_URL = /^ipfs:\/\/[A-Za-z0-9]+$/;
const URI = /^[A-Za-z][A-Za-z0-9+.-]*:\S+$/;
const INTEGER_TEXT = /^-?\d+$/;
const FLOAT_TEXT = /^-?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?$/;

function isResourceUrl(value: Json): boolean {
  return typeof value === 'string' && (HTTP_URL.test(value) || IPFS_URL.test(value));
}

function isDate(value: string): boolean {
  const m = DATE.exec(value);
  if (!m) return false;
  const [year, month, day] = [Number(m[1]), Number(m[2]), Number(m[3])];
  const d = new Date(Date.UTC(year, month - 1, day));
  return d.getUTCFullYear() === year && d.getUTCMonth() === month - 1 && d.getUTCDate() === day;
}

/**
 * Why `value` does not fit `datatype`, or undefined when it does. `allowsOnly` (a property's
 * allowed values, if it has that list) restricts the value, or each item of an array, further.
 * An unknown datatype takes any value but `null`.
 */
export function valueProblem(datatype: string, value: Json, allowsOnly: readonly string[] = []): string | undefined {
  const problem = datatypeProblem(datatype, value);
  if (problem !== undefined) return problem;
  if (allowsOnly.length > 0) {
    const items = Array.isArray(value) ? value : [value];
    const outside = items.find((item) => typeof item !== 'string' || !allowsOnly.includes(item));
    if (outside !== undefined) return `${JSON.stringify(outside)} is not one of the allowed values (${allowsOnly.join(', ')})`;
  }
  return undefined;
}

function datatypeProblem(datatype: string, value: Json): string | undefined {
  switch (datatype) {
    case datatypes.string:
    case datatypes.markdown:
      return typeof value === 'string' ? undefined : 'expected a string';
    case datatypes.slug:
      return typeof value === 'string' && SLUG.test(value) ? undefined : 'expected a slug (lowercase letters, digits and single dashes)';
    case datatypes.integer:
      return typeof value === 'number' && Number.isSafeInteger(value) ? undefined : 'expected an integer';
    case datatypes.float:
      return typeof value === 'number' && Number.isFinite(value) ? undefined : 'expected a number';
    case datatypes.boolean:
      return typeof value === 'boolean' ? undefined : 'expected true or false';
    case datatypes.timestamp:
      return typeof value === 'number' && Number.isSafeInteger(value) ? undefined : 'expected a timestamp (milliseconds since 1970 as an integer)';
    case datatypes.date:
      return typeof value === 'string' && isDate(value) ? undefined : 'expected a date as YYYY-MM-DD';
    case datatypes.atomicUrl:
      return isResourceUrl(value) ? undefined : 'expected a resource URL';
    case datatypes.resourceArray:
      return Array.isArray(value) && value.every(isResourceUrl) ? undefined : 'expected an array of resource URLs';
    case datatypes.uri:
      return typeof value === 'string' && URI.test(value) ? undefined : 'expected a URI';
    default:
      return value === null ? 'expected a value' : undefined;
  }
}

/** A value a filter matches: the scalars the server's query index files. */
export type FilterValue = string | number | boolean;

/** A filter value read from the query string, or why it cannot be one for `datatype`. */
export type ParsedFilter = { readonly value: FilterValue } | { readonly problem: string };

/**
 * The typed value a filter's text stands for: `completed=true` is `true` for a boolean, `5` a
 * number for an integer. For a resource array the text is one URL, matched as a member.
 */
export function parseFilter(datatype: string, text: string): ParsedFilter {
  switch (datatype) {
    case datatypes.integer:
    case datatypes.timestamp:
      return INTEGER_TEXT.test(text) && Number.isSafeInteger(Number(text)) ? { value: Number(text) } : { problem: 'expected an integer' };
    case datatypes.float:
      return FLOAT_TEXT.test(text) ? { value: Number(text) } : { problem: 'expected a number' };
    case datatypes.boolean:
      return text === 'true' || text === 'false' ? { value: text === 'true' } : { problem: 'expected true or false' };
    case datatypes.json:
      return { problem: 'JSON values cannot be filtered on' };
    case datatypes.resourceArray: {
      const problem = datatypeProblem(datatypes.atomicUrl, text);
      return problem === undefined ? { value: text } : { problem };
    }
    default: {
      const problem = datatypeProblem(datatype, text);
      return problem === undefined ? { value: text } : { problem };
    }
  }
}

/** Whether a stored value matches a filter value: equal, or for an array, one of its members. */
export function matchesFilter(stored: Json | undefined, wanted: FilterValue): boolean {
  if (stored === undefined) return false;
  if (Array.isArray(stored)) return stored.some((item) => item === wanted);
  return stored === wanted;
}

/**
 * The text the server's query index files a scalar under (the `value` of a `query` host call):
 * strings as they are, numbers and booleans as text.
 */
export function indexText(value: FilterValue): string {
  return String(value);
}
