// Call latency of one plugin over its most recent calls: a fixed ring of durations that a call
// adds to in constant time with no allocation (the hot path), and percentiles computed only when
// someone asks (the plugin's status, host_stats), by sorting a copy of at most WINDOW numbers.

import type { LatencyPercentiles } from '../../sdk/common/host-stats.js';

/** How many of the most recent calls the percentiles are taken over. */
export const LATENCY_WINDOW = 1024;

/** The durations of the last {@link LATENCY_WINDOW} calls. */
export class LatencyWindow {
  readonly #durations = new Float64Array(LATENCY_WINDOW);
  #count = 0;

  /** Records one call's duration in milliseconds. */
  record(ms: number): void {
    this.#durations[this.#count % LATENCY_WINDOW] = ms;
    this.#count++;
  }

  /** The nearest-rank percentiles of the recorded durations, rounded to microseconds. */
  percentiles(): LatencyPercentiles {
    const n = Math.min(this.#count, LATENCY_WINDOW);
    if (n === 0) return { p50: null, p95: null, p99: null };
    const sorted = this.#durations.slice(0, n).sort();
    const at = (p: number): number => Math.round(sorted[Math.max(0, Math.ceil((p / 100) * n) - 1)]! * 1000) / 1000;
    return { p50: at(50), p95: at(95), p99: at(99) };
  }
}
