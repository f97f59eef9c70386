// The three routes under /versions, each from a request's parameters and requester to an answer:
// the list of versions, one version replayed, and restoring one with a commit made on the
// requester's behalf.

import { commit, core, refusalStatus, type Json } from 'atomic-plugin/sdk/js';
import { changesTo, replay } from './history.js';
import { versioningSubjects } from './ontology.js';
import { checkRead, checkWrite, indexOfCommit, loadHistory, VersioningError, type History } from './store.js';

/** What a route answers: a status and a JSON body, and the body's media type when not plain JSON. */
export interface Answer {
  readonly status: number;
  readonly body: Json;
  readonly contentType?: string;
}

/** The request as the routes need it. */
export interface Context {
  /** The server's URL (its drive). */
  readonly server: string;
  /** The requester; `null` when anonymous. */
  readonly agent: string | null;
  /** Query parameter by name, `undefined` when absent. */
  readonly param: (name: string) => string | undefined;
  /** The URL as requested (the `@id` of a JSON-AD answer must be it). */
  readonly url: string;
  /** Whether the client asked for JSON-AD (`Accept: application/ad+json`), as Atomic Data clients do. */
  readonly wantsJsonAd: boolean;
}

const JSON_AD = 'application/ad+json';
const { name: NAME, description: DESCRIPTION } = core.properties;

function required(ctx: Context, name: 'subject' | 'commit'): string {
  const value = ctx.param(name);
  if (value === undefined || value === '') {
    throw new VersioningError(400, name === 'subject' ? 'give the resource as ?subject=<its URL>' : 'give the version as &commit=<the URL of one of its commits, from /versions?subject=>');
  }
  return value;
}

/** The history of the `subject` parameter, for a requester who may read it. */
function readableHistory(ctx: Context): History {
  const history = loadHistory(ctx.server, required(ctx, 'subject'));
  checkRead(ctx.server, history, ctx.agent);
  return history;
}

/**
 * `GET /versions?subject=`: every commit of the resource, oldest first. As JSON-AD (for clients
 * that follow the `versions` link) a resource that links the subject and its commits.
 */
export function listVersions(ctx: Context): Answer {
  const history = readableHistory(ctx);
  if (!ctx.wantsJsonAd) return { status: 200, body: { subject: history.subject, versions: history.versions.map((v) => ({ ...v })) } };
  const s = versioningSubjects(ctx.server);
  const count = history.versions.length;
  const body = {
    '@id': ctx.url,
    [NAME]: `Versions of ${history.subject}`,
    [DESCRIPTION]: `${count} ${count === 1 ? 'commit' : 'commits'}, oldest first${history.current === undefined ? '; the resource has been destroyed' : ''}. Each version is at /versions/at?subject=&commit=.`,
    [s.versionsOf]: history.subject,
    [s.versionCommits]: history.versions.map((v) => v.commit),
  };
  return { status: 200, body, contentType: JSON_AD };
}

/** `GET /versions/at?subject=&commit=`: the resource right after that commit, as JSON-AD. */
export function versionAt(ctx: Context): Answer {
  const commitUrl = required(ctx, 'commit');
  const history = readableHistory(ctx);
  const state = replay(history.versions, indexOfCommit(history, commitUrl));
  if (state === undefined) throw new VersioningError(410, `${history.subject} did not exist right after ${commitUrl}: that commit destroyed it`);
  return { status: 200, body: { '@id': ctx.url, ...state }, contentType: JSON_AD };
}

/**
 * `POST /versions/restore?subject=&commit=`: one commit, made on behalf of the requester, that
 * brings the resource back to how it was right after `commit` (creating it again if it was
 * destroyed since, or destroying it if that commit did). Nothing to change: `commit` is `null`.
 */
export function restoreVersion(ctx: Context): Answer {
  const subject = required(ctx, 'subject');
  const commitUrl = required(ctx, 'commit');
  if (ctx.agent === null) throw new VersioningError(401, `restoring a version of ${subject} needs write rights on it: sign the request as an agent`);
  const history = readableHistory(ctx);
  const target = replay(history.versions, indexOfCommit(history, commitUrl));
  checkWrite(history, ctx.agent);
  const changes = changesTo(history.current, target);
  if (changes === undefined) return { status: 200, body: { subject, restored: commitUrl, commit: null } };
  const done = commit({ subject, ...changes }, { onBehalfOf: ctx.agent });
  if (!done.ok) {
    const status = refusalStatus(done.error);
    // The version's values no longer pass today's checks (a property's datatype changed, say).
    if (status === 400) throw new VersioningError(409, `that version cannot be restored: ${done.error.message}`);
    throw new VersioningError(status ?? 502, status === undefined ? `the commit failed: ${done.error.code}: ${done.error.message}` : done.error.message);
  }
  return { status: 200, body: { subject, restored: commitUrl, commit: done.value } };
}
