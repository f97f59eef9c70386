// The search suite: the full-text search plugin (plugins/search) over generated resources (notes
// of pseudo-words under folders, of two classes), written into the data folder before the server
// starts. It measures how fast the plugin indexes them all at start (against the same index built
// in this process), the latency of /search for several kinds of query at C=1 (against the same
// queries on that in-process index, and a signed native GET as the floor of any request; each kind
// is asked twice, the second time with the requester's rights known to the plugin), and how
// fast commits become searchable while they are being made.

import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { packageRoot } from '../cli/lib/assemblyscript.js';
import { install } from '../cli/lib/install.js';
import type { AgentIdentity } from '../server/atomic/agent.js';
import { signRequestHeaders } from '../server/atomic/auth.js';
import type { CommitChanges } from '../server/atomic/commit.js';
import { classes, props } from '../server/atomic/urls.js';
import { SearchIndex, type MatchOptions } from '../plugins/search/src/search-index.js';
import { freePort, processTree, settle } from './child.js';
import { BenchSigner, commitBody, commitRequest, startHostProcess, type Progress } from './commit-ingestion.js';
import { describe, HttpClient, runConcurrent, type LoadStats, type RequestSpec } from './load.js';
import { measureNativeGet } from './native-get.js';
import { findProfile, summarizeProfile, type ProfileSummary, type TimeWindow } from './profile.js';
import { seedResources } from './seed.js';

const SYLLABLES = ['ka', 'lo', 'mi', 'ne', 'ru', 'ta', 'vi', 'so', 'pe', 'du', 'ga', 'ri', 'zo', 'fe', 'bu', 'ha'];
/** Distinct words: 16³ three-syllable words. */
const VOCABULARY = SYLLABLES.length ** 3;
/** The plugin under test, as `serve --profile-plugin` names it. */
const SEARCH_PLUGIN = 'atomic/search';
const nowUs = (): number => Number(process.hrtime.bigint() / 1000n);
const FOLDERS = 20;
const NAME_WORDS = 3;
const DESCRIPTION_WORDS = 12;

/** How the search suite runs. */
export interface SearchSuiteOptions {
  /** Resources to generate. */
  resources: number;
  /** Commits made during the live indexing phase. */
  liveCommits: number;
  warmupMs: number;
  durationMs: number;
  maxOps: number;
  dataDir: string;
  /** Profile the host and the search plugin (`serve --profile-plugin`) into this folder. */
  cpuProfDir?: string;
  progress: Progress;
}

/** One kind of query, measured both ways at C=1. */
export interface SearchQueryResult {
  name: string;
  /** The query string for i = 0. */
  example: string;
  /** Matches of the example (the same both ways, checked before timing). */
  matches: number;
  plugin: LoadStats;
  /** The same queries once more, nothing changed meanwhile: the plugin knows the requester's rights on the matches. */
  again: LoadStats;
  inProcess: LoadStats;
  ratio: number;
}

/** What the search suite measured. */
export interface SearchSuiteResult {
  resources: number;
  seedMs: number;
  /** Resources the plugin holds once built, and its own build time (from its start to ready). */
  indexed: number;
  buildMs: number;
  /** indexed ÷ buildMs, per second. */
  indexPerSecond: number;
  /** The same documents added to the same index in this process, per second. */
  inProcessIndexPerSecond: number;
  queries: SearchQueryResult[];
  /** A signed GET of one note (the host's own route): the floor of any request at C=1. */
  nativeGet: LoadStats;
  /** Commits POSTed at C=16 while the plugin indexes them, until the last one is found. */
  live: { commits: number; commitsPerSecond: number; searchablePerSecond: number; lagMs: number };
  /** With --cpu-prof: where the host and the plugin spent the /search phases. */
  profile?: { host?: ProfileSummary; plugin?: ProfileSummary };
}

/** Word `k` of the vocabulary. */
function word(k: number): string {
  const n = ((k % VOCABULARY) + VOCABULARY) % VOCABULARY;
  return `${SYLLABLES[n % 16]}${SYLLABLES[(n >> 4) % 16]}${SYLLABLES[(n >> 8) % 16]}`;
}

/** A deterministic pseudo-random word index for (note, position). */
function pick(i: number, position: number): number {
  return Math.imul(i * 31 + position, 2_654_435_761) >>> 12;
}

const words = (i: number, from: number, count: number): string => Array.from({ length: count }, (_, p) => word(pick(i, from + p))).join(' ');

/** The generated data on one server. */
class Corpus {
  readonly base: string;
  readonly noteClass: string;
  readonly taskClass: string;

  constructor(readonly serverUrl: string, readonly size: number) {
    this.base = `${serverUrl}/bench-search`;
    this.noteClass = `${this.base}/classes/note`;
    this.taskClass = `${this.base}/classes/task`;
  }

  folder(f: number): string {
    return `${this.base}/folders/f${f % FOLDERS}`;
  }

  note(i: number): string {
    return `${this.base}/notes/n${i}`;
  }

  /** The changes that create note `i` (also used for the live commits, with `i` past the corpus). */
  noteChanges(i: number): CommitChanges {
    return {
      subject: this.note(i),
      set: {
        [props.parent]: this.folder(i),
        [props.isA]: [i % 2 === 0 ? this.noteClass : this.taskClass],
        [props.name]: words(i, 0, NAME_WORDS),
        [props.description]: words(i, NAME_WORDS, DESCRIPTION_WORDS),
      },
    };
  }

  /** Every commit of the data: classes, folders, notes. */
  commits(): CommitChanges[] {
    const cls = (subject: string, shortname: string): CommitChanges => ({
      subject,
      set: { [props.parent]: this.base, [props.isA]: [classes.class], [props.shortname]: shortname, [props.description]: `A generated ${shortname}.` },
    });
    const changes: CommitChanges[] = [{ subject: this.base, set: { [props.parent]: this.serverUrl, [props.name]: 'Search benchmark data' } }, cls(this.noteClass, 'note'), cls(this.taskClass, 'task')];
    changes.push({ subject: `${this.base}/folders`, set: { [props.parent]: this.base, [props.name]: 'Folders' } });
    for (let f = 0; f < FOLDERS; f++) changes.push({ subject: this.folder(f), set: { [props.parent]: `${this.base}/folders`, [props.name]: `Folder ${f}` } });
    for (let i = 0; i < this.size; i++) changes.push(this.noteChanges(i));
    return changes;
  }
}

/** A kind of query: its parameters for operation i. */
interface QueryKind {
  name: string;
  params: (i: number) => Record<string, string>;
}

function queryKinds(c: Corpus): QueryKind[] {
  return [
    { name: 'one word', params: (i) => ({ q: word(i * 7) }) },
    { name: 'two words', params: (i) => ({ q: words(i * 13, 0, 2) }) },
    { name: 'prefix of a word', params: (i) => ({ q: word(i * 11).slice(0, 5) }) },
    { name: 'word with a typo (fuzzy)', params: (i) => ({ q: `${word(i * 5).slice(0, 5)}x`, fuzzy: '1', prefix: 'false' }) },
    { name: 'word in a class', params: (i) => ({ q: word(i * 3), class: c.noteClass }) },
    { name: 'word below a folder', params: (i) => ({ q: word(i * 17), parent: c.folder(i) }) },
  ];
}

/** The same parameters as the plugin reads them, for the in-process index. */
function matchOptions(params: Record<string, string>): MatchOptions {
  const fuzzy = params.fuzzy === undefined ? false : Number(params.fuzzy);
  return { prefix: params.prefix !== 'false', fuzzy, ...(params.class ? { class: params.class } : {}), ...(params.parent ? { parent: params.parent } : {}) };
}

const searchPath = (params: Record<string, string>): string => `/search?${new URLSearchParams(params).toString()}`;

/** Runs the suite (see the header). */
export async function runSearchSuite(options: SearchSuiteOptions): Promise<SearchSuiteResult> {
  const { progress } = options;
  const port = await freePort();
  const corpus = new Corpus(`http://localhost:${port}`, options.resources);
  const all = corpus.commits();
  let t0 = performance.now();
  const { owner, resources } = await seedResources(options.dataDir, corpus.serverUrl, all);
  const seedMs = performance.now() - t0;
  progress(`search: wrote ${resources.toLocaleString('en-US')} resources into the data folder in ${Math.round(seedMs)} ms`);

  // The baseline index: the same documents, added in pages as the plugin adds them.
  const local = new SearchIndex();
  const pages = [];
  for (let i = 0; i < all.length; i += 1000) pages.push(all.slice(i, i + 1000).map((ch) => ({ '@id': ch.subject, ...(ch.set as Record<string, never>) })));
  t0 = performance.now();
  for (const page of pages) local.addPage(page);
  const inProcessIndexPerSecond = (all.length / (performance.now() - t0)) * 1000;
  progress(`search: in-process index of the same ${all.length.toLocaleString('en-US')} resources: ${Math.round(inProcessIndexPerSecond).toLocaleString('en-US')}/s`);

  const { cpuProfDir } = options;
  const { child } = await startHostProcess(options.dataDir, { port, ...(cpuProfDir ? { cpuProfDir, profilePlugins: [SEARCH_PLUGIN] } : {}) });
  const windows: TimeWindow[] = [];
  let result: SearchSuiteResult;
  const url = child.info.url;
  if (url !== corpus.serverUrl) throw new Error(`the host serves ${url}, not ${corpus.serverUrl} which the data was written for`);
  const client = new HttpClient('127.0.0.1', port, 16, new URL(url).host);
  try {
    await install({ serverUrl: url, agent: owner, source: join(packageRoot, 'plugins', 'search'), yes: true, progress: (line) => progress(`search: ${line.split('\n')[0]}`) });
    const { indexed, buildMs } = await waitForIndex(client, url, owner, progress);
    const indexPerSecond = (indexed / buildMs) * 1000;
    progress(`search: the plugin indexed ${indexed.toLocaleString('en-US')} resources in ${Math.round(buildMs)} ms: ${Math.round(indexPerSecond).toLocaleString('en-US')}/s`);
    for (const p of child.process.pid === undefined ? [] : processTree(child.process.pid)) await settle(p, 30_000);

    const nativeGet = await measureNativeGet(client, owner, corpus.note(5), { ...options, label: 'search' });
    const queries: SearchQueryResult[] = [];
    for (const kind of queryKinds(corpus)) queries.push(await measureQuery(client, url, owner, local, kind, options, windows));
    const live = await measureLive(client, url, owner, corpus, options);
    result = { resources, seedMs, indexed, buildMs, indexPerSecond, inProcessIndexPerSecond, queries, nativeGet, live };
  } catch (error) {
    progress(`search: the host's last output:\n${child.stderrTail()}`);
    throw error;
  } finally {
    client.close();
    progress('search: stopping');
    await child.stop();
  }
  // Written when the processes ended.
  if (cpuProfDir) result.profile = searchProfiles(cpuProfDir, child.process.pid, windows);
  return result;
}

/** The profiles of the /search phases, once the host (and with it the plugin) has stopped and written them. */
function searchProfiles(cpuProfDir: string, hostPid: number | undefined, windows: TimeWindow[]): NonNullable<SearchSuiteResult['profile']> {
  const host = findProfile(cpuProfDir, hostPid);
  const pluginDir = join(cpuProfDir, 'plugins', SEARCH_PLUGIN.replace('/', '-'));
  const plugin = existsSync(pluginDir) ? findProfile(pluginDir, undefined) : undefined;
  return { ...(host ? { host: summarizeProfile(host, windows) } : {}), ...(plugin ? { plugin: summarizeProfile(plugin, windows) } : {}) };
}

/** A signed GET of `path` as `agent`; resolves with the JSON of its 200 (undefined for a 503: not built yet). */
async function getJson<T>(client: HttpClient, url: string, agent: AgentIdentity, path: string): Promise<T | undefined> {
  const { status, body } = await client.send({ method: 'GET', path, headers: { accept: 'application/json', ...signRequestHeaders(`${url}${path}`, agent) } }, -1);
  if (status === 503) return undefined;
  if (status !== 200) throw new Error(`GET ${path} answered ${status}: ${(body ?? '').slice(0, 500)}`);
  return JSON.parse(body ?? '') as T;
}

/** Polls /search/status until the index is built and caught up with the commits made meanwhile. */
async function waitForIndex(client: HttpClient, url: string, owner: AgentIdentity, progress: Progress): Promise<{ indexed: number; buildMs: number }> {
  const deadline = performance.now() + 300_000;
  for (;;) {
    const status = await getJson<{ state: string; buildMs?: number; catchingUp?: boolean; resources: number; error?: string }>(client, url, owner, '/search/status');
    // The build's figure is its pass over the pages; the queries wait for the catching up after it too.
    if (status?.state === 'ready' && status.catchingUp === false) return { indexed: status.resources, buildMs: status.buildMs ?? 0 };
    if (status?.state === 'failed') throw new Error(`the search index failed to build: ${status.error ?? '?'}`);
    if (performance.now() > deadline) throw new Error('the search index was not built within 300 s');
    if (status) progress(`search: index ${status.state === 'ready' ? 'catching up' : 'building'}, ${status.resources.toLocaleString('en-US')} resources so far`);
    await new Promise((resolve) => setTimeout(resolve, 1000));
  }
}

async function measureQuery(client: HttpClient, url: string, owner: AgentIdentity, local: SearchIndex, kind: QueryKind, options: SearchSuiteOptions, windows: TimeWindow[]): Promise<SearchQueryResult> {
  const { progress } = options;
  const example = kind.params(0);
  // Both sides must find the same matches, or the comparison says nothing. (Their order may differ
  // a little: the plugin's index also holds the server's own resources, which shift BM25's averages.)
  const remote = await getJson<{ total: number; totalExact: boolean; results: { subject: string }[] }>(client, url, owner, searchPath(example));
  const here = local.search(example.q ?? '', matchOptions(example));
  const localMatches = new Set(here.map((h) => h.subject));
  const sameCount = remote !== undefined && (remote.totalExact ? remote.total === here.length : remote.total <= here.length);
  if (!sameCount || remote.results.length === 0 || !remote.results.every((r) => localMatches.has(r.subject))) {
    throw new Error(`${kind.name}: the plugin found ${remote?.total ?? '?'} matches, the in-process index ${here.length}, or other ones\n${searchPath(example)}`);
  }
  const limits = { maxOps: options.maxOps, durationMs: options.durationMs };
  const warm = { maxOps: options.maxOps, durationMs: options.warmupMs };
  const inProcessOp = async (i: number): Promise<string | undefined> => {
    const params = kind.params(i);
    for (const hit of local.search(params.q ?? '', matchOptions(params)).slice(0, 20)) local.shown(hit.subject);
    return undefined;
  };
  await runConcurrent(1, warm, inProcessOp);
  const inProcess = await runConcurrent(1, limits, inProcessOp);
  const op = (i: number): RequestSpec => {
    const path = searchPath(kind.params(i));
    return { method: 'GET', path, headers: { accept: 'application/json', ...signRequestHeaders(`${url}${path}`, owner) } };
  };
  await runConcurrent(1, warm, client.op(op));
  const startUs = nowUs();
  const plugin = await runConcurrent(1, limits, client.op(op));
  windows.push({ label: `/search ${kind.name}`, startUs, endUs: nowUs() });
  const again = await runConcurrent(1, limits, client.op(op));
  const ratio = inProcess.p50Ms > 0 ? plugin.p50Ms / inProcess.p50Ms : 0;
  progress(`search: ${kind.name} (${here.length} matches): /search ${describe(plugin, ' q/s')}, asked again ${describe(again, ' q/s')}; in-process ${describe(inProcess, ' q/s')}; p50 ratio ${ratio.toFixed(2)}`);
  return { name: kind.name, example: searchPath(example), matches: here.length, plugin, again, inProcess, ratio };
}

/**
 * Commits of new notes at C=16, each with a word no other note has; the last one found by
 * /search marks them all indexed (events arrive in order).
 */
async function measureLive(client: HttpClient, url: string, owner: AgentIdentity, c: Corpus, options: SearchSuiteOptions): Promise<SearchSuiteResult['live']> {
  const signer = new BenchSigner(owner);
  const first = c.size;
  const marker = (i: number): string => `livemark${i}`;
  const bodies = signer
    .signMany(first, options.liveCommits, (i) => {
      const changes = c.noteChanges(i);
      return { ...changes, set: { ...changes.set, [props.name]: `${words(i, 0, 2)} ${marker(i)}` } };
    })
    .map((commit) => commitRequest(commitBody(commit)));
  const started = performance.now();
  const sent = await runConcurrent(16, { maxOps: bodies.length, durationMs: 600_000 }, client.op((i) => bodies[i]!));
  if (sent.errors > 0) throw new Error(`live commits: ${sent.errors} failed (${sent.firstError ?? '?'})`);
  const lastPath = searchPath({ q: marker(first + options.liveCommits - 1), prefix: 'false' });
  const deadline = performance.now() + 60_000;
  for (;;) {
    const answer = await getJson<{ total: number }>(client, url, owner, lastPath);
    if (answer && answer.total > 0) break;
    if (performance.now() > deadline) throw new Error('the live commits were not searchable within 60 s');
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
  const searchableMs = performance.now() - started;
  const live = {
    commits: bodies.length,
    commitsPerSecond: sent.perSecond,
    searchablePerSecond: (bodies.length / searchableMs) * 1000,
    lagMs: Math.max(0, searchableMs - sent.elapsedMs),
  };
  options.progress(
    `search: ${live.commits} commits at C=16: accepted at ${Math.round(live.commitsPerSecond).toLocaleString('en-US')}/s, all searchable ${Math.round(live.lagMs)} ms after the last was accepted (${Math.round(live.searchablePerSecond).toLocaleString('en-US')}/s)`,
  );
  return live;
}
