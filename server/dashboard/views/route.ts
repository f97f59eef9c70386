// The host side of plugin views, under /_dashboard/view: the page (`?subject=<resource>` or
// `?plugin=<Plugin subject>&settings`) and its built script and stylesheet, the list of active
// plugins with views the requester may see, each view's frame document, and the read-access answers
// the page enforces the plugins' grants with (access.ts). docs/plugins/views.md.

import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { AtomicError } from '../../atomic/errors.js';
import { hasRight } from '../../atomic/rights.js';
import { canRead } from '../../access.js';
import type { HttpResponse, Route } from '../../http/app.js';
import type { Installation } from '../../plugins/installation.js';
import type { StoreReader } from '../../store/store.js';
import { readAccess } from './access.js';
import { frameDocument } from './frame-document.js';

/** Where the page lives. */
export const VIEW_PAGE_PATH = '/_dashboard/view';

/** Where `npm run build` puts the page's bundle (dist/dashboard/view/), seen from dist/server/dashboard/views/. */
const BUILT_ASSETS = fileURLToPath(new URL('../../../dashboard/view/', import.meta.url));

/** At most this many subjects per access question (a page of a query). */
const MAX_ACCESS_SUBJECTS = 100;

/** One view a page can show, as GET /_dashboard/view/plugins lists it. */
export interface ViewListing {
  /** The Plugin resource. */
  plugin: string;
  /** `namespace/name`. */
  id: string;
  version: string;
  description: string | null;
  classes: string[];
  settings: boolean;
  granted: string[];
  /** The manifest's defaultConfig: the config of a Plugin resource that sets none. */
  defaultConfig: Record<string, unknown>;
}

/** What the route needs from the host. */
export interface ViewsRouteOptions {
  store: StoreReader;
  serverUrl: string;
  /** The active plugins with views (PluginHost.withViews). */
  withViews: () => Installation[];
  /** Where the built page.js and page.css are; dist/dashboard/view/ by default. */
  assetsDir?: string;
}

const PAGE_HEADERS = {
  'content-security-policy':
    "default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'; frame-src 'self'; img-src 'self' data:; base-uri 'none'; form-action 'none'; frame-ancestors 'none'",
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'no-referrer',
  'cache-control': 'no-cache',
};

const PAGE = `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>View · Atomic Data</title>
<link rel="stylesheet" href="${VIEW_PAGE_PATH}/page.css"><script defer src="${VIEW_PAGE_PATH}/page.js"></script>
</head><body><noscript>This page needs JavaScript.</noscript></body></html>
`;

const json = (value: unknown): HttpResponse => ({ status: 200, headers: { 'content-type': 'application/json; charset=utf-8', 'cache-control': 'no-store' }, body: JSON.stringify(value) });

function required(params: URLSearchParams, name: string): string {
  const value = params.get(name);
  if (!value) throw new AtomicError('INVALID_QUERY', `${name} is missing`);
  return value;
}

/** The route serving the view page and what it needs. */
export function viewsRoute(options: ViewsRouteOptions): Route {
  const { store, serverUrl, withViews } = options;
  const assets = options.assetsDir ?? BUILT_ASSETS;
  const get = (s: string) => store.get(s);

  const activeView = (plugin: string): Installation => {
    const installation = withViews().find((i) => i.subject === plugin);
    if (!installation) throw new AtomicError('NOT_FOUND', `${plugin} is not an active plugin with views granted custom-view`);
    return installation;
  };
  const asset = (file: string, type: string): HttpResponse => {
    let body: Buffer;
    try {
      body = readFileSync(`${assets}${file}`);
    } catch {
      throw new AtomicError('NOT_FOUND', `${file} is not built: run npm run build`);
    }
    return { status: 200, headers: { ...PAGE_HEADERS, 'content-type': `${type}; charset=utf-8` }, body };
  };

  const handlers: Record<string, (params: URLSearchParams, agent: string | undefined) => HttpResponse> = {
    '': () => ({ status: 200, headers: { ...PAGE_HEADERS, 'content-type': 'text/html; charset=utf-8' }, body: PAGE }),
    '/page.js': () => asset('page.js', 'text/javascript'),
    '/page.css': () => asset('page.css', 'text/css'),
    // The views of the plugins whose resource the requester may read.
    '/plugins': (_params, agent) =>
      json(
        withViews()
          .filter((i) => hasRight(get, store.get(i.subject), agent, 'read'))
          .map((i): ViewListing => ({
            plugin: i.subject,
            id: i.id,
            version: i.manifest.version,
            description: i.manifest.description ?? null,
            classes: i.views!.classes ?? [],
            settings: i.views!.settings === true,
            granted: i.views!.granted,
            defaultConfig: i.manifest.defaultConfig,
          })),
      ),
    // Public like any page's script: a sandboxed frame cannot sign its request.
    '/frame': (params) => {
      const installation = activeView(required(params, 'plugin'));
      const mode = params.get('mode') ?? 'view';
      if (mode !== 'view' && mode !== 'settings') throw new AtomicError('INVALID_QUERY', 'mode is view or settings');
      if (mode === 'settings' && !installation.views!.settings) throw new AtomicError('NOT_FOUND', `${installation.id} has no settings view`);
      return frameDocument(installation.views!, `${installation.id} ${mode}`);
    },
    '/access': (params, agent) => {
      const installation = activeView(required(params, 'plugin'));
      const viewed = required(params, 'viewed');
      const subjects = params.getAll('subject');
      if (subjects.length === 0 || subjects.length > MAX_ACCESS_SUBJECTS) throw new AtomicError('INVALID_QUERY', `give 1 to ${MAX_ACCESS_SUBJECTS} subject parameters`);
      const viewedPropvals = store.get(viewed);
      if (!viewedPropvals || !canRead(store, serverUrl, viewed, viewedPropvals, agent)) {
        throw new AtomicError(agent ? 'FORBIDDEN' : 'UNAUTHORIZED', `${viewed} is not readable by the requester`);
      }
      return json({ access: readAccess(store, serverUrl, installation, viewed, subjects, agent) });
    },
  };

  return {
    matches: (path) => path === VIEW_PAGE_PATH || (path.startsWith(`${VIEW_PAGE_PATH}/`) && Object.hasOwn(handlers, path.slice(VIEW_PAGE_PATH.length))),
    async handle(request, { agent }) {
      if (request.method !== 'GET' && request.method !== 'HEAD') throw new AtomicError('METHOD_NOT_ALLOWED', `GET ${VIEW_PAGE_PATH}`);
      const [path = '', search = ''] = request.url.split('?');
      return handlers[path.slice(VIEW_PAGE_PATH.length)]!(new URLSearchParams(search), agent);
    },
  };
}
