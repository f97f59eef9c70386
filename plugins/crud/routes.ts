// The routes of contract C under /crud/{class}: list, get, create, replace, patch and delete.
// Reads go through the plugin's agent and are then narrowed to what the requester may read (`can`);
// writes are commits on the requester's behalf, so the host refuses what the requester may not do.

import type { Json, JsonObject, PropVals } from 'atomic-plugin/sdk/js';
import { applyChanges, CrudError, lastSegment, readBody, toItem, type Changes, type WriteKind } from './items.js';
import { isA, props, type ClassSchema } from './schema.js';
import { allowed, commitFor, findAll, getResource, resourcesOf, serverUrl, type CrudConfig } from './server.js';
import { datatypes, indexText, matchesFilter, parseFilter, type FilterValue } from './values.js';

/** What the routes answer: a status, a JSON body (none for 204) and extra headers. */
export interface Answer {
  readonly status: number;
  readonly body?: Json;
  readonly headers?: Record<string, string>;
}

/** What every route of one request knows. */
export interface Context {
  readonly schema: ClassSchema;
  readonly config: CrudConfig;
  /** The authenticated requester; `null` when anonymous. */
  readonly agent: string | null;
}

const DEFAULT_PAGE_SIZE = 50;
const MAX_PAGE_SIZE = 1000;
/** The server's query index leaves out longer strings, so a filter on one scans the class instead. */
const MAX_INDEXED_TEXT = 400;

function integerParam(query: Readonly<Record<string, string>>, name: string, fallback: number, min: number, max: number): number {
  const text = query[name];
  if (text === undefined || text === '') return fallback;
  const n = Number(text);
  if (!/^\d+$/.test(text) || n < min || n > max) throw new CrudError(400, `"${name}" must be an integer from ${min} to ${max}`, name);
  return n;
}

interface Filter {
  readonly property: string;
  readonly value: FilterValue;
}

function readFilters(schema: ClassSchema, query: Readonly<Record<string, string>>): Filter[] {
  const filters: Filter[] = [];
  for (const [name, text] of Object.entries(query)) {
    if (name === 'page' || name === 'pageSize') continue;
    const property = name === 'parent' ? { url: props.parent, datatype: datatypes.atomicUrl } : schema.properties.find((p) => p.shortname === name);
    if (property === undefined) throw new CrudError(400, `cannot filter on "${name}": it is not a property of ${schema.shortname}`, name);
    const parsed = parseFilter(property.datatype, text);
    if ('problem' in parsed) throw new CrudError(400, `filter "${name}": ${parsed.problem}`, name);
    filters.push({ property: property.url, value: parsed.value });
  }
  return filters;
}

/**
 * The instances of the class that pass the filters, in the server's order, with the resources
 * read on the way. With filters, the query index finds the candidates by the first filter that it
 * can look up, and the rest are checked here.
 */
function matching(schema: ClassSchema, filters: readonly Filter[]): { subjects: string[]; known: Map<string, PropVals> } {
  if (filters.length === 0) {
    const found = findAll(props.isA, schema.url, false);
    return { subjects: found.subjects, known: found.resources };
  }
  const lookup = filters.find((f) => indexText(f.value).length <= MAX_INDEXED_TEXT);
  const found = lookup ? findAll(lookup.property, indexText(lookup.value), true) : findAll(props.isA, schema.url, true);
  const known = resourcesOf(found.subjects, found.resources);
  const subjects = found.subjects.filter((s) => {
    const propvals = known.get(s);
    return propvals !== undefined && isA(propvals, schema.url) && filters.every((f) => matchesFilter(propvals[f.property], f.value));
  });
  return { subjects, known };
}

/** `GET /crud/{class}`: a page of the instances the requester may read, filtered by exact values. */
export function list(ctx: Context, query: Readonly<Record<string, string>>): Answer {
  const page = integerParam(query, 'page', 0, 0, Number.MAX_SAFE_INTEGER);
  const pageSize = integerParam(query, 'pageSize', DEFAULT_PAGE_SIZE, 1, MAX_PAGE_SIZE);
  const { subjects, known } = matching(ctx.schema, readFilters(ctx.schema, query));
  const readable = allowed(ctx.agent, 'read', subjects);
  const onPage = readable.slice(page * pageSize, (page + 1) * pageSize);
  const resources = resourcesOf(onPage, known);
  const items = onPage.filter((s) => resources.has(s)).map((s) => toItem(ctx.schema, s, resources.get(s)!));
  return { status: 200, body: { items, total: readable.length, page, pageSize } };
}

/** Where new instances of the class go unless the body names a parent: the config's, or the drive. */
function defaultParent(ctx: Context): string {
  return ctx.config.parents[ctx.schema.url] ?? serverUrl();
}

/**
 * The instance with this id that the requester may read: `{default parent}/{id}` (where this API
 * creates them), else the first instance of the class whose subject ends in `/{id}`. 404 otherwise,
 * also when such instances exist but the requester may read none of them.
 */
function find(ctx: Context, id: string): { subject: string; propvals: PropVals } {
  const notFound = new CrudError(404, `no ${ctx.schema.shortname} with id "${id}"`);
  const direct = `${defaultParent(ctx)}/${id}`;
  const propvals = getResource(direct);
  if (propvals !== undefined && isA(propvals, ctx.schema.url) && allowed(ctx.agent, 'read', [direct]).length > 0) return { subject: direct, propvals };
  const elsewhere = findAll(props.isA, ctx.schema.url, false).subjects.filter((s) => s !== direct && lastSegment(s) === id);
  for (const subject of allowed(ctx.agent, 'read', elsewhere)) {
    const found = getResource(subject);
    if (found !== undefined) return { subject, propvals: found };
  }
  throw notFound;
}

/** `GET /crud/{class}/{id}`. */
export function get(ctx: Context, id: string): Answer {
  const { subject, propvals } = find(ctx, id);
  return { status: 200, body: toItem(ctx.schema, subject, propvals) };
}

function requester(ctx: Context): string {
  if (ctx.agent === null) throw new CrudError(401, 'sign the request as an agent to change resources (x-atomic-* headers)');
  return ctx.agent;
}

/** The shortname an INVALID_VALUE from the host is about (its message starts with the property URL). */
function fieldOf(ctx: Context): (message: string) => string | undefined {
  return (message) => {
    if (message.includes(props.parent)) return 'parent';
    return ctx.schema.properties.find((p) => message.startsWith(`${p.url}:`))?.shortname;
  };
}

function checkParent(changes: Changes): void {
  if (changes.parent !== undefined && getResource(changes.parent) === undefined) {
    throw new CrudError(400, `"parent": ${changes.parent} does not exist`, 'parent');
  }
}

/** A new id: time first (so the server's subject order is creation order), then randomness. */
function newId(): string {
  let random = '';
  while (random.length < 10) random += Math.floor(Math.random() * 36).toString(36);
  return `${Date.now().toString(36).padStart(9, '0')}${random}`;
}

/** `POST /crud/{class}`: 201 with the item and its `location`. */
export function create(ctx: Context, body: Json): Answer {
  const agent = requester(ctx);
  const changes = readBody(ctx.schema, 'create', body);
  checkParent(changes);
  const parent = changes.parent ?? defaultParent(ctx);
  const id = newId();
  const subject = `${parent}/${id}`;
  const set: PropVals = { [props.isA]: [ctx.schema.url], [props.parent]: parent, ...changes.set };
  commitFor(agent, { subject, set }, fieldOf(ctx));
  return { status: 201, body: toItem(ctx.schema, subject, set), headers: { location: `/crud/${encodeURIComponent(ctx.schema.shortname)}/${id}` } };
}

/** `PUT` (replace) and `PATCH` (merge; `null` removes) of `/crud/{class}/{id}`. */
export function update(ctx: Context, id: string, kind: Exclude<WriteKind, 'create'>, body: Json): Answer {
  const agent = requester(ctx);
  const { subject, propvals } = find(ctx, id);
  const changes = readBody(ctx.schema, kind, body, subject, propvals);
  checkParent(changes);
  const set: PropVals = changes.parent === undefined ? changes.set : { ...changes.set, [props.parent]: changes.parent };
  if (Object.keys(set).length === 0 && changes.remove.length === 0) {
    // Nothing to commit; still only those who could have written it get an answer that says it worked.
    if (allowed(agent, 'write', [subject]).length === 0) throw new CrudError(403, `${agent} may not change ${subject}`);
  } else {
    commitFor(agent, { subject, set, remove: changes.remove }, fieldOf(ctx));
  }
  return { status: 200, body: toItem(ctx.schema, subject, applyChanges(propvals, changes)) };
}

/** `DELETE /crud/{class}/{id}`: 204. */
export function remove(ctx: Context, id: string): Answer {
  const agent = requester(ctx);
  const { subject } = find(ctx, id);
  commitFor(agent, { subject, destroy: true }, fieldOf(ctx));
  return { status: 204 };
}

/** The plain JSON of a request body; 400 when it is not JSON. */
export function parseBody(text: string): Json {
  try {
    return JSON.parse(text) as Json;
  } catch {
    throw new CrudError(400, 'the body is not JSON');
  }
}

/** What `GET /crud` lists about a class. */
export function classEntry(shortname: string, url: string): JsonObject {
  return { shortname, class: url, endpoint: `/crud/${encodeURIComponent(shortname)}` };
}
