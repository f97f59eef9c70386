// atomic/crud: a plain JSON API over the server's Classes (README.md).
// `/crud` lists the classes served; `/crud/{class shortname}` and `/crud/{class}/{id}` list, read,
// create, replace, patch and delete their instances. This module reads the request, picks the
// route and turns refusals into `{"error", "field"?}` answers; routes.ts does the work.

import { log, readRequest, respond, respondJson, type Request } from 'atomic-plugin/sdk/js';
import { resolveClass, servedClasses } from './classes.js';
import { CrudError } from './items.js';
import { classEntry, create, get, list, parseBody, remove, update, type Answer, type Context } from './routes.js';
import { allowed, readConfig } from './server.js';

/** The endpoint plugin.json declares. */
const BASE = '/crud';

/** 405, with the methods the path takes (its `allow` header). */
class MethodNotAllowed extends CrudError {
  constructor(readonly methods: string[]) {
    super(405, `use ${methods.join(', ')} here`);
  }
}

/** The path below /crud, decoded: [] for /crud itself, [class] or [class, id]. */
function segments(path: string): string[] {
  const rest = path.slice(BASE.length).split('/').slice(1);
  if (rest[rest.length - 1] === '') rest.pop();
  try {
    return rest.map((s) => decodeURIComponent(s));
  } catch {
    throw new CrudError(404, `${path} is not a valid path`);
  }
}

function route(req: Request): Answer {
  const parts = segments(req.path);
  const config = readConfig();
  if (parts.length === 0) {
    if (req.method !== 'GET') throw new MethodNotAllowed(['GET']);
    const classes = servedClasses(config);
    const readable = new Set(allowed(req.agent, 'read', classes.map((c) => c.url)));
    return { status: 200, body: { classes: classes.filter((c) => readable.has(c.url)).map((c) => classEntry(c.shortname, c.url)) } };
  }
  if (parts.length > 2 || parts.some((p) => p === '')) throw new CrudError(404, `no route ${req.path}: use /crud/{class} or /crud/{class}/{id}`);
  const [shortname, id] = parts as [string, string | undefined];
  const ctx: Context = { schema: resolveClass(config, shortname), config, agent: req.agent };
  if (id === undefined) {
    if (req.method === 'GET') return list(ctx, req.query);
    if (req.method === 'POST') return create(ctx, parseBody(req.body));
    throw new MethodNotAllowed(['GET', 'POST']);
  }
  if (req.method === 'GET') return get(ctx, id);
  if (req.method === 'PUT') return update(ctx, id, 'replace', parseBody(req.body));
  if (req.method === 'PATCH') return update(ctx, id, 'patch', parseBody(req.body));
  if (req.method === 'DELETE') return remove(ctx, id);
  throw new MethodNotAllowed(['GET', 'PUT', 'PATCH', 'DELETE']);
}

/** Serves every request under /crud. */
export function handle_request(): number {
  const req = readRequest();
  try {
    const answer = route(req);
    if (answer.body === undefined) respond(answer.status, answer.headers ?? {}, '');
    else respondJson(answer.status, answer.body, answer.headers ?? null);
  } catch (error) {
    if (!(error instanceof CrudError)) throw error;
    if (error.status >= 500) log('error', `${req.method} ${req.path}: ${error.message}`);
    const headers = error instanceof MethodNotAllowed ? { allow: error.methods.join(', ') } : null;
    respondJson(error.status, error.field === undefined ? { error: error.message } : { error: error.message, field: error.field }, headers);
  }
  return 0;
}
