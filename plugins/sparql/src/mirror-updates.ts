// A SPARQL UPDATE on the mirror becomes Commits: its exact added and removed triples, grouped by
// subject into one commit each (set the changed properties, remove emptied ones, destroy a
// resource that loses every triple; lists are set whole), applied all or nothing with one
// `commit_batch` on behalf of the requester, so the host checks the requester's rights on each
// subject and every other plugin's hooks see the commits. What Atomic Data cannot say (blank
// nodes, predicates that are no Property, literals that do not fit the datatype, subjects on other
// servers) is refused with a 400 that names the subject, before anything is applied.

import { BatchRefused, canAll, commitBatch, HostError, readResource, type CommitChanges, type HttpResponse } from 'atomic-plugin/sdk/node';
import type { Quad, Term } from 'oxigraph';
import { atomic, isListDatatype, termValue, valueTerms, type JsonValue } from './atomic-rdf.js';
import { jsonReply, ProtocolError } from './http.js';
import type { Mirror } from './mirror.js';
import type { PropertyTypes } from './property-types.js';
import type { UpdateOperation } from './protocol-request.js';
import type { ReadableViews } from './readable-views.js';
import { updateEffect } from './update-effect.js';

const LAST_COMMIT = 'https://atomicdata.dev/properties/lastCommit';
/** What one `commit_batch` takes. */
const MAX_COMMITS = 1000;
/** How many resources are read from the host at once. */
const PARALLEL_READS = 64;
const RDF_TYPE = 'http://www.w3.org/1999/02/22-rdf-syntax-ns#type';

/** The HTTP status for a host's refusal of a commit, by its error code. */
const REFUSAL_STATUS: Readonly<Record<string, number>> = {
  FORBIDDEN: 403,
  UNAUTHORIZED: 403,
  PLUGIN_REJECTED: 403,
  NOT_FOUND: 404,
  PREVIOUS_COMMIT_MISMATCH: 409,
  COMMIT_REPLAYED: 409,
};

type PropVals = Record<string, JsonValue>;

interface SubjectChange {
  added: Quad[];
  removed: Quad[];
}

const key = (term: Term): string => term.toString();

/** A resource after a commit, as the host applies it: set, remove, destroy, then lastCommit. */
function afterCommit(before: PropVals | undefined, commit: CommitChanges, commitId: string): PropVals | undefined {
  if (commit.destroy) return undefined;
  const after: PropVals = { ...(before ?? {}), ...((commit.set ?? {}) as PropVals) };
  for (const property of commit.remove ?? []) delete after[property];
  after[LAST_COMMIT] = commitId;
  return after;
}

/** Turns mirror updates into commits. */
export class MirrorUpdates {
  readonly #mirror: Mirror;
  readonly #views: ReadableViews;
  readonly #types: PropertyTypes;
  readonly #serverUrl: string;

  constructor(options: { mirror: Mirror; views: ReadableViews; types: PropertyTypes; serverUrl: string }) {
    this.#mirror = options.mirror;
    this.#views = options.views;
    this.#types = options.types;
    this.#serverUrl = options.serverUrl;
  }

  /**
   * Applies an update for `agent`: 200 `{commits, added, removed}`, or a 4xx naming the subject
   * and reason, with nothing applied.
   */
  async apply(op: UpdateOperation, agent: string, endpoint: string): Promise<HttpResponse> {
    // The update reads what the requester may read, nothing more.
    const view = await this.#views.storeFor(agent);
    const effect = updateEffect(view, op.update, endpoint, op.usingGraphs, op.usingNamedGraphs);
    const { commits, currents } = await this.#commits(effect.added, effect.removed, agent);
    if (commits.length === 0) return jsonReply(200, { commits: [], added: 0, removed: 0 });
    let applied: string[];
    try {
      applied = await commitBatch(commits, { onBehalfOf: agent });
    } catch (error) {
      if (!(error instanceof HostError)) throw error;
      const subject = error instanceof BatchRefused ? error.subject || commits[error.index]?.subject : undefined;
      // The host's message starts with its code; the answer carries the code on its own.
      const reason = error.message.replace(`${error.code}: `, '');
      throw new ProtocolError(REFUSAL_STATUS[error.code] ?? 400, `the update was not applied: ${subject === undefined ? '' : `<${subject}>: `}${reason}`, {
        code: error.code,
        ...(subject === undefined ? {} : { subject }),
      });
    }
    // The plugin's own commits do not come back as events: mirror what they made, as the host
    // applies a commit (set, remove, destroy, then lastCommit).
    for (const [i, commit] of commits.entries()) await this.#mirror.replace(commit.subject, applied[i] === undefined ? undefined : afterCommit(currents.get(commit.subject), commit, applied[i]!));
    return jsonReply(200, { commits: applied, added: effect.added.length, removed: effect.removed.length });
  }

  /** The commits for the changes, and the current state of each subject (undefined: new). */
  async #commits(added: readonly Quad[], removed: readonly Quad[], agent: string): Promise<{ commits: CommitChanges[]; currents: Map<string, PropVals | undefined> }> {
    const bySubject = new Map<string, SubjectChange>();
    const group = (q: Quad, side: 'added' | 'removed'): void => {
      if (q.subject.termType !== 'NamedNode') {
        throw new ProtocolError(400, `the update ${side === 'added' ? 'adds' : 'removes'} a triple about a blank node (${q.subject.toString()}); Atomic Data resources have IRIs`, { subject: q.subject.toString() });
      }
      const subject = q.subject.value;
      if (subject !== this.#serverUrl && !subject.startsWith(`${this.#serverUrl}/`)) {
        throw new ProtocolError(400, `<${subject}> is not on this server (${this.#serverUrl}); only its own resources can be changed`, { subject });
      }
      const change = bySubject.get(subject) ?? { added: [], removed: [] };
      change[side].push(q);
      bySubject.set(subject, change);
    };
    for (const q of removed) group(q, 'removed');
    for (const q of added) group(q, 'added');
    if (bySubject.size > MAX_COMMITS) {
      throw new ProtocolError(400, `the update changes ${bySubject.size} resources; one update may change at most ${MAX_COMMITS} (they are applied all or none, in one batch)`);
    }
    // Refuse a subject the requester may not change before looking into it, so that the answer
    // says nothing about what it holds. New resources are the host's to judge (by their parent).
    const existing = [...bySubject.keys()].filter((s) => this.#mirror.has(s));
    const writable = await canAll(agent, 'write', existing);
    const denied = existing.find((s) => !writable.has(s));
    if (denied !== undefined) throw new ProtocolError(403, `the update was not applied: ${agent} may not change <${denied}>`, { code: 'FORBIDDEN', subject: denied });
    const subjects = [...bySubject.keys()];
    const currents = new Map<string, PropVals | undefined>();
    // Many reads in flight at once: the host answers them as they come.
    for (let i = 0; i < subjects.length; i += PARALLEL_READS) {
      const chunk = subjects.slice(i, i + PARALLEL_READS);
      const read = await Promise.all(chunk.map((s) => readResource(s)));
      chunk.forEach((s, j) => currents.set(s, read[j]));
    }
    const commits: CommitChanges[] = [];
    for (const [subject, change] of bySubject) {
      const commit = await this.#commitFor(subject, currents.get(subject), change);
      if (commit) commits.push(commit);
    }
    return { commits, currents };
  }

  async #commitFor(subject: string, current: PropVals | undefined, change: SubjectChange): Promise<CommitChanges | undefined> {
    const properties = new Set([...change.added, ...change.removed].map((q) => q.predicate.value));
    // lastCommit is the server's: it may only go with the whole resource.
    const touchesLastCommit = properties.delete(LAST_COMMIT);
    const set: PropVals = {};
    const remove: string[] = [];
    for (const property of properties) {
      const refuse = (why: string): never => {
        throw new ProtocolError(400, `<${subject}> <${property}>: ${why}`, { subject });
      };
      const type = await this.#types.get(property);
      if (!type.isProperty) refuse(`not a Property on this server${property === RDF_TYPE ? `; classes are given with <${atomic.isA}>` : ''}`);
      if (type.datatype === undefined) refuse('the Property has no datatype');
      const datatype = type.datatype!;
      const before = current?.[property] === undefined ? [] : valueTerms(current[property]!, datatype);
      const removedKeys = new Set(change.removed.filter((q) => q.predicate.value === property).map((q) => key(q.object)));
      const kept = before.filter((t) => !removedKeys.has(key(t)));
      const keptKeys = new Set(kept.map(key));
      const fresh = change.added.filter((q) => q.predicate.value === property && !keptKeys.has(key(q.object))).map((q) => q.object);
      const after: Term[] = [...kept, ...fresh];
      if (after.length === before.length && after.every((t, i) => key(t) === key(before[i]!))) continue;
      const values = after.map((term) => {
        const converted = termValue(term, datatype);
        return 'problem' in converted ? refuse(converted.problem) : converted.value;
      });
      if (isListDatatype(datatype)) set[property] = values;
      else if (values.length === 1) set[property] = values[0]!;
      else if (values.length === 0) remove.push(property);
      else refuse(`the property takes one value, and the update would leave ${values.length}: delete the old value in the same update`);
    }
    const remaining = Object.keys(current ?? {}).filter((p) => p !== '@id' && p !== LAST_COMMIT && !remove.includes(p));
    const destroy = current !== undefined && remaining.length === 0 && Object.keys(set).length === 0;
    if (touchesLastCommit && !destroy) throw new ProtocolError(400, `<${subject}> <${LAST_COMMIT}>: lastCommit is kept by the server; it goes only with the whole resource`, { subject });
    if (current === undefined) return Object.keys(set).length > 0 ? { subject, set } : undefined;
    if (destroy) return { subject, destroy: true };
    if (Object.keys(set).length === 0 && remove.length === 0) return undefined;
    return { subject, ...(Object.keys(set).length > 0 ? { set } : {}), ...(remove.length > 0 ? { remove } : {}) };
  }

}
