// The SPARQL suite: a host in a child process holding a generated graph of ~100k triples as Atomic
// Data resources, with the SPARQL plugin (plugins/sparql) built and installed as any client would.
// Measured: query latency through its /sparql against the same queries on an in-process Oxigraph
// store holding the same triples (read back from the plugin's mirror), and how many SPARQL UPDATEs
// (INSERT DATA of one small resource, which the plugin turns into a commit) it applies per second
// against the same change sent directly as a signed commit.

import { join } from 'node:path';
import { Store } from 'oxigraph';
import { packageRoot } from '../cli/lib/assemblyscript.js';
import { install } from '../cli/lib/install.js';
import type { AgentIdentity } from '../server/atomic/agent.js';
import { signRequestHeaders } from '../server/atomic/auth.js';
import { props } from '../server/atomic/urls.js';
import { freePort, processTree, settle, withCpu } from './child.js';
import { BenchSigner, commitBody, startHostProcess, type Progress } from './commit-ingestion.js';
import { describe, HttpClient, runConcurrent, type LoadStats, type RequestSpec } from './load.js';
import { measureNativeGet } from './native-get.js';
import { scoreOf, seedSocialGraph, socialGraph, type SocialGraph } from './sparql-dataset.js';

const SPARQL_JSON = 'application/sparql-results+json';
const SPARQL_PATH = '/sparql';

/** How the SPARQL suite runs. */
export interface SparqlSuiteOptions {
  /** About how many triples to generate. */
  triples: number;
  /** Client concurrencies of the UPDATE and commit phases. */
  updateLevels: number[];
  warmupMs: number;
  durationMs: number;
  maxOps: number;
  dataDir: string;
  progress: Progress;
}

/** One query, measured both ways at C=1. */
export interface SparqlQueryResult {
  name: string;
  /** The query for i = 0 (each operation picks its own person or threshold). */
  example: string;
  /** Solutions of the example query (the same both ways, checked before timing). */
  solutions: number;
  plugin: LoadStats;
  inProcess: LoadStats;
  /** plugin p50 ÷ in-process p50. */
  ratio: number;
  /** plugin p50 − in-process p50, in ms: what the endpoint adds to each query. */
  addedMs: number;
}

/** What the SPARQL suite measured. */
export interface SparqlSuiteResult {
  url: string;
  pid?: number;
  /** Resources written into the data folder, and how long that took. */
  resources: number;
  seedMs: number;
  /** Triples in the plugin's mirror (COUNT through /sparql), and how long from its install until it had them all. */
  triples: number;
  mirrorMs: number;
  /** Building (esbuild) and installing the plugin until the host reported it active. */
  installMs: number;
  queries: SparqlQueryResult[];
  /**
   * The floor of any request to this host at C=1: a signed GET of one person as JSON-AD (the
   * host's own route, no plugin), for reading the queries' added latency.
   */
  nativeGet: LoadStats;
  /** INSERT DATA of one small resource through /sparql (each becomes a commit), per concurrency. */
  updates: LoadStats[];
  /** The same change as a signed commit POSTed to /commit, per concurrency: the baseline. */
  commits: LoadStats[];
}

/** The queries: a subject lookup, a 2-hop join, and a filter with an aggregate. */
function queries(g: SocialGraph): { name: string; text: (i: number) => string }[] {
  return [
    { name: 'subject lookup', text: (i) => `SELECT ?p ?o WHERE { <${g.person(i * 13)}> ?p ?o }` },
    {
      name: '2-hop join',
      text: (i) => `SELECT ?friend ?name WHERE { <${g.person(i * 13)}> <${g.knows}> ?f . ?f <${g.knows}> ?friend . ?friend <${props.name}> ?name }`,
    },
    {
      name: 'filter + aggregate',
      text: (i) =>
        `SELECT ?team (COUNT(?p) AS ?members) (AVG(?score) AS ?average) WHERE { ?p <${g.team}> ?team ; <${g.score}> ?score . FILTER(?score >= ${scoreOf(i) % 900}) } GROUP BY ?team`,
    },
  ];
}

/** Runs the suite (see the header). */
export async function runSparqlSuite(options: SparqlSuiteOptions): Promise<SparqlSuiteResult> {
  const { progress } = options;
  const port = await freePort();
  const g = socialGraph(`http://localhost:${port}`, options.triples);
  let t0 = performance.now();
  const { owner, resources } = await seedSocialGraph(options.dataDir, g);
  const seedMs = performance.now() - t0;
  progress(`sparql: wrote ${resources.toLocaleString('en-US')} resources (${g.people.toLocaleString('en-US')} people) into the data folder in ${Math.round(seedMs)} ms`);

  const { child } = await startHostProcess(options.dataDir, { port });
  const url = child.info.url;
  if (url !== g.serverUrl) throw new Error(`the host serves ${url}, not ${g.serverUrl} which the data was written for`);
  const pid = child.process.pid;
  const client = new HttpClient('127.0.0.1', port, Math.max(1, ...options.updateLevels), new URL(url).host);
  const local = new Store();
  try {
    t0 = performance.now();
    await install({ serverUrl: url, agent: owner, source: join(packageRoot, 'plugins', 'sparql'), yes: true, progress: (line) => progress(`sparql: ${line.split('\n')[0]}`) });
    const installMs = performance.now() - t0;
    t0 = performance.now();
    const triples = await waitForMirror(client, url, owner, g, progress);
    const mirrorMs = performance.now() - t0;
    progress(`sparql: plugin installed in ${Math.round(installMs)} ms; its mirror holds ${triples.toLocaleString('en-US')} triples (${Math.round(mirrorMs)} ms after it became active)`);

    // The baseline holds exactly the mirror's triples: read them back through the endpoint.
    const dump = await sparql(client, url, owner, 'CONSTRUCT { ?s ?p ?o } WHERE { ?s ?p ?o }', 'application/n-triples');
    local.load(dump, { format: 'application/n-triples' });
    if (local.size !== triples) throw new Error(`the in-process store holds ${local.size} triples, the mirror ${triples}`);

    // The host and the plugin process finish what the install and the mirror left (snapshots, GC) before anything is timed.
    for (const p of pid === undefined ? [] : processTree(pid)) await settle(p, 30_000);
    const nativeGet = await measureNativeGet(client, owner, g.person(5), { ...options, label: 'sparql' });
    const result: SparqlSuiteResult = { url, resources, seedMs, triples, mirrorMs, installMs, queries: [], nativeGet, updates: [], commits: [] };
    if (pid !== undefined) result.pid = pid;
    for (const q of queries(g)) result.queries.push(await measureQuery(client, url, owner, local, q, options));
    for (const c of options.updateLevels) {
      result.updates.push(await measureUpdates(client, url, owner, g, c, options, pid));
      result.commits.push(await measureCommits(client, owner, g, c, options, pid));
    }
    return result;
  } finally {
    client.close();
    progress('sparql: stopping');
    await child.stop();
  }
}

/** POSTs a query signed as `agent`; resolves with the body of its 200. */
async function sparql(client: HttpClient, url: string, agent: AgentIdentity, query: string, accept = SPARQL_JSON): Promise<string> {
  const { status, body } = await client.send(querySpec(url, agent, query, accept), -1);
  if (status !== 200) throw new Error(`POST ${SPARQL_PATH} answered ${status}: ${(body ?? '').slice(0, 300)}\n${query}`);
  return body ?? '';
}

function querySpec(url: string, agent: AgentIdentity, query: string, accept = SPARQL_JSON, headers = signRequestHeaders(`${url}${SPARQL_PATH}`, agent)): RequestSpec {
  return { method: 'POST', path: SPARQL_PATH, headers: { 'content-type': 'application/sparql-query', accept, ...headers }, body: Buffer.from(query, 'utf8') };
}

function solutionCount(json: string): number {
  return (JSON.parse(json) as { results: { bindings: unknown[] } }).results.bindings.length;
}

/**
 * Polls the mirror's size until it holds every person and stops growing. While the plugin builds
 * its mirror it answers 503, which only means "not yet".
 */
async function waitForMirror(client: HttpClient, url: string, owner: AgentIdentity, g: SocialGraph, progress: Progress): Promise<number> {
  const count = async (where: string): Promise<number | undefined> => {
    const { status, body } = await client.send(querySpec(url, owner, `SELECT (COUNT(*) AS ?n) WHERE { ${where} }`), -1);
    if (status === 503) return undefined;
    if (status !== 200) throw new Error(`counting the mirror's triples: POST ${SPARQL_PATH} answered ${status}: ${(body ?? '').slice(0, 1500)}`);
    const json = JSON.parse(body ?? '') as { results: { bindings: { n?: { value: string } }[] } };
    return Number(json.results.bindings[0]?.n?.value ?? 0);
  };
  const deadline = performance.now() + 300_000;
  let last = -1;
  for (;;) {
    const triples = await count('?s ?p ?o');
    const people = triples === undefined ? undefined : await count(`?p <${props.isA}> <${g.personClass}>`);
    if (triples !== undefined && people !== undefined) {
      if (people >= g.people && triples === last) return triples;
      if (triples !== last) progress(`sparql: mirror at ${triples.toLocaleString('en-US')} triples, ${people.toLocaleString('en-US')} of ${g.people.toLocaleString('en-US')} people`);
      last = triples;
    }
    if (performance.now() > deadline) throw new Error(`the mirror was not complete within 300 s (${last} triples)`);
    await new Promise((resolve) => setTimeout(resolve, 500));
  }
}

async function measureQuery(
  client: HttpClient,
  url: string,
  owner: AgentIdentity,
  local: Store,
  q: { name: string; text: (i: number) => string },
  options: SparqlSuiteOptions,
): Promise<SparqlQueryResult> {
  const { progress } = options;
  const example = q.text(0);
  // The two sides must answer the same thing, or the comparison says nothing.
  const remote = solutionCount(await sparql(client, url, owner, example));
  const here = solutionCount(local.query(example, { results_format: SPARQL_JSON }) as string);
  if (remote !== here) throw new Error(`${q.name}: the plugin answers ${remote} solutions, in-process Oxigraph ${here}\n${example}`);

  const limits = { maxOps: options.maxOps, durationMs: options.durationMs };
  const warm = { maxOps: options.maxOps, durationMs: options.warmupMs };
  const inProcessOp = async (i: number): Promise<string | undefined> => {
    local.query(q.text(i), { results_format: SPARQL_JSON });
    return undefined;
  };
  await runConcurrent(1, warm, inProcessOp);
  const inProcess = await runConcurrent(1, limits, inProcessOp);
  // One signature per phase: it covers the URL and a timestamp and stays valid for 30 s.
  const pluginPhase = (): Promise<LoadStats> => {
    const headers = signRequestHeaders(`${url}${SPARQL_PATH}`, owner);
    return runConcurrent(1, limits, client.op((i) => querySpec(url, owner, q.text(i), SPARQL_JSON, headers)));
  };
  await runConcurrent(1, warm, client.op((i) => querySpec(url, owner, q.text(i))));
  const plugin = await pluginPhase();
  const ratio = inProcess.p50Ms > 0 ? plugin.p50Ms / inProcess.p50Ms : 0;
  progress(`sparql: ${q.name} (${remote} solutions): plugin ${describe(plugin, ' q/s')}; in-process ${describe(inProcess, ' q/s')}; p50 ratio ${ratio.toFixed(2)}`);
  return { name: q.name, example, solutions: remote, plugin, inProcess, ratio, addedMs: plugin.p50Ms - inProcess.p50Ms };
}

let nextInsert = 0;

/** INSERT DATA of a new small resource per request, through /sparql, at concurrency `c`. */
async function measureUpdates(client: HttpClient, url: string, owner: AgentIdentity, g: SocialGraph, c: number, options: SparqlSuiteOptions, pid: number | undefined): Promise<LoadStats> {
  const spec = (headers: Record<string, string>) => (i: number): RequestSpec => {
    const n = nextInsert + i;
    const text = `INSERT DATA { <${g.folder}/u${n}> <${props.parent}> <${g.folder}> ; <${props.name}> "Inserted ${n}" ; <${g.score}> ${scoreOf(n)} . }`;
    return { method: 'POST', path: SPARQL_PATH, headers: { 'content-type': 'application/sparql-update', ...headers }, body: Buffer.from(text, 'utf8') };
  };
  const run = async (durationMs: number): Promise<LoadStats> => {
    const headers = signRequestHeaders(`${url}${SPARQL_PATH}`, owner);
    const ok = (status: number): boolean => status === 200 || status === 204;
    const op = spec(headers);
    const stats = await runConcurrent(c, { maxOps: options.maxOps, durationMs }, async (i) => {
      const { status, body } = await client.send(op(i), -1);
      return ok(status) ? undefined : `HTTP ${status}: ${(body ?? '').slice(0, 300)}`;
    });
    nextInsert += stats.ok + stats.errors;
    return stats;
  };
  await run(options.warmupMs);
  const { result: stats, cpu } = await withCpu(pid, () => run(options.durationMs));
  if (cpu) stats.serverCpu = cpu;
  // Each update must have become a resource of the server: read the last one back as Atomic Data.
  const last = `${g.folder}/u${nextInsert - 1}`;
  const check = await client.send({ method: 'GET', path: new URL(last).pathname, headers: { accept: 'application/ad+json', ...signRequestHeaders(last, owner) } });
  if (check.status !== 200) throw new Error(`${last}, made by a SPARQL UPDATE, is not a resource of the server: HTTP ${check.status}`);
  options.progress(`sparql: INSERT DATA through /sparql: C=${c} ${describe(stats, ' updates/s')}`);
  return stats;
}

let nextCommit = 0;

/** The same change as a commit signed by the owner and POSTed to /commit: the baseline of the updates. */
async function measureCommits(client: HttpClient, owner: AgentIdentity, g: SocialGraph, c: number, options: SparqlSuiteOptions, pid: number | undefined): Promise<LoadStats> {
  const signer = new BenchSigner(owner);
  const run = async (durationMs: number): Promise<LoadStats> => {
    // Enough for the phase at a few thousand commits per second; signing is not timed.
    const count = Math.min(options.maxOps, Math.ceil(durationMs * 6));
    const bodies = signer
      .signMany(nextCommit, count, (n) => ({ subject: `${g.folder}/c${n}`, set: { [props.parent]: g.folder, [props.name]: `Committed ${n}`, [g.score]: scoreOf(n) } }))
      .map(commitBody);
    nextCommit += count;
    return runConcurrent(c, { maxOps: bodies.length, durationMs }, client.op((i) => ({ method: 'POST', path: '/commit', headers: { 'content-type': 'application/ad+json', accept: 'application/ad+json' }, body: bodies[i] ?? Buffer.alloc(0) })));
  };
  await run(options.warmupMs);
  const { result: stats, cpu } = await withCpu(pid, () => run(options.durationMs));
  if (cpu) stats.serverCpu = cpu;
  options.progress(`sparql: the same change as a signed commit: C=${c} ${describe(stats, ' commits/s')}`);
  return stats;
}
