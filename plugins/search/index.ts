// atomic/search: full-text search over an Atomic Data server, on MiniSearch. A process plugin: it
// indexes every resource when it starts (pages of the `query` host function) and keeps the index
// current from after-commit events, and answers GET /search?q= with the matches the requester may
// read, best first. See README.md.

import { definePlugin, log, pluginContext, ResourceSync, RightsCache, type CommitEvent, type HttpRequestInput } from 'atomic-plugin/sdk/node';
import { handleRequest, type Services } from './src/endpoint.js';
import { SearchIndex } from './src/search-index.js';

let services: Services | undefined;

/** The index and its sync, made once per process (a config change calls init again). */
function start(): Services {
  if (services) return services;
  const serverUrl = pluginContext()?.serverUrl?.replace(/\/+$/, '');
  if (!serverUrl) throw new Error('the host gave no server URL in the handshake');
  const index = new SearchIndex();
  const sync = new ResourceSync(index, { pageSize: 1000, log: (message) => void log('info', `search index ${message}`).catch(() => undefined) });
  services = { index, sync, serverUrl, rights: new RightsCache() };
  sync.start();
  return services;
}

definePlugin({
  exports: {
    init: () => {
      start();
    },
    handle_request: (input) => handleRequest(start(), input as unknown as HttpRequestInput),
    after_commit: (input) => start().sync.apply(input as unknown as CommitEvent),
  },
});
