// JSON-AD values and resources: the shapes the protocol code passes around, and the checks that
// untrusted JSON really has those shapes.

/** A JSON-AD value: a string, number, boolean, array of values, or a nested object. `null` is not a value. */
export type JsonAdValue = string | number | boolean | JsonAdValue[] | { [key: string]: JsonAdValue };

/** The property-value pairs of a resource, keyed by full property URL. */
export type PropVals = Record<string, JsonAdValue>;

/** A resource: its subject and its property-value pairs. */
export interface Resource {
  subject: string;
  propvals: PropVals;
}

/** True for a plain JSON object (not an array, not null). */
export function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Throws a TypeError naming `path` unless `value` is a JSON-AD value (no nulls anywhere). */
export function assertJsonAdValue(value: unknown, path: string): asserts value is JsonAdValue {
  if (typeof value === 'string' || typeof value === 'boolean') return;
  if (typeof value === 'number') {
    if (!Number.isFinite(value)) throw new TypeError(`${path}: numbers must be finite`);
    return;
  }
  if (Array.isArray(value)) {
    value.forEach((item, i) => assertJsonAdValue(item, `${path}[${i}]`));
    return;
  }
  if (isObject(value)) {
    for (const [k, v] of Object.entries(value)) assertJsonAdValue(v, `${path}.${k}`);
    return;
  }
  throw new TypeError(`${path}: ${value === null ? 'null is not a value in JSON-AD' : `unsupported value of type ${typeof value}`}`);
}

/** True when `value` is an absolute http(s) URL. */
export function isHttpUrl(value: string): boolean {
  if (!value.startsWith('http://') && !value.startsWith('https://')) return false;
  return URL.canParse(value);
}

/** JSON with object keys sorted at every level: the canonical form commits are signed in. */
export function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (isObject(value)) {
    const keys = Object.keys(value).filter((k) => value[k] !== undefined).sort();
    return `{${keys.map((k) => `${JSON.stringify(k)}:${canonicalJson(value[k])}`).join(',')}}`;
  }
  return JSON.stringify(value);
}
