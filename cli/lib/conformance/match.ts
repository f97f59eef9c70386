// Comparing a response's JSON with what a fixture expects, as a list of differences (where, what
// was expected, what came) rather than a yes/no, so that a failing check can show them.

/** One place where the answer is not what was expected. */
export interface Difference {
  /** Where: `status`, `headers.content-type`, `json.versions[0].signer`, `body`... */
  path: string;
  expected: unknown;
  /** `undefined` when nothing was there. */
  got: unknown;
}

/** The kind matchers fixtures may use in expected JSON. */
const KINDS: Record<string, (value: unknown) => boolean> = {
  '{{*string}}': (v) => typeof v === 'string',
  '{{*number}}': (v) => typeof v === 'number',
  '{{*any}}': (v) => v !== undefined,
};

/** The marker that makes an expected array a prefix of the actual one. */
export const PREFIX_MARKER = '...';

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

function childPath(path: string, key: string | number): string {
  return typeof key === 'number' ? `${path}[${key}]` : /^[A-Za-z_$][\w$-]*$/.test(key) ? `${path}.${key}` : `${path}[${JSON.stringify(key)}]`;
}

/**
 * Checks that `got` holds `expected` as a deep subset: every key of an expected object must match;
 * an expected array must have as many elements, matched in order, unless its last element is
 * "...", which makes it a prefix. Returns the differences (none when it matches).
 *
 * @example matchJson({ a: [1, '...'] }, { a: [1, 2], b: 3 }) // []
 */
export function matchJson(expected: unknown, got: unknown, path = 'json'): Difference[] {
  if (typeof expected === 'string' && Object.hasOwn(KINDS, expected)) {
    return KINDS[expected]!(got) ? [] : [{ path, expected, got }];
  }
  if (Array.isArray(expected)) {
    if (!Array.isArray(got)) return [{ path, expected, got }];
    const prefix = expected.at(-1) === PREFIX_MARKER;
    const items = prefix ? expected.slice(0, -1) : expected;
    if (prefix ? got.length < items.length : got.length !== items.length) {
      return [{ path: `${path}.length`, expected: prefix ? `at least ${items.length}` : items.length, got: got.length }];
    }
    return items.flatMap((item, i) => matchJson(item, got[i], childPath(path, i)));
  }
  if (isObject(expected)) {
    if (!isObject(got)) return [{ path, expected, got }];
    return Object.entries(expected).flatMap(([key, value]) => matchJson(value, got[key], childPath(path, key)));
  }
  return Object.is(expected, got) ? [] : [{ path, expected, got }];
}

/**
 * The value at a dotted path (`versions.0.commit`) in a JSON value. Keys may hold dots themselves
 * (property URLs do), so at each level the longest run of segments that is a key wins.
 */
export function valueAt(value: unknown, path: string): unknown {
  const segments = path.split('.');
  let current = value;
  let i = 0;
  while (i < segments.length) {
    if (Array.isArray(current)) {
      const index = Number(segments[i]);
      if (!Number.isInteger(index)) return undefined;
      current = current[index];
      i += 1;
      continue;
    }
    if (!isObject(current)) return undefined;
    let matched = false;
    for (let end = segments.length; end > i; end--) {
      const key = segments.slice(i, end).join('.');
      if (Object.hasOwn(current, key)) {
        current = current[key];
        i = end;
        matched = true;
        break;
      }
    }
    if (!matched) return undefined;
  }
  return current;
}
