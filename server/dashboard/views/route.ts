// The host side of plugin views, under /_dashboard/view/ (the page itself, view.html, is served
// with the rest of the dashboard by ../route.ts): the list of active plugins with views the
// requester may see, each view's frame document, and the read-access answers the page enforces the
// plugins' grants with (access.ts). docs/plugins/views.md.

import { AtomicError } from '../../atomic/errors.js';
import { hasRight } from '../../atomic/rights.js';
import { canRead } from '../../access.js';
import type { HttpResponse, Route } from '../../http/app.js';
import type { Installation } from '../../plugins/installation.js';
import type { StoreReader } from '../../store/store.js';
import { readAccess } from './access.js';
import { frameDocument } from './frame-document.js';
import type { ViewListing } from './listing.js';

/** Where the view page's services live. */
export const VIEWS_PATH = '/_dashboard/view';

/** At most this many subjects per access question (a page of a query). */
const MAX_ACCESS_SUBJECTS = 100;

/** What the route needs from the host. */
export interface ViewsRouteOptions {
  store: StoreReader;
  serverUrl: string;
  /** The active plugins with views (PluginHost.withViews). */
  withViews: () => Installation[];
}

const json = (value: unknown): HttpResponse => ({ status: 200, headers: { 'content-type': 'application/json; charset=utf-8', 'cache-control': 'no-store' }, body: JSON.stringify(value) });

function required(params: URLSearchParams, name: string): string {
  const value = params.get(name);
  if (!value) throw new AtomicError('INVALID_QUERY', `${name} is missing`);
  return value;
}

/** The route serving what the view page needs. */
export function viewsRoute(options: ViewsRouteOptions): Route {
  const { store, serverUrl, withViews } = options;

  const activeView = (plugin: string): Installation => {
    const installation = withViews().find((i) => i.subject === plugin);
    if (!installation) throw new AtomicError('NOT_FOUND', `${plugin} is not an active plugin with views granted custom-view`);
    return installation;
  };

  const handlers: Record<string, (params: URLSearchParams, agent: string | undefined) => HttpResponse> = {
    // The views of the plugins whose resource the requester may read.
    plugins: (_params, agent) =>
      json(
        withViews()
          .filter((i) => hasRight((s) => store.get(s), store.get(i.subject), agent, 'read'))
          .map((i): ViewListing => ({
            plugin: i.subject,
            id: i.id,
            version: i.manifest.version,
            classes: i.views!.classes ?? [],
            settings: i.views!.settings === true,
            defaultConfig: i.manifest.defaultConfig,
          })),
      ),
    // Public like any page's script: a sandboxed frame cannot sign its request.
    frame: (params) => {
      const installation = activeView(required(params, 'plugin'));
      const mode = params.get('mode') ?? 'view';
      if (mode !== 'view' && mode !== 'settings') throw new AtomicError('INVALID_QUERY', 'mode is view or settings');
      if (mode === 'settings' && !installation.views!.settings) throw new AtomicError('NOT_FOUND', `${installation.id} has no settings view`);
      return frameDocument(installation.views!, `${installation.id} ${mode}`);
    },
    access: (params, agent) => {
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
  const serves = (path: string) => (path.startsWith(`${VIEWS_PATH}/`) ? Object.hasOwn(handlers, path.slice(VIEWS_PATH.length + 1)) : false);

  return {
    matches: serves,
    async handle(request, { agent }) {
      if (request.method !== 'GET' && request.method !== 'HEAD') throw new AtomicError('METHOD_NOT_ALLOWED', `GET ${request.url.split('?')[0]}`);
      const [path = '', search = ''] = request.url.split('?');
      return handlers[path.slice(VIEWS_PATH.length + 1)]!(new URLSearchParams(search), agent);
    },
  };
}
