// A running host: the store, the commit pipeline, the HTTP app and the WebSocket endpoint, wired
// together and listening on a port. This is what `atomic-plugin serve` starts.

import { mkdirSync } from 'node:fs';
import { once } from 'node:events';
import type { AddressInfo } from 'node:net';
import type { AgentIdentity } from './atomic/agent.js';
import { CommitProcessor } from './commits.js';
import { storePath } from './data-dir.js';
import { HostEvents } from './events.js';
import { viewsRoute } from './dashboard/views/route.js';
import { createApp, type App, type Route } from './http/app.js';
import { createNodeServer, MAX_BODY_BYTES } from './http/node-server.js';
import { SubscriptionServer } from './http/websocket.js';
import { claimDataDir, initialize, syncOntology } from './init.js';
import { PluginCatalog, type ReferenceSource } from './dashboard/catalog.js';
import { DASHBOARD_PATH, dashboardRoute } from './dashboard/route.js';
import { storeRoute } from './dashboard/store-route.js';
import { PackageStore, packageRoute } from './plugins/package-store.js';
import type { TrustPolicy } from './plugins/package.js';
import { PluginHost } from './plugins/plugin-host.js';
import { createJsRuntime } from './plugins/runtimes/js/index.js';
import { createProcessRuntime } from './plugins/runtimes/process/index.js';
import { createWasmRuntime } from './plugins/runtimes/wasm/index.js';
import { LmdbStore } from './store/lmdb-store.js';

/** How to start a host. */
export interface HostOptions {
  dataDir: string;
  /** Default 9883. Subjects are built from it, so it must be a real port, not 0. */
  port?: number;
  /** The address to listen on. Default 127.0.0.1. */
  listenHost?: string;
  /** The URL clients use and subjects start with. Default http://localhost:{port}. */
  serverUrl?: string;
  /** Which plugin packages to accept. Default: signed or not, by anyone. */
  trust?: TrustPolicy;
  /** The reference plugins shipped with atomic-plugin, for the store (the CLI reads its index). */
  references?: ReferenceSource;
  /** Where to report what happens while starting (plugins that fail to load). */
  log?: (line: string) => void;
  /** Native routes of a program that embeds the host: plugins may not declare endpoints they match. */
  routes?: readonly Route[];
  /** Process plugins (`namespace/name`) to CPU-profile, and where (see ProcessRuntimeOptions.cpuProfile): development only. */
  cpuProfile?: { plugins: readonly string[]; dir: string };
}

/** A started host. */
export interface Host {
  readonly url: string;
  readonly port: number;
  readonly dataDir: string;
  readonly owner: AgentIdentity;
  /** True when this start created the data folder's owner agent. */
  readonly initialized: boolean;
  /** The request handler, for tests that do not need a socket. */
  readonly app: App;
  close(): Promise<void>;
}

export const DEFAULT_PORT = 9883;

/** Starts a host and resolves once it is listening. */
export async function startHost(options: HostOptions): Promise<Host> {
  const port = options.port ?? DEFAULT_PORT;
  const serverUrl = (options.serverUrl ?? `http://localhost:${port}`).replace(/\/+$/, '');
  if (!Number.isInteger(port) || port < 1 || port > 65_535) throw new RangeError(`port must be from 1 to 65535, got ${port}`);
  mkdirSync(options.dataDir, { recursive: true, mode: 0o700 });
  claimDataDir(options.dataDir, serverUrl);

  const store = LmdbStore.open(storePath(options.dataDir));
  try {
    const events = new HostEvents();
    const commits = new CommitProcessor(store, serverUrl, events);
    await syncOntology(store);
    const { owner, created } = await initialize(store, commits, serverUrl, options.dataDir);
    const packages = new PackageStore(options.dataDir);
    const trust = options.trust ?? { requireSignature: false };
    const plugins = new PluginHost({
      store,
      commits,
      events,
      packages,
      serverUrl,
      dataDir: options.dataDir,
      trust,
      runtimes: { wasm: createWasmRuntime(), js: createJsRuntime(), process: createProcessRuntime(options.cpuProfile ? { cpuProfile: options.cpuProfile } : {}) },
      hostAgent: owner,
      servedNatively: (path) => (options.routes ?? []).some((route) => route.matches(path)),
    });
    await plugins.start(options.log);
    const warm = (zip: Uint8Array): void => plugins.warm(zip);
    const catalog = new PluginCatalog({ store, packages, serverUrl, trust, onStore: warm, ...(options.references ? { references: options.references } : {}) });
    const routes = [packageRoute(packages, store, serverUrl, warm), plugins.logRoute(), plugins.restartRoute(), storeRoute(catalog, store, serverUrl), viewsRoute({ store, serverUrl, withViews: () => plugins.withViews() }), dashboardRoute(), ...(options.routes ?? []), plugins.route()];
    const app = createApp({ store, serverUrl, commits, routes, browserHome: `${DASHBOARD_PATH}/`, extendResource: (s, p, a) => plugins.extendResource(s, p, a) });
    const subscriptions = new SubscriptionServer(store, serverUrl, events);
    const bodyLimit = (path: string): number => routes.find((r) => r.matches(path))?.maxBodyBytes ?? MAX_BODY_BYTES;
    const server = createNodeServer(app, serverUrl, subscriptions, bodyLimit);
    server.listen(port, options.listenHost ?? '127.0.0.1');
    await Promise.race([once(server, 'listening'), once(server, 'error').then(([error]) => Promise.reject(error as Error))]);
    const actualPort = (server.address() as AddressInfo).port;

    let closing: Promise<void> | undefined;
    return {
      url: serverUrl,
      port: actualPort,
      dataDir: options.dataDir,
      owner,
      initialized: created,
      app,
      close: () =>
        (closing ??= (async () => {
          await subscriptions.close();
          await plugins.close();
          server.closeAllConnections();
          await new Promise<void>((resolve) => server.close(() => resolve()));
          await packages.close();
          await store.close();
        })()),
    };
  } catch (error) {
    await store.close();
    throw error;
  }
}
