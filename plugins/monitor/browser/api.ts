// What the monitor page asks of the server, as the signed-in agent: the figures (the plugin's
// /monitor/stats) and the operator's actions, which go to the server itself so that it checks
// the rights: switching a plugin off or on is a signed Commit on its Plugin resource (as the
// CLI's disable and enable make), restarting is POST /plugins/restart.

import { signCommit, signedFetch, type Agent, type HostStats } from 'atomic-plugin/sdk/browser';
import { enableChanges } from '../../../server/plugins/plugin-resource.js';

/** The figures as /monitor/stats answers them: host_stats, the server's URL, and whether the agent may manage plugins. */
export interface MonitorStats extends HostStats {
  readonly server: string;
  /** Write rights on the drive: the actions are offered only then (the server checks again). */
  readonly operator: boolean;
}

/** The requests the page makes. */
export interface MonitorApi {
  stats(): Promise<MonitorStats>;
  setEnabled(plugin: string, enabled: boolean): Promise<void>;
  restart(plugin: string): Promise<void>;
}

/** The API on this page's server, with the figures at `statsPath`. */
export function createMonitorApi(agent: Agent, statsPath: string): MonitorApi {
  let server: string | null = null;
  return {
    async stats() {
      const stats = (await (await signedFetch(agent, statsPath)).json()) as MonitorStats;
      server = stats.server;
      return stats;
    },
    async setEnabled(plugin, enabled) {
      // The same commit as the CLI's and the dashboard's (switching on clears a tripped breaker's error).
      const stored = enabled ? ((await (await signedFetch(agent, plugin, { accept: 'application/ad+json' })).json()) as Record<string, unknown>) : {};
      const commit = signCommit(agent, enableChanges(server ?? location.origin, plugin, stored, enabled));
      await signedFetch(agent, '/commit', { method: 'POST', body: JSON.stringify(commit), contentType: 'application/ad+json' });
    },
    async restart(plugin) {
      await signedFetch(agent, `/plugins/restart?plugin=${encodeURIComponent(plugin)}`, { method: 'POST' });
    },
  };
}
