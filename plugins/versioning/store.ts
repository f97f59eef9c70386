// The plugin's view of the server through the host functions (docs/plugins/abi.md): a resource's
// current state and its commits, found through the query index by the commit's `subject`
// property, and the requester's rights by the server's own rules (`can`). Refusals and failures
// become VersioningErrors carrying the status the endpoint answers.

import { can, getResource, queryAll, type HostError, type PropVals, type Right } from 'atomic-plugin/sdk/js';
import { commitProps, ordered, readVersion, type Version } from './history.js';

/** A refusal with the HTTP status to answer it with. */
export class VersioningError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

function hostFailure(what: string, error: HostError): VersioningError {
  return new VersioningError(502, `${what} failed: ${error.code}: ${error.message}`);
}

/** A resource's current state and every commit of it. */
export interface History {
  readonly subject: string;
  /** Its property-value pairs now; `undefined` once destroyed. */
  readonly current: PropVals | undefined;
  /** Oldest first. */
  readonly versions: Version[];
}

/** A resource as the plugin's agent reads it, without `@id`; `undefined` when there is none. */
function read(subject: string): PropVals | undefined {
  const result = getResource(subject);
  if (result.ok) {
    const { '@id': _id, ...propvals } = result.value;
    return propvals;
  }
  // What the plugin's own agent may not read, it has no history of either.
  if (result.error.code === 'NOT_FOUND' || result.error.code === 'FORBIDDEN' || result.error.code === 'UNAUTHORIZED') return undefined;
  throw hostFailure(`reading ${subject}`, result.error);
}

/**
 * The history of `subject` on the server at `server`. 404 when there is neither a resource nor
 * a commit of it.
 */
export function loadHistory(server: string, subject: string): History {
  const current = read(subject);
  const found = queryAll(commitProps.subject, subject, { includeResources: true });
  if (!found.ok) throw hostFailure(`finding the commits of ${subject}`, found.error);
  const onBehalfOf = `${server}/ontology/on-behalf-of`;
  const appliedAfter = `${server}/ontology/applied-after`;
  const versions = (found.value.resources ?? [])
    .map(({ '@id': commit, ...propvals }) => readVersion(commit, propvals, onBehalfOf, appliedAfter))
    .filter((v): v is Version => v !== undefined);
  if (current === undefined && versions.length === 0) throw new VersioningError(404, `${subject} has no versions here: there is no such resource on this server, and no commit of it`);
  return { subject, current, versions: ordered(versions) };
}

function has(agent: string | null, right: Right, subject: string): boolean {
  const result = can(agent, right, [subject]);
  if (!result.ok) throw hostFailure(`checking ${right} rights`, result.error);
  return result.value.includes(subject);
}

/**
 * Refuses (401 anonymous, 403 otherwise) a requester who may not read the resource. Once it is
 * destroyed, its history is readable as its commits are: by whoever may read the drive.
 */
export function checkRead(server: string, history: History, agent: string | null): void {
  const destroyed = history.current === undefined;
  if (has(agent, 'read', destroyed ? server : history.subject)) return;
  const what = destroyed ? `the history of ${history.subject}, which was destroyed, is readable by those who may read the drive` : `${history.subject} is not readable`;
  if (agent === null) throw new VersioningError(401, `${what}: sign the request as an agent who may read it`);
  throw new VersioningError(403, `${agent} may not read ${destroyed ? `the history of ${history.subject}` : history.subject}`);
}

/**
 * Refuses (403) a requester who may not write the resource. A destroyed resource is created
 * again, which the host allows those who may append to its parent.
 */
export function checkWrite(history: History, agent: string): void {
  if (history.current !== undefined && !has(agent, 'write', history.subject)) throw new VersioningError(403, `${agent} may not write ${history.subject}`);
}

/**
 * Where `commit` is in the history: 400 when it is not a commit URL, or is a commit of another
 * resource; 404 when there is no such commit.
 */
export function indexOfCommit(history: History, commit: string): number {
  const index = history.versions.findIndex((v) => v.commit === commit);
  if (index >= 0) return index;
  if (!/^https?:\/\//.test(commit)) throw new VersioningError(400, `"commit" must be the URL of a commit of ${history.subject}, got ${JSON.stringify(commit)}`);
  const found = read(commit);
  if (found === undefined) throw new VersioningError(404, `there is no commit ${commit}`);
  if (typeof found[commitProps.subject] !== 'string' || found[commitProps.signer] === undefined) throw new VersioningError(400, `${commit} is not a commit`);
  // Which resource it is a commit of is not said: the requester may not be allowed to read that.
  throw new VersioningError(400, `${commit} is a commit of another resource, not of ${history.subject}`);
}
