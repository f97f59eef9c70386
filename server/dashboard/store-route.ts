// The plugin store's host routes, which the dashboard (and any client) reads:
//   GET  /plugins/store                      the catalog (catalog.ts): registry and reference plugins
//   GET  /plugins/store/package?url={url}    what a package on this server holds, and its signature
//   POST /plugins/store/reference?name={n}   puts a reference plugin's package in the package store
//                                            (write rights on the drive), so that a signed install
//                                            commit from the browser can point at it
// All answer JSON (catalog-types.ts).

import { AtomicError } from '../atomic/errors.js';
import { hasRight } from '../atomic/rights.js';
import type { HttpResponse, Route } from '../http/app.js';
import type { StoreReader } from '../store/store.js';
import type { PluginCatalog } from './catalog.js';

/** Where the store's routes live. */
export const STORE_PATH = '/plugins/store';

const json = (status: number, body: unknown): HttpResponse => ({
  status,
  headers: { 'content-type': 'application/json; charset=utf-8', 'cache-control': 'no-store' },
  body: JSON.stringify(body),
});

/** The store's routes over `catalog`; staging needs write rights on the drive `serverUrl`. */
export function storeRoute(catalog: PluginCatalog, store: StoreReader, serverUrl: string): Route {
  return {
    matches: (path) => path === STORE_PATH || path.startsWith(`${STORE_PATH}/`),
    async handle(request, { agent }) {
      const [path = '', search = ''] = request.url.split('?');
      const params = new URLSearchParams(search);
      const read = request.method === 'GET' || request.method === 'HEAD';
      if (path === STORE_PATH && read) return json(200, await catalog.catalog(agent));
      if (path === `${STORE_PATH}/package` && read) {
        const url = params.get('url');
        if (!url) throw new AtomicError('INVALID_QUERY', `name the package: ${STORE_PATH}/package?url={its URL on this server, or ipfs://<cid>}`);
        return json(200, await catalog.describeUrl(url));
      }
      if (path === `${STORE_PATH}/reference` && request.method === 'POST') {
        const name = params.get('name');
        if (!name) throw new AtomicError('INVALID_QUERY', `name the reference plugin: ${STORE_PATH}/reference?name={short name}`);
        if (agent === undefined) throw new AtomicError('UNAUTHORIZED', 'sign the request as an agent with write rights on the drive');
        if (!hasRight((s) => store.get(s), store.get(serverUrl), agent, 'write')) {
          throw new AtomicError('FORBIDDEN', `${agent} may not add packages: that needs write rights on the drive`);
        }
        return json(201, catalog.stageReference(name));
      }
      if (![STORE_PATH, `${STORE_PATH}/package`, `${STORE_PATH}/reference`].includes(path)) throw new AtomicError('NOT_FOUND', `the store has no ${path}`);
      throw new AtomicError('METHOD_NOT_ALLOWED', `GET ${STORE_PATH}, GET ${STORE_PATH}/package?url=, POST ${STORE_PATH}/reference?name=`);
    },
  };
}
