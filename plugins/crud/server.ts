// The plugin's view of the server, through the host functions (docs/plugins/abi.md): resources,
// queries, the requester's rights (`can`) and commits made on the requester's behalf
// (`on_behalf_of`). Nothing is kept between calls (the host may run each call on a fresh
// instance); what one call needs twice it keeps in local variables. Host refusals become
// CrudErrors with the status the API answers.

import { can, commit, getConfig, getResource as hostGetResource, queryAll, refusalStatus, serverUrl as hostServerUrl, type CommitChanges, type HostError, type Json, type JsonObject, type PropVals } from 'atomic-plugin/sdk/js';
import { CrudError } from './items.js';

/** At most this many subjects per `can` call (contract A). */
const CAN_CHUNK = 10_000;

function isObject(value: Json | undefined): value is JsonObject {
  return value !== null && value !== undefined && typeof value === 'object' && !Array.isArray(value);
}

function hostFailure(what: string, error: HostError): CrudError {
  return new CrudError(502, `${what} failed: ${error.code}: ${error.message}`);
}

/** The plugin's config (contract C): the classes served and where new instances go. */
export interface CrudConfig {
  /** Class URLs; empty serves every Class on the server. */
  readonly classes: readonly string[];
  /** Class URL → the parent of its new instances. */
  readonly parents: Readonly<Record<string, string>>;
}

/** Reads the config, which the host has checked against plugin.json's configSchema. */
export function readConfig(): CrudConfig {
  const result = getConfig();
  if (!result.ok) throw hostFailure('reading the config', result.error);
  const { classes, parents } = result.value;
  return {
    classes: Array.isArray(classes) ? classes.filter((c): c is string => typeof c === 'string') : [],
    parents: isObject(parents) ? (Object.fromEntries(Object.entries(parents).filter(([, v]) => typeof v === 'string')) as Record<string, string>) : {},
  };
}

/** The server's URL, which is also its drive: the plugin agent's subject is `{server}/agents/{key}`. */
export function serverUrl(): string {
  const result = hostServerUrl();
  if (!result.ok) throw hostFailure('get_plugin_agent', result.error);
  return result.value;
}

/** A resource as the plugin's agent reads it; `undefined` when there is none. */
export function getResource(subject: string): PropVals | undefined {
  const result = hostGetResource(subject);
  if (!result.ok) {
    if (result.error.code === 'NOT_FOUND') return undefined;
    throw hostFailure(`reading ${subject}`, result.error);
  }
  const { '@id': _id, ...propvals } = result.value;
  return propvals;
}

/** Subjects found by a query, with the resources when the host sent them along. */
export interface Found {
  readonly subjects: string[];
  readonly resources: Map<string, PropVals>;
}

/**
 * Every local subject with `property` = `value`, in the host's order, paging through the `query`
 * host function; with `withResources`, the host sends each member's resource along.
 */
export function findAll(property: string, value: string, withResources: boolean): Found {
  const result = queryAll(property, value, { includeResources: withResources });
  if (!result.ok) throw hostFailure(`querying ${property}=${value}`, result.error);
  const resources = new Map<string, PropVals>();
  for (const { '@id': id, ...propvals } of result.value.resources ?? []) resources.set(id, propvals);
  return { subjects: result.value.members, resources };
}

/** The resources of `subjects` (those that still exist), from `known` or read one by one. */
export function resourcesOf(subjects: readonly string[], known: ReadonlyMap<string, PropVals>): Map<string, PropVals> {
  const out = new Map<string, PropVals>();
  for (const subject of subjects) {
    const propvals = known.get(subject) ?? getResource(subject);
    if (propvals !== undefined) out.set(subject, propvals);
  }
  return out;
}

/**
 * The subjects among `subjects` on which `agent` (`null`: anonymous) has `right`, by the server's
 * own rules, in the order given.
 */
export function allowed(agent: string | null, right: 'read' | 'write', subjects: readonly string[]): string[] {
  const yes = new Set<string>();
  for (let i = 0; i < subjects.length; i += CAN_CHUNK) {
    const result = can(agent, right, subjects.slice(i, i + CAN_CHUNK));
    if (!result.ok) throw hostFailure(`checking ${right} rights`, result.error);
    for (const s of result.value) yes.add(s);
  }
  return subjects.filter((s) => yes.has(s));
}

/**
 * Applies a commit signed by the plugin's agent on behalf of `requester` (contract A): the host
 * checks the rights of both. `fieldOf` names the field an INVALID_VALUE is about, from its
 * message (`{property URL}: ...`).
 */
export function commitFor(requester: string, changes: CommitChanges, fieldOf: (message: string) => string | undefined): void {
  const result = commit(changes, { onBehalfOf: requester });
  if (result.ok) return;
  const { message } = result.error;
  const status = refusalStatus(result.error);
  if (status === undefined) throw hostFailure('the commit', result.error);
  const field = status === 400 ? fieldOf(message) : undefined;
  throw new CrudError(status, message, field);
}
