// The host suite: starts `atomic-plugin serve` in a child process and measures signed-commit ingestion and GETs over HTTP with concurrent keep-alive clients.

import { createPrivateKey, sign, type KeyObject } from 'node:crypto';
import { mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { decodeSecret, type AgentIdentity } from '../server/atomic/agent.js';
import { signRequestHeaders } from '../server/atomic/auth.js';
import { commitToPropVals, signableString, signCommit, type Commit, type CommitChanges } from '../server/atomic/commit.js';
import { props, publicAgent } from '../server/atomic/urls.js';
import { freePort, startChild, withCpu, type ReadyChild } from './child.js';
import type { TimeWindow } from './profile.js';
import { describe, HttpClient, runConcurrent, type LoadStats, type RequestSpec, type RunLimits } from './load.js';

/** Writes a progress line (to stderr). */
export type Progress = (line: string) => void;

const PKCS8_PREFIX = Buffer.from('302e020100300506032b657004220420', 'hex');

/**
 * Signs commits exactly as `signCommit` does, but with the private key parsed once: `signCommit`
 * parses it on every call (~0.4 ms), which would make pre-signing tens of thousands of commits take
 * longer than the benchmark itself. Ed25519 is deterministic, so the first commit of every batch
 * is also signed with `signCommit` and the two signatures must be identical.
 */
export class BenchSigner {
  readonly agent: AgentIdentity;
  readonly #key: KeyObject;

  constructor(agent: AgentIdentity) {
    this.agent = agent;
    this.#key = createPrivateKey({ key: Buffer.concat([PKCS8_PREFIX, Buffer.from(agent.privateKey, 'base64')]), format: 'der', type: 'pkcs8' });
  }

  sign(changes: CommitChanges, createdAt: number): Commit {
    const unsigned: Commit = { ...changes, createdAt, signer: this.agent.subject, signature: '' };
    return { ...unsigned, signature: sign(null, Buffer.from(signableString(unsigned), 'utf8'), this.#key).toString('base64') };
  }

  /** Signs `changes(i)` for i in [first, first + count), checked against `signCommit`. */
  signMany(first: number, count: number, changes: (i: number) => CommitChanges): Commit[] {
    const createdAt = Date.now();
    const commits: Commit[] = [];
    for (let i = first; i < first + count; i++) commits.push(this.sign(changes(i), createdAt));
    const head = commits[0];
    if (head && signCommit(changes(first), this.agent, createdAt).signature !== head.signature) {
      throw new Error('BenchSigner does not produce the signatures signCommit does; the commit format changed');
    }
    return commits;
  }
}

/** The changes of benchmark commit `i`: a new resource under the drive. */
export function benchCommitChanges(serverUrl: string, i: number): CommitChanges {
  return {
    subject: `${serverUrl}/bench-${i}`,
    set: {
      [props.parent]: serverUrl,
      [props.name]: `Bench resource ${i}`,
      [props.description]: `Resource number ${i}, created by the commit ingestion benchmark.`,
    },
  };
}

/** The JSON-AD body a client POSTs to /commit. */
export function commitBody(commit: Commit): Buffer {
  return Buffer.from(JSON.stringify(commitToPropVals(commit)), 'utf8');
}

/** The request that POSTs a commit's JSON-AD body to /commit. */
export function commitRequest(body: Buffer): RequestSpec {
  return { method: 'POST', path: '/commit', headers: { 'content-type': 'application/ad+json', accept: 'application/ad+json' }, body };
}

/** Sends `spec` and throws, naming `what`, unless the answer has status `expect`. */
export async function sendExpecting(client: HttpClient, what: string, spec: RequestSpec, expect = 200): Promise<void> {
  const { status, body } = await client.send(spec, expect);
  if (status !== expect) throw new Error(`${what}: HTTP ${status} ${body ?? ''}`);
}

/** Uploads a package to `{url}/plugins/packages` with a request signed by `agent`; returns the package's URL. */
export async function uploadPackage(url: string, bytes: Uint8Array, type: string, agent: AgentIdentity): Promise<string> {
  const response = await fetch(`${url}/plugins/packages`, {
    method: 'POST',
    body: bytes,
    headers: { 'content-type': type, ...signRequestHeaders(`${url}/plugins/packages`, agent) },
  });
  if (response.status !== 201) throw new Error(`uploading to /plugins/packages failed: HTTP ${response.status} ${await response.text()}`);
  return ((await response.json()) as { '@id': string })['@id'];
}

/** What `serve --json` prints once it listens. */
interface ServeInfo {
  url: string;
  port: number;
  agentSecretPath: string;
}

function isServeInfo(json: unknown): json is ServeInfo {
  if (typeof json !== 'object' || json === null) return false;
  const o = json as Record<string, unknown>;
  return typeof o.url === 'string' && typeof o.port === 'number' && typeof o.agentSecretPath === 'string';
}

/** How the host suite runs. */
export interface HostSuiteOptions {
  levels: number[];
  /** Warm-up before each GET phase. */
  warmupMs: number;
  /** Warm-up with commits before the first commit phase (JIT, sockets, the store's first pages). */
  initialWarmupMs: number;
  durationMs: number;
  /** Upper bound on operations per measured phase. */
  maxOps: number;
  /** How many commits to pre-sign for a measured phase at concurrency c (signing happens before timing). */
  commitBudget: (concurrency: number) => number;
  dataDir: string;
  /** Directory for the host's V8 CPU profile (node --cpu-prof), or undefined for none. */
  cpuProfDir?: string;
  /** Which parts to run. */
  commits: boolean;
  gets: boolean;
  progress: Progress;
}

/** What the host suite measured. */
export interface HostSuiteResult {
  url: string;
  /** The host's process id (its CPU profile is named after it). */
  pid?: number;
  /** When each measured phase ran, on the monotonic clock V8 profiles use. */
  windows: TimeWindow[];
  commits: LoadStats[];
  getPublic: LoadStats[];
  getSigned: LoadStats[];
}

const BIN = fileURLToPath(new URL('../../bin/run.js', import.meta.url));
const HOST_CHILD = fileURLToPath(new URL('./host-child.js', import.meta.url));

/** How to start a host for a suite. */
export interface HostProcessOptions {
  /** Profile the host with `--cpu-prof` into this folder. */
  cpuProfDir?: string;
  /** Default: a free one. */
  port?: number;
  /** The bench's host with its native echo route (bench/host-child.ts) instead of `serve`. */
  nativeEcho?: boolean;
  /** Process plugins (`namespace/name`) to profile too (`serve --profile-plugin`), into `{cpuProfDir}/plugins`. */
  profilePlugins?: readonly string[];
}

/** Starts `atomic-plugin serve --json` and reads the owner agent. */
export async function startHostProcess(dataDir: string, options: HostProcessOptions = {}): Promise<{ child: ReadyChild<ServeInfo>; owner: AgentIdentity }> {
  mkdirSync(dataDir, { recursive: true });
  const port = options.port ?? (await freePort());
  const { cpuProfDir } = options;
  const nodeArgs = cpuProfDir ? ['--cpu-prof', '--cpu-prof-dir', cpuProfDir] : [];
  const args = options.nativeEcho ? [HOST_CHILD, '--port', String(port), '--data-dir', dataDir] : [BIN, 'serve', '--port', String(port), '--data-dir', dataDir, '--json'];
  const profiled = cpuProfDir && !options.nativeEcho ? (options.profilePlugins ?? []) : [];
  if (profiled.length > 0) args.push(...profiled.flatMap((id) => ['--profile-plugin', id]), '--profile-dir', join(cpuProfDir!, 'plugins'));
  const child = await startChild(nodeArgs, args, isServeInfo);
  const owner = decodeSecret(readFileSync(join(dataDir, 'agent.secret'), 'utf8'));
  return { child, owner };
}

/** Runs the host suite: commit ingestion at each concurrency, then GETs (public and signed). */
export async function runHostSuite(options: HostSuiteOptions): Promise<HostSuiteResult> {
  const { progress } = options;
  progress(`host: starting atomic-plugin serve (child process${options.cpuProfDir ? ', --cpu-prof' : ''})`);
  const { child, owner } = await startHostProcess(options.dataDir, options.cpuProfDir ? { cpuProfDir: options.cpuProfDir } : {});
  const url = child.info.url;
  const hostHeader = new URL(url).host;
  const signer = new BenchSigner(owner);
  const result: HostSuiteResult = { url, pid: child.process.pid, windows: [], commits: [], getPublic: [], getSigned: [] };
  const maxLevel = Math.max(...options.levels);
  const client = new HttpClient('127.0.0.1', child.info.port, maxLevel, hostHeader);
  let nextIndex = 0;
  // Each measured phase also records how much CPU the host process used meanwhile.
  const nowUs = (): number => Number(process.hrtime.bigint() / 1000n);
  const measured = async (label: string, work: () => Promise<LoadStats>): Promise<LoadStats> => {
    const startUs = nowUs();
    const { result: stats, cpu } = await withCpu(child.process.pid, work);
    result.windows.push({ label: `${label} C=${stats.concurrency}`, startUs, endUs: nowUs() });
    if (cpu) stats.serverCpu = cpu;
    return stats;
  };

  const postCommits = async (label: string, concurrency: number, limits: RunLimits, count: number): Promise<LoadStats> => {
    const bodies = signer.signMany(nextIndex, count, (i) => benchCommitChanges(url, i)).map(commitBody);
    nextIndex += count;
    const spec = (i: number): RequestSpec => commitRequest(bodies[i] ?? Buffer.alloc(0));
    return measured(label, () => runConcurrent(concurrency, { ...limits, maxOps: Math.min(limits.maxOps, bodies.length) }, client.op(spec)));
  };

  try {
    progress(`host: listening on ${url} (pid ${child.process.pid ?? '?'})`);
    if (options.commits) {
      const warmupCount = Math.ceil((options.commitBudget(maxLevel) * options.initialWarmupMs) / options.durationMs);
      const warm = await postCommits('commits warm-up', maxLevel, { maxOps: options.maxOps, durationMs: options.initialWarmupMs }, warmupCount);
      progress(`commits: warm-up ${describe(warm)}`);
      for (const c of options.levels) {
        const count = Math.min(options.maxOps, options.commitBudget(c));
        progress(`commits: C=${c}, pre-signing ${count.toLocaleString('en-US')} commits…`);
        const stats = await postCommits('commits', c, { maxOps: options.maxOps, durationMs: options.durationMs }, count);
        progress(`commits: C=${c} ${describe(stats)}`);
        result.commits.push(stats);
      }
    }

    if (options.gets) {
      // One public resource (read by anyone) and one that only the owner may read (through the drive).
      const setup = [
        signer.sign({ subject: `${url}/bench-get-public`, set: { [props.parent]: url, [props.name]: 'Public bench resource', [props.read]: [publicAgent] } }, Date.now()),
        signer.sign({ subject: `${url}/bench-get-private`, set: { [props.parent]: url, [props.name]: 'Private bench resource' } }, Date.now()),
      ];
      for (const commit of setup) {
        const { status, body } = await client.send({ method: 'POST', path: '/commit', headers: { 'content-type': 'application/ad+json' }, body: commitBody(commit) });
        if (status !== 200) throw new Error(`creating ${commit.subject} failed: HTTP ${status} ${body ?? ''}`);
      }
      const publicSpec: RequestSpec = { method: 'GET', path: '/bench-get-public', headers: { accept: 'application/ad+json' } };
      const getAt = async (label: string, c: number, spec: () => RequestSpec): Promise<LoadStats> => {
        const warm = spec();
        await runConcurrent(c, { maxOps: options.maxOps, durationMs: options.warmupMs }, client.op(() => warm));
        const s = spec();
        const stats = await measured(label, () => runConcurrent(c, { maxOps: options.maxOps, durationMs: options.durationMs }, client.op(() => s)));
        progress(`${label}: C=${c} ${describe(stats)}`);
        return stats;
      };
      for (const c of options.levels) result.getPublic.push(await getAt('GET public (anonymous)', c, () => publicSpec));
      // The signature covers URL and timestamp and stays valid for 30 s, so one set of headers per phase will do.
      const signedSpec = (): RequestSpec => ({
        method: 'GET',
        path: '/bench-get-private',
        headers: { accept: 'application/ad+json', ...signRequestHeaders(`${url}/bench-get-private`, owner) },
      });
      for (const c of options.levels) result.getSigned.push(await getAt('GET private (signed)', c, signedSpec));
    }
  } finally {
    client.close();
    progress('host: stopping');
    await child.stop();
  }
  return result;
}
