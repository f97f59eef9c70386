// Items: the plain JSON face of a resource (`@id`, `id`, the class's properties and `parent` by
// shortname), and the reverse: a client's JSON body checked against the class and turned into the
// changes of a commit, for create, replace and patch. Pure, like values.ts.

import type { Json, JsonObject, PropVals } from 'atomic-plugin/sdk/js';
import { props, type ClassSchema, type PropertyDef } from './schema.js';
import { valueProblem } from './values.js';

/** A refusal the API answers with: an HTTP status, a message, and the field it is about, if any. */
export class CrudError extends Error {
  constructor(
    readonly status: number,
    message: string,
    readonly field?: string,
  ) {
    super(message);
  }
}

/** The last path segment of a subject: an item's `id`. */
export function lastSegment(subject: string): string {
  return subject.slice(subject.lastIndexOf('/') + 1);
}

/** The item for a resource of the class. */
export function toItem(schema: ClassSchema, subject: string, propvals: PropVals): JsonObject {
  const item: JsonObject = { '@id': subject, id: lastSegment(subject) };
  for (const p of schema.properties) {
    const value = propvals[p.url];
    if (value !== undefined) item[p.shortname] = value;
  }
  const parent = propvals[props.parent];
  if (typeof parent === 'string') item.parent = parent;
  return item;
}

/** What a write changes: property-value pairs to set, properties to remove, and a new parent. */
export interface Changes {
  readonly set: PropVals;
  readonly remove: string[];
  /** The parent to set, if the body names one. */
  readonly parent?: string;
}

/** How a body is read: a new resource, a whole replacement, or a merge (`null` removes). */
export type WriteKind = 'create' | 'replace' | 'patch';

function isObject(value: Json): value is JsonObject {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

function checkId(kind: WriteKind, key: '@id' | 'id', value: Json, subject: string | undefined): void {
  if (kind === 'create' || subject === undefined) throw new CrudError(400, `"${key}" is chosen by the server: leave it out`, key);
  const expected = key === '@id' ? subject : lastSegment(subject);
  if (value !== expected) throw new CrudError(400, `"${key}" is ${JSON.stringify(value)}, but this is ${expected}`, key);
}

function readParent(kind: WriteKind, value: Json): string | undefined {
  if (value === null) {
    if (kind === 'patch') throw new CrudError(400, 'a resource must keep a parent: "parent" cannot be removed', 'parent');
    return undefined;
  }
  const problem = valueProblem('https://atomicdata.dev/datatypes/atomicURL', value);
  if (problem !== undefined || typeof value !== 'string') throw new CrudError(400, `"parent": ${problem ?? 'expected a resource URL'}`, 'parent');
  return value;
}

/**
 * Reads a body for `kind` against the class: every key must be one of its properties' shortnames,
 * `parent`, or (for replace and patch) the item's own `@id`/`id`; every value must fit its
 * property's datatype; required properties must be there after the write. `subject` and
 * `existing` are the resource being changed (absent for create).
 * Throws CrudError 400 naming the field.
 */
export function readBody(schema: ClassSchema, kind: WriteKind, body: Json, subject?: string, existing: PropVals = {}): Changes {
  if (!isObject(body)) throw new CrudError(400, 'the body must be a JSON object with property shortnames as keys');
  const byName = new Map<string, PropertyDef>(schema.properties.map((p) => [p.shortname, p]));
  const set: PropVals = {};
  const given = new Set<string>();
  const nulls = new Set<string>();
  let parent: string | undefined;
  for (const [key, value] of Object.entries(body)) {
    if (key === '@id' || key === 'id') {
      checkId(kind, key, value, subject);
      continue;
    }
    if (key === 'parent') {
      parent = readParent(kind, value);
      continue;
    }
    const property = byName.get(key);
    if (property === undefined) {
      const known = [...byName.keys(), 'parent'].join(', ');
      throw new CrudError(400, `"${key}" is not a property of ${schema.shortname} (it has: ${known})`, key);
    }
    if (value === null) {
      nulls.add(property.url);
      continue;
    }
    const problem = valueProblem(property.datatype, value, property.allowsOnly);
    if (problem !== undefined) throw new CrudError(400, `"${key}": ${problem}`, key);
    set[property.url] = value;
    given.add(property.url);
  }
  for (const p of schema.properties) {
    if (!p.required) continue;
    const missing = kind === 'patch' ? nulls.has(p.url) : !given.has(p.url);
    if (missing) throw new CrudError(400, `"${p.shortname}" is required`, p.shortname);
  }
  // Replace removes what the body leaves out; patch removes what it sets to null.
  const removed = kind === 'replace' ? schema.properties.filter((p) => !given.has(p.url)).map((p) => p.url) : kind === 'patch' ? [...nulls] : [];
  const remove = removed.filter((url) => existing[url] !== undefined);
  return parent === undefined ? { set, remove } : { set, remove, parent };
}

/** The resource's property-value pairs once `changes` are applied. */
export function applyChanges(existing: PropVals, changes: Changes): PropVals {
  const out: PropVals = { ...existing, ...changes.set };
  for (const url of changes.remove) delete out[url];
  if (changes.parent !== undefined) out[props.parent] = changes.parent;
  return out;
}
