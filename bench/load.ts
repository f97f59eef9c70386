// A small concurrent load driver: runs an async operation from N workers, records per-operation latency and reports throughput and percentiles.

import { Agent, request, type OutgoingHttpHeaders } from 'node:http';

/** Throughput and latency of one measured run. */
export interface LoadStats {
  concurrency: number;
  /** Operations that succeeded. */
  ok: number;
  /** Operations that failed (threw, or an HTTP status other than the expected one). */
  errors: number;
  /** The first failure, to say why. */
  firstError?: string;
  elapsedMs: number;
  /** Successful operations per second over the whole run. */
  perSecond: number;
  meanMs: number;
  p50Ms: number;
  p90Ms: number;
  p99Ms: number;
  maxMs: number;
  /** CPU the server process used meanwhile, in percent of one core (Linux only). */
  serverCpu?: { processPercent: number; mainThreadPercent: number };
}

/** When a run stops: after `maxOps` operations or `durationMs`, whichever comes first. */
export interface RunLimits {
  maxOps: number;
  durationMs: number;
  /** If given, every successful latency (ms) is also appended here, to pool runs with {@link mergeRuns}. */
  samples?: number[];
}

/** Nearest-rank percentile of ascending samples (q in 0..1). */
export function percentile(sorted: Float64Array, q: number): number {
  if (sorted.length === 0) return 0;
  const rank = Math.min(sorted.length, Math.max(1, Math.ceil(q * sorted.length)));
  return sorted[rank - 1] ?? 0;
}

/**
 * Runs `op(i)` for i = 0, 1, 2… from `concurrency` workers, each waiting for its previous
 * operation, until the limits are reached. `op` resolves to an error message, or undefined on success.
 */
export async function runConcurrent(
  concurrency: number,
  limits: RunLimits,
  op: (i: number) => Promise<string | undefined>,
): Promise<LoadStats> {
  const latencies = new Float64Array(limits.maxOps);
  let next = 0;
  let samples = 0;
  let errors = 0;
  let firstError: string | undefined;
  const start = performance.now();
  const deadline = start + limits.durationMs;

  const worker = async (): Promise<void> => {
    while (next < limits.maxOps && performance.now() < deadline) {
      const i = next++;
      const t0 = performance.now();
      let failure: string | undefined;
      try {
        failure = await op(i);
      } catch (error) {
        failure = error instanceof Error ? error.message : String(error);
      }
      const t1 = performance.now();
      if (failure === undefined) {
        latencies[samples++] = t1 - t0;
        limits.samples?.push(t1 - t0);
      } else {
        errors++;
        firstError ??= failure;
      }
    }
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
  return summarize(concurrency, latencies.subarray(0, samples), errors, firstError, performance.now() - start);
}

/** Stats of one run from its successful latencies (ms; sorted in place), its failures and its length. */
export function summarize(concurrency: number, latencies: Float64Array, errors: number, firstError: string | undefined, elapsedMs: number): LoadStats {
  const sorted = latencies.sort();
  const samples = sorted.length;
  let sum = 0;
  for (const v of sorted) sum += v;
  const stats: LoadStats = {
    concurrency,
    ok: samples,
    errors,
    elapsedMs,
    perSecond: elapsedMs > 0 ? (samples * 1000) / elapsedMs : 0,
    meanMs: samples > 0 ? sum / samples : 0,
    p50Ms: percentile(sorted, 0.5),
    p90Ms: percentile(sorted, 0.9),
    p99Ms: percentile(sorted, 0.99),
    maxMs: samples > 0 ? (sorted[samples - 1] ?? 0) : 0,
  };
  if (firstError !== undefined) stats.firstError = firstError;
  return stats;
}

/**
 * Runs each of `rows` `turns` times, in turns (the order rotated each turn, so that no row is
 * always first), and returns each row's results in order.
 */
export async function interleave<T>(rows: readonly (() => Promise<T>)[], turns: number): Promise<T[][]> {
  const results = rows.map((): T[] => []);
  for (let turn = 0; turn < turns; turn++) {
    for (let j = 0; j < rows.length; j++) {
      const k = (turn + j) % rows.length;
      results[k]!.push(await rows[k]!());
    }
  }
  return results;
}

/** Several runs of one operation as one: their latencies pooled (`samples`, see RunLimits), their time and failures summed, server CPU averaged over their time. */
export function mergeRuns(runs: readonly LoadStats[], samples: readonly number[]): LoadStats {
  const elapsedMs = runs.reduce((sum, r) => sum + r.elapsedMs, 0);
  const errors = runs.reduce((sum, r) => sum + r.errors, 0);
  const stats = summarize(runs[0]?.concurrency ?? 0, Float64Array.from(samples), errors, runs.find((r) => r.firstError !== undefined)?.firstError, elapsedMs);
  if (elapsedMs > 0 && runs.every((r) => r.serverCpu)) {
    const average = (pick: (cpu: NonNullable<LoadStats['serverCpu']>) => number): number => runs.reduce((sum, r) => sum + pick(r.serverCpu!) * r.elapsedMs, 0) / elapsedMs;
    stats.serverCpu = { processPercent: average((cpu) => cpu.processPercent), mainThreadPercent: average((cpu) => cpu.mainThreadPercent) };
  }
  return stats;
}

/** One progress line's worth of a measurement. */
export function describe(stats: LoadStats, unit = '/s'): string {
  const errors = stats.errors > 0 ? `, ${stats.errors} errors (${stats.firstError ?? '?'})` : '';
  const cpu = stats.serverCpu ? `, server CPU ${Math.round(stats.serverCpu.processPercent)}% (event loop ${Math.round(stats.serverCpu.mainThreadPercent)}%)` : '';
  return `${Math.round(stats.perSecond).toLocaleString('en-US')}${unit}, p50 ${stats.p50Ms.toFixed(2)} ms, p99 ${stats.p99Ms.toFixed(2)} ms${cpu}${errors}`;
}

/** One HTTP request to send. */
export interface RequestSpec {
  method: 'GET' | 'POST';
  path: string;
  headers?: OutgoingHttpHeaders;
  body?: Buffer;
}

/** A keep-alive HTTP client for one origin, with at most `concurrency` sockets. */
export class HttpClient {
  readonly #agent: Agent;
  readonly #host: string;
  readonly #port: number;
  readonly #hostHeader: string;

  /** `hostHeader` is what the Host header says (the server builds request URLs from it). */
  constructor(host: string, port: number, concurrency: number, hostHeader = `${host}:${port}`) {
    this.#agent = new Agent({ keepAlive: true, maxSockets: concurrency, maxFreeSockets: concurrency });
    this.#host = host;
    this.#port = port;
    this.#hostHeader = hostHeader;
  }

  /** Sends a request; resolves with the status and, when it is not `expect`, the body. */
  send(spec: RequestSpec, expect = 200): Promise<{ status: number; body?: string }> {
    return new Promise((resolve, reject) => {
      const headers: OutgoingHttpHeaders = { host: this.#hostHeader, ...spec.headers };
      if (spec.body) headers['content-length'] = spec.body.length;
      const req = request({ agent: this.#agent, host: this.#host, port: this.#port, method: spec.method, path: spec.path, headers }, (res) => {
        const status = res.statusCode ?? 0;
        if (status === expect) {
          res.on('end', () => resolve({ status }));
          res.resume();
          return;
        }
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('end', () => resolve({ status, body: Buffer.concat(chunks).toString('utf8') }));
        res.on('error', reject);
      });
      req.on('error', reject);
      req.end(spec.body);
    });
  }

  /** An operation for {@link runConcurrent}: sends `specFor(i)` and fails on any other status than `expect`. */
  op(specFor: (i: number) => RequestSpec, expect = 200): (i: number) => Promise<string | undefined> {
    return async (i) => {
      const { status, body } = await this.send(specFor(i), expect);
      return status === expect ? undefined : `HTTP ${status}: ${(body ?? '').slice(0, 300)}`;
    };
  }

  close(): void {
    this.#agent.destroy();
  }
}
