// atomic/sparql: SPARQL 1.1 over an Atomic Data server, on Oxigraph. A process plugin: it keeps a
// mirror of the server's resources as RDF (built at start, kept current from after-commit events),
// answers the SPARQL 1.1 Protocol at /sparql with only what the requester may read, turns an
// UPDATE into Commits made on the requester's behalf, and keeps separate RDF datasets with their
// own endpoints and the Graph Store Protocol under /sparql/datasets. See README.md.

import { definePlugin, log, pluginContext, type CommitEvent, type HttpRequestInput } from 'atomic-plugin/sdk/node';
import { Datasets } from './src/datasets.js';
import { handleRequest, type Services } from './src/endpoints.js';
import { Mirror } from './src/mirror.js';
import { MirrorUpdates } from './src/mirror-updates.js';
import { PropertyTypes } from './src/property-types.js';
import { ReadableViews } from './src/readable-views.js';

let services: Services | undefined;

/** The plugin's parts, made once per process (a config change calls init again). */
function start(): Services {
  if (services) return services;
  const context = pluginContext();
  if (!context?.serverUrl || !context.dataDir) throw new Error('the host gave no server URL or data folder in the handshake');
  const serverUrl = context.serverUrl.replace(/\/+$/, '');
  const types = new PropertyTypes();
  const mirror = new Mirror(types);
  const report = (message: string): void => void log('info', message).catch(() => undefined);
  const views = new ReadableViews(mirror, report);
  services = {
    serverUrl,
    mirror,
    views,
    updates: new MirrorUpdates({ mirror, views, types, serverUrl }),
    datasets: new Datasets(context.dataDir),
  };
  mirror.start(report);
  return services;
}

definePlugin({
  exports: {
    init: () => {
      start();
    },
    handle_request: (input) => handleRequest(start(), input as unknown as HttpRequestInput),
    after_commit: (input) => start().mirror.applyEvent(input as unknown as CommitEvent),
  },
  onShutdown: () => {
    services?.views.close();
    services?.datasets.close();
  },
});
