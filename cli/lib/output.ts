// Human-readable output shared by the commands: aligned "label  value" lines and resources as text.

/** Any JSON value, as `JSON.parse` can return it. */
export type JsonValue = string | number | boolean | null | JsonValue[] | { [key: string]: JsonValue };

/**
 * Lines of `label  value`, labels padded to one column; continuation lines of multi-line values are
 * indented to the value column.
 *
 * @example formatFields([['Subject', 'http://localhost:9883/agents/abc'], ['Public key', 'abc']])
 */
export function formatFields(fields: ReadonlyArray<readonly [label: string, value: string]>): string {
  const width = Math.max(0, ...fields.map(([label]) => label.length));
  const indent = ' '.repeat(width + 2);
  return fields.map(([label, value]) => `${label.padEnd(width)}  ${value.split('\n').join(`\n${indent}`)}`).join('\n');
}

/**
 * The label of a property: the last path segment of its URL (`.../properties/name` → `name`), or the
 * key itself when it has none (or is a plain-JSON shortname already).
 */
export function propertyLabel(property: string): string {
  try {
    const last = new URL(property).pathname.split('/').filter(Boolean).at(-1);
    return last ? decodeURIComponent(last) : property;
  } catch {
    return property;
  }
}

/** A value on one line: arrays joined with ", ", nested objects as compact JSON. */
export function formatValue(value: JsonValue): string {
  if (Array.isArray(value)) return value.map(formatValue).join(', ');
  if (value !== null && typeof value === 'object') return JSON.stringify(value);
  return String(value);
}

/** A JSON-AD resource as text: its subject on the first line, then one line per property. */
export function formatResource(resource: { [key: string]: JsonValue }, fallbackSubject: string): string {
  const subject = typeof resource['@id'] === 'string' ? resource['@id'] : fallbackSubject;
  const fields = Object.entries(resource)
    .filter(([key]) => key !== '@id')
    .map(([key, value]) => [propertyLabel(key), formatValue(value)] as const);
  return fields.length > 0 ? `${subject}\n${formatFields(fields)}` : subject;
}

/**
 * Progress of long work (building, uploading, waiting) for people: on stderr, so that stdout holds
 * only the result, and printed with --json too (oclif's own logToStderr stays quiet then).
 */
export function progress(line: string): void {
  process.stderr.write(`${line}\n`);
}
