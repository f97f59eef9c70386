// What the host tells about one installed plugin: whether it runs (and if not, why), its version,
// and its runtime figures (calls, failures, latency, memory). One shape for the Plugin resource's
// status properties (plugin-host.ts) and for the system monitor's `host_stats` (sdk/common/host-stats.ts).

import { props } from '../atomic/urls.js';
import type { PropVals } from '../atomic/json-ad.js';
import type { PluginFigures } from '../../sdk/common/host-stats.js';
import type { Installation } from './installation.js';

/** What the host knows of a plugin beside its resource. */
export interface PluginRunState {
  readonly installation: Installation | undefined;
  /** Why it is not running, if known. */
  readonly failure: string | undefined;
  /** Restarts asked for by operators (POST /plugins/restart). */
  readonly operatorRestarts: number;
  readonly enabled: boolean;
  /** What it ran as when it last ran in this process, for one that does not run now. */
  readonly lastRan: { readonly plugin: string; readonly version: string } | undefined;
}

const str = (value: unknown): string => (typeof value === 'string' ? value : '');

/** The figures of the plugin at `subject`, described by `propvals`. */
export function pluginFigures(subject: string, propvals: PropVals, run: PluginRunState): PluginFigures {
  const { installation } = run;
  if (installation) {
    const stats = installation.instance.stats();
    return {
      subject,
      plugin: installation.id,
      version: installation.manifest.version,
      status: 'active',
      error: null,
      calls: stats.calls,
      failures: stats.failures,
      timeouts: stats.timeouts,
      restarts: stats.restarts + run.operatorRestarts,
      latencyMs: installation.latency.percentiles(),
      memoryBytes: stats.memoryBytes,
      lastError: stats.lastError ? `${stats.lastError.code}: ${stats.lastError.message}` : null,
    };
  }
  const namespace = str(propvals[props.plugin.namespace]);
  const name = str(propvals[props.name]);
  return {
    subject,
    plugin: run.lastRan?.plugin ?? (namespace && name ? `${namespace}/${name}` : ''),
    version: run.lastRan?.version ?? str(propvals[props.plugin.version]),
    status: run.enabled ? 'failed' : 'disabled',
    error: run.failure ?? (run.enabled ? 'not loaded' : null),
    calls: 0,
    failures: 0,
    timeouts: 0,
    restarts: run.operatorRestarts,
    latencyMs: { p50: null, p95: null, p99: null },
    memoryBytes: 0,
    lastError: null,
  };
}
