// What the host function `host_stats` answers (permission `monitor`, docs/plugins/abi.md): the
// host's own figures and every installed plugin's. One set of types for the host that builds the
// answer, the SDKs that hand it to plugins and the pages that show it.

/** Percentiles of call durations in milliseconds over a plugin's recent calls; null before the first call. */
export interface LatencyPercentiles {
  readonly p50: number | null;
  readonly p95: number | null;
  readonly p99: number | null;
}

/** The host's memory, CPU, disk and uptime. */
export interface HostFigures {
  readonly uptime: { readonly processSeconds: number; readonly systemSeconds: number };
  readonly memory: {
    /** The server process (its sandbox threads included; process plugins are counted per plugin). */
    readonly rssBytes: number;
    readonly heapUsedBytes: number;
    readonly heapTotalBytes: number;
    readonly systemTotalBytes: number;
    readonly systemFreeBytes: number;
  };
  readonly cpu: {
    /** The server process's CPU time over the interval, as a share of one core (above 100 with threads busy). */
    readonly processPercent: number;
    /** All cores busy over the interval, as a share of the machine. */
    readonly systemPercent: number;
    readonly cores: number;
    /** 1, 5 and 15 minute load averages (zeros where the OS has none). */
    readonly loadAverage: readonly [number, number, number];
    /** How long the interval the percentages cover was. */
    readonly intervalMs: number;
  };
  /** The file system of the host's data folder. */
  readonly disk: { readonly path: string; readonly totalBytes: number; readonly freeBytes: number; readonly availableBytes: number };
}

/** Whether an installed plugin runs: switched on and loaded, switched off, or on but not loaded. */
export type PluginState = 'active' | 'disabled' | 'failed';

/** One installed plugin's status and figures. */
export interface PluginFigures {
  /** The Plugin resource. */
  readonly subject: string;
  /** `namespace/name` ('' when neither the running plugin nor its resource says). */
  readonly plugin: string;
  readonly version: string;
  readonly status: PluginState;
  /** Why it is not running (a load failure, a tripped breaker), or null. */
  readonly error: string | null;
  readonly calls: number;
  readonly failures: number;
  readonly timeouts: number;
  /** Sandboxes replaced after a timeout or crash, plus restarts operators asked for. */
  readonly restarts: number;
  readonly latencyMs: LatencyPercentiles;
  readonly memoryBytes: number;
  /** The last failed call, as `CODE: message`, or null. */
  readonly lastError: string | null;
}

/** The answer of `host_stats`. */
export interface HostStats {
  readonly host: HostFigures;
  readonly plugins: readonly PluginFigures[];
}
