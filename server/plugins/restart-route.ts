// The host route that restarts an installed plugin: POST /plugins/restart?plugin={subject}, signed
// by an agent with write rights on the Plugin resource. The plugin gets a fresh sandbox (or
// process) with the same package, grants and config; the old one serves until the new one is up.
// Answers the plugin's figures after the restart (plugin-status.ts).

import { AtomicError } from '../atomic/errors.js';
import type { HttpResponse, Route } from '../http/app.js';
import type { StoreReader } from '../store/store.js';
import { requireOperator } from './plugin-operator.js';
import type { PluginFigures } from '../../sdk/common/host-stats.js';

export const RESTART_PATH = '/plugins/restart';

/** The route; `restart` does the work once the requester is known to be an operator. */
export function restartRoute(store: StoreReader, restart: (plugin: string, agent: string) => Promise<PluginFigures>): Route {
  return {
    matches: (path) => path === RESTART_PATH,
    async handle(request, { agent }): Promise<HttpResponse> {
      if (request.method !== 'POST') throw new AtomicError('METHOD_NOT_ALLOWED', `POST ${RESTART_PATH}?plugin={subject}`);
      const plugin = new URLSearchParams(request.url.split('?')[1] ?? '').get('plugin');
      if (!plugin) throw new AtomicError('INVALID_QUERY', `name the plugin: ${RESTART_PATH}?plugin={the subject of its Plugin resource}`);
      requireOperator(store, plugin, agent, 'restart');
      const figures = await restart(plugin, agent!);
      return { status: 200, headers: { 'content-type': 'application/json; charset=utf-8' }, body: JSON.stringify(figures) };
    },
  };
}
