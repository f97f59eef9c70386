// What a URL stands for, for a given agent: a stored resource, or a collection computed on the
// fly. Shared by HTTP GET and the WebSocket GET message so both answer the same.

import { AtomicError } from './atomic/errors.js';
import type { PropVals } from './atomic/json-ad.js';
import { canRead, isLocal } from './access.js';
import { parseCollectionQuery, runCollection } from './collections.js';
import type { StoreReader } from './store/store.js';

/**
 * The property-value pairs `agent` gets for `url` (an absolute URL, query string included).
 * Throws NOT_FOUND, UNAUTHORIZED or FORBIDDEN.
 */
export function resolveUrl(store: StoreReader, serverUrl: string, url: string, agent: string | undefined): PropVals {
  const local = isLocal(serverUrl, url.split('?')[0] ?? url);
  if (local) {
    const { pathname, searchParams } = new URL(url);
    const collection = parseCollectionQuery(pathname, searchParams);
    if (collection) return runCollection(store, serverUrl, collection, agent);
  }
  const path = url.split('?')[0] ?? url;
  const subject = path === `${serverUrl}/` ? serverUrl : path;
  const propvals = store.get(subject);
  if (!propvals) throw new AtomicError('NOT_FOUND', subject);
  if (!canRead(store, serverUrl, subject, propvals, agent)) {
    throw agent === undefined
      ? new AtomicError('UNAUTHORIZED', `${subject} is not public; sign the request as an agent with read rights`)
      : new AtomicError('FORBIDDEN', `${agent} may not read ${subject}`);
  }
  return propvals;
}
