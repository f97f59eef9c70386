// atomic/versioning: the history of every resource, from its commits (README.md).
// `GET /versions?subject=` lists them, `GET /versions/at?subject=&commit=` replays one version,
// `POST /versions/restore?subject=&commit=` brings it back with a commit on the requester's
// behalf; every served resource gets a `versions` link (the property ontology.ts defines, kept in
// place at init). This module reads requests and picks the route; routes.ts does the work.

import { core, ensureResources, extend, log, readInit, readRequest, readResourceGet, respond, respondJson, serverUrl, serverUrlOf, unchanged, type Request } from 'atomic-plugin/sdk/js';
import { versioningSubjects, versionsLink, wantedResources } from './ontology.js';
import { listVersions, restoreVersion, versionAt, type Answer, type Context } from './routes.js';
import { VersioningError } from './store.js';

/** The endpoint plugin.json declares. */
const BASE = '/versions';

/** Creates or repairs the ontology of the `versions` property. */
export function init(): number {
  const { plugin } = readInit();
  const changed = ensureResources(wantedResources(serverUrlOf(plugin.agent)));
  log('info', changed.length > 0 ? `wrote ${changed.join(', ')}` : 'the versioning ontology is in place');
  return 0;
}

/** The routes: path → method → handler. */
const ROUTES: Readonly<Record<string, Readonly<Record<string, (ctx: Context) => Answer>>>> = {
  [BASE]: { GET: listVersions },
  [`${BASE}/at`]: { GET: versionAt },
  [`${BASE}/restore`]: { POST: restoreVersion },
};

function context(req: Request, server: string): Context {
  // The URL as the client asked for it, as the server builds it for its own answers.
  const host = req.header('host');
  const origin = host === null ? server : `${server.slice(0, server.indexOf('//') + 2)}${host}`;
  return {
    server,
    agent: req.agent,
    // Subjects and commit URLs never hold a space: a `+` sent unencoded (commit signatures are
    // base64) was read as one, so it is turned back.
    param: (name) => (req.hasParam(name) ? req.param(name).replace(/ /g, '+') : undefined),
    url: `${origin}${req.path}${req.queryString === '' ? '' : `?${req.queryString}`}`,
    wantsJsonAd: (req.header('accept') ?? '').includes('application/ad+json'),
  };
}

function route(req: Request): Answer {
  const methods = ROUTES[req.path.replace(/\/+$/, '')];
  if (methods === undefined) throw new VersioningError(404, `no route ${req.path}: use ${BASE}?subject=, ${BASE}/at?subject=&commit= or POST ${BASE}/restore?subject=&commit=`);
  const handler = methods[req.method];
  if (handler === undefined) throw new VersioningError(405, `use ${Object.keys(methods).join(', ')} on ${req.path}`);
  const server = serverUrl();
  if (!server.ok) throw new VersioningError(502, `the plugin's agent is unknown: ${server.error.message}`);
  return handler(context(req, server.value));
}

/** Serves every request under /versions. */
export function handle_request(): number {
  const req = readRequest();
  try {
    const answer = route(req);
    respond(answer.status, { 'content-type': `${answer.contentType ?? 'application/json'}; charset=utf-8` }, JSON.stringify(answer.body));
  } catch (error) {
    if (!(error instanceof VersioningError)) throw error;
    if (error.status >= 500) log('error', `${req.method} ${req.path}: ${error.message}`);
    const allow = error.status === 405 ? { allow: Object.keys(ROUTES[req.path.replace(/\/+$/, '')] ?? {}).join(', ') } : null;
    respondJson(error.status, { error: error.message }, allow);
  }
  return 0;
}

/** Adds the `versions` link to every local resource served, except commits (which have none). */
export function on_resource_get(): number {
  const { subject, resource } = readResourceGet();
  const server = serverUrl();
  const classes = resource[core.properties.isA];
  const isCommit = Array.isArray(classes) && classes.includes(core.classes.commit);
  if (!server.ok || isCommit || (subject !== server.value && !subject.startsWith(`${server.value}/`))) {
    unchanged();
    return 0;
  }
  extend({ [versioningSubjects(server.value).versions]: versionsLink(server.value, subject) });
  return 0;
}
