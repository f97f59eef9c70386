// The host's own runtime figures for the system monitor (host function `host_stats`): memory, CPU
// over the interval since the previous reading, load average, the data folder's disk, and uptime.
// Readings are cheap (no timer runs between them); CPU use needs two samples, so the first
// reading covers the time since the host started.

import { cpus, freemem, loadavg, totalmem, uptime as systemUptime } from 'node:os';
import { statfsSync } from 'node:fs';
import type { HostFigures } from '../sdk/common/host-stats.js';

/** Readings closer together than this share one CPU interval (a page refreshing fast gets steady figures). */
const MIN_INTERVAL_MS = 500;

interface CpuSample {
  readonly at: number;
  /** Process CPU time, µs. */
  readonly process: number;
  /** Summed over cores, ms. */
  readonly busy: number;
  readonly total: number;
}

/** The machine's CPU time since boot, summed over cores (ms): busy, and in all. */
export function machineCpuTimes(): { busy: number; total: number } {
  let busy = 0;
  let total = 0;
  for (const { times } of cpus()) {
    const all = times.user + times.nice + times.sys + times.irq + times.idle;
    total += all;
    busy += all - times.idle;
  }
  return { busy, total };
}

function sample(): CpuSample {
  const usage = process.cpuUsage();
  return { at: performance.now(), process: usage.user + usage.system, ...machineCpuTimes() };
}

const round = (n: number): number => Math.round(n * 10) / 10;
const loadAverage = (): [number, number, number] => loadavg().map(round) as [number, number, number];

/** Reads the host's figures; keeps the last CPU sample between readings. */
export class HostSampler {
  readonly #dataDir: string;
  #previous = sample();
  #cpu: HostFigures['cpu'] | null = null;

  constructor(dataDir: string) {
    this.#dataDir = dataDir;
  }

  read(): HostFigures {
    const memory = process.memoryUsage();
    const disk = statfsSync(this.#dataDir);
    return {
      uptime: { processSeconds: Math.round(process.uptime()), systemSeconds: Math.round(systemUptime()) },
      memory: {
        rssBytes: memory.rss,
        heapUsedBytes: memory.heapUsed,
        heapTotalBytes: memory.heapTotal,
        systemTotalBytes: totalmem(),
        systemFreeBytes: freemem(),
      },
      cpu: this.#readCpu(),
      disk: { path: this.#dataDir, totalBytes: disk.blocks * disk.bsize, freeBytes: disk.bfree * disk.bsize, availableBytes: disk.bavail * disk.bsize },
    };
  }

  #readCpu(): HostFigures['cpu'] {
    const now = sample();
    const elapsed = now.at - this.#previous.at;
    if (this.#cpu && elapsed < MIN_INTERVAL_MS) return { ...this.#cpu, loadAverage: loadAverage() };
    const total = now.total - this.#previous.total;
    this.#cpu = {
      processPercent: elapsed > 0 ? round(((now.process - this.#previous.process) / 1000 / elapsed) * 100) : 0,
      systemPercent: total > 0 ? round(((now.busy - this.#previous.busy) / total) * 100) : 0,
      cores: cpus().length,
      loadAverage: loadAverage(),
      intervalMs: Math.round(elapsed),
    };
    this.#previous = now;
    return this.#cpu;
  }
}
