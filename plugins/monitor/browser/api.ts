// What the monitor page asks of the server, as the signed-in agent: the figures (the plugin's
// /monitor/stats) and the operator's actions, which go to the server itself so that it checks
// the rights: switching a plugin off or on is a signed Commit on its Plugin resource (as the
// CLI's disable and enable make), restarting is POST /plugins/restart.

import { signCommit, signedFetch, type Agent, type HostStats } from 'atomic-plugin/sdk/browser';

/** The figures as /monitor/stats answers them: host_stats and the server's URL. */
export interface MonitorStats extends HostStats {
  readonly server: string;
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
      const stats = (await (await signedFetch(agent, 'GET', statsPath)).json()) as MonitorStats;
      server = stats.server;
      return stats;
    },
    async setEnabled(plugin, enabled) {
      const base = server ?? location.origin;
      const property = (name: string): string => `${base}/ontology/${name}`;
      // Switching on also clears why it was switched off (a tripped breaker's reason).
      const commit = signCommit(agent, { subject: plugin, set: { [property('plugin-enabled')]: enabled }, ...(enabled ? { remove: [property('plugin-error')] } : {}) });
      await signedFetch(agent, 'POST', '/commit', { body: JSON.stringify(commit), contentType: 'application/ad+json' });
    },
    async restart(plugin) {
      await signedFetch(agent, 'POST', `/plugins/restart?plugin=${encodeURIComponent(plugin)}`);
    },
  };
}
