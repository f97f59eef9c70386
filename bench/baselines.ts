// Baselines measured in the same run: Ed25519 verification alone, verification plus a durable LMDB write in-process (the bound for HTTP ingestion), and a bare node:http server.

import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createAgentIdentity } from '../server/atomic/agent.js';
import { applyCommit, commitSubject, commitToPropVals, verifyCommitSignature, type Commit } from '../server/atomic/commit.js';
import { LmdbStore } from '../server/store/lmdb-store.js';
import { startChild, withCpu } from './child.js';
import { BenchSigner, benchCommitChanges, commitBody, type Progress } from './commit-ingestion.js';
import { describe, HttpClient, runConcurrent, type LoadStats, type RequestSpec, type RunLimits } from './load.js';

/** The server URL the in-process baselines build subjects from (nothing listens there). */
const BASELINE_URL = 'http://localhost:9883';

/** Signature checks per second on one thread. */
export interface VerifyStats {
  ops: number;
  elapsedMs: number;
  perSecond: number;
}

/** Verifies pre-signed commits in a tight loop for at most `limits`. */
export function measureVerifyOnly(limits: RunLimits, progress: Progress): VerifyStats {
  const signer = new BenchSigner(createAgentIdentity(BASELINE_URL));
  const commits = signer.signMany(0, limits.maxOps, (i) => benchCommitChanges(BASELINE_URL, i));
  const { publicKey } = signer.agent;
  // A short warm-up so the loop runs optimized code.
  for (const commit of commits.slice(0, 200)) verifyCommitSignature(commit, publicKey);
  const start = performance.now();
  const deadline = start + limits.durationMs;
  let ops = 0;
  for (const commit of commits) {
    if (!verifyCommitSignature(commit, publicKey)) throw new Error('a benchmark commit did not verify');
    ops++;
    if ((ops & 255) === 0 && performance.now() > deadline) break;
  }
  const elapsedMs = performance.now() - start;
  const stats = { ops, elapsedMs, perSecond: (ops * 1000) / elapsedMs };
  progress(`verify only: ${Math.round(stats.perSecond).toLocaleString('en-US')} signatures/s`);
  return stats;
}

/** How the in-process bound runs. */
export interface BoundOptions {
  levels: number[];
  warmupMs: number;
  durationMs: number;
  maxOps: number;
  /** Commits to pre-sign per measured phase (the phase stops early when they run out). */
  commitsPerPhase: number;
  dir: string;
  progress: Progress;
}

/**
 * The in-process bound: per commit, the Ed25519 check plus one awaited, durable LMDB transaction
 * that writes the new resource and the commit, from `c` concurrent writers so LMDB can batch them.
 * This is the work the host cannot avoid; HTTP, JSON parsing, rights and the event loop come on top.
 */
export async function measureInProcessBound(options: BoundOptions): Promise<LoadStats[]> {
  const { progress } = options;
  const storeDir = join(options.dir, 'store');
  mkdirSync(options.dir, { recursive: true });
  const store = LmdbStore.open(storeDir);
  const signer = new BenchSigner(createAgentIdentity(BASELINE_URL));
  const { publicKey } = signer.agent;
  let nextIndex = 0;

  const run = async (c: number, limits: RunLimits, count: number): Promise<LoadStats> => {
    const commits = signer.signMany(nextIndex, count, (i) => benchCommitChanges(BASELINE_URL, i));
    nextIndex += count;
    const op = async (i: number): Promise<string | undefined> => {
      const commit = commits[i] as Commit;
      if (!verifyCommitSignature(commit, publicKey)) return 'signature did not verify';
      const commitId = commitSubject(BASELINE_URL, commit);
      const after = applyCommit(undefined, commit, commitId);
      await store.transact((txn) => {
        if (after) txn.put(commit.subject, after);
        txn.put(commitId, commitToPropVals(commit));
      });
      return undefined;
    };
    const { result: stats, cpu } = await withCpu(process.pid, () => runConcurrent(c, { ...limits, maxOps: Math.min(limits.maxOps, commits.length) }, op));
    if (cpu) stats.serverCpu = cpu;
    return stats;
  };

  const results: LoadStats[] = [];
  try {
    const maxLevel = Math.max(...options.levels);
    await run(maxLevel, { maxOps: options.maxOps, durationMs: options.warmupMs }, Math.ceil(options.commitsPerPhase * Math.min(1, options.warmupMs / options.durationMs)));
    for (const c of options.levels) {
      const stats = await run(c, { maxOps: options.maxOps, durationMs: options.durationMs }, options.commitsPerPhase);
      progress(`in-process verify + durable write: C=${c} ${describe(stats, ' commits/s')}`);
      results.push(stats);
    }
  } finally {
    await store.close();
  }
  return results;
}

/** How the bare HTTP baseline runs. */
export interface BareOptions {
  levels: number[];
  /** Warm-up before each phase. */
  warmupMs: number;
  /** Warm-up of the client and the server before the first phase (JIT, sockets): the first second of HTTP traffic is several times slower. */
  initialWarmupMs: number;
  durationMs: number;
  maxOps: number;
  progress: Progress;
}

/** What the bare server measured: GETs, and POSTs of a commit-sized body. */
export interface BareResult {
  get: LoadStats[];
  post: LoadStats[];
}

const BARE_SERVER = fileURLToPath(new URL('./bare-server.js', import.meta.url));

function isPortInfo(json: unknown): json is { port: number } {
  return typeof json === 'object' && json !== null && typeof (json as Record<string, unknown>).port === 'number';
}

/** Starts the bare server in a child process and hits it with the same client and concurrency as the host. */
export async function measureBareHttp(options: BareOptions): Promise<BareResult> {
  const { progress } = options;
  const child = await startChild([], [BARE_SERVER, '--port', '0'], isPortInfo);
  const client = new HttpClient('127.0.0.1', child.info.port, Math.max(...options.levels), `localhost:${child.info.port}`);
  const signer = new BenchSigner(createAgentIdentity(BASELINE_URL));
  const postBody = commitBody(signer.sign(benchCommitChanges(BASELINE_URL, 123_456), Date.now()));
  const get: RequestSpec = { method: 'GET', path: '/bench-get-public', headers: { accept: 'application/ad+json' } };
  const post: RequestSpec = { method: 'POST', path: '/commit', headers: { 'content-type': 'application/ad+json', accept: 'application/ad+json' }, body: postBody };
  const result: BareResult = { get: [], post: [] };
  const phase = async (label: string, c: number, spec: RequestSpec): Promise<LoadStats> => {
    await runConcurrent(c, { maxOps: options.maxOps, durationMs: options.warmupMs }, client.op(() => spec));
    const { result: stats, cpu } = await withCpu(child.process.pid, () => runConcurrent(c, { maxOps: options.maxOps, durationMs: options.durationMs }, client.op(() => spec)));
    if (cpu) stats.serverCpu = cpu;
    progress(`${label}: C=${c} ${describe(stats, ' req/s')}`);
    return stats;
  };
  try {
    progress(`bare HTTP: server pid ${child.process.pid ?? '?'} on port ${child.info.port}, warming up`);
    for (const spec of [post, get]) {
      for (const c of [1, Math.max(...options.levels)]) {
        await runConcurrent(c, { maxOps: options.maxOps, durationMs: options.initialWarmupMs / 4 }, client.op(() => spec));
      }
    }
    for (const c of options.levels) result.get.push(await phase('bare HTTP GET', c, get));
    for (const c of options.levels) result.post.push(await phase(`bare HTTP POST (${postBody.length} B body)`, c, post));
  } finally {
    client.close();
    await child.stop();
  }
  return result;
}
