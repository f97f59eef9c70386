// atomic/monitor: a system monitor at /monitor/. The page, its stylesheet and its script
// (browser/, bundled for browsers) are embedded at build time; the page reads /monitor/stats every
// second, signed as the visitor's agent. The figures come from the host function host_stats
// (permission `monitor`) and are given only to agents that may read the drive, with whether the
// agent may manage plugins (write rights on the drive), so that the page offers the actions only
// to operators. Disabling, enabling and restarting plugins go from the browser straight to the
// server (signed commits, POST /plugins/restart), which checks the operator's rights itself.

import page from './app/index.html';
import style from './app/app.css';
import script from './browser/main.ts?browser';
import { APP_HEADERS, can, hostStats, readRequest, respondJson, respondText, serveApp, serverUrl, type Json } from 'atomic-plugin/sdk/js';

/** Where the monitor lives (the endpoint in plugin.json). */
const BASE = '/monitor';

/** The figures, for agents with read rights on the drive: `{server, operator, host, plugins}`. */
function stats(agent: string | null): void {
  const headers = { 'cache-control': 'no-store' };
  if (agent === null) {
    respondJson(401, { error: { code: 'UNAUTHORIZED', message: 'Sign in as an agent that may read this drive to see the system monitor.' } }, headers);
    return;
  }
  const self = serverUrl();
  if (!self.ok) return respondJson(502, { error: self.error as unknown as Json }, headers);
  const server = self.value;
  const readable = can(agent, 'read', [server]);
  if (!readable.ok) return respondJson(502, { error: readable.error as unknown as Json }, headers);
  if (!readable.value.includes(server)) {
    respondJson(403, { error: { code: 'FORBIDDEN', message: `${agent} may not read the drive ${server}, so it may not see the system monitor.` } }, headers);
    return;
  }
  const writable = can(agent, 'write', [server]);
  if (!writable.ok) return respondJson(502, { error: writable.error as unknown as Json }, headers);
  const figures = hostStats();
  if (!figures.ok) return respondJson(502, { error: figures.error as unknown as Json }, headers);
  respondJson(200, { server, operator: writable.value.includes(server), ...figures.value } as unknown as Json, headers);
}

/** Serves the page, its script, its stylesheet and the figures. */
export function handle_request(): number {
  const req = readRequest();
  if (serveApp(req.path, BASE, { page: () => page, script, style })) return 0;
  if (req.path === `${BASE}/stats`) stats(req.agent);
  else respondText(404, `${req.path} is not part of the system monitor: open ${BASE}/`, APP_HEADERS);
  return 0;
}
