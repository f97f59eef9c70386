// The SPARQL plugin (plugins/sparql) end to end: built with the CLI like any third-party plugin,
// signed, installed into a real server, and used over HTTP: the mirror of the server's resources
// (rights-filtered queries, UPDATE as Commits on the requester's behalf), the SPARQL 1.1 Protocol
// details, the plugin-managed datasets with the Graph Store Protocol, and the `sparql` command.

import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Agent, Store as TomicStore } from '@tomic/lib';
import type { AgentIdentity } from '../server/atomic/agent.js';
import { signRequestHeaders } from '../server/atomic/auth.js';
import { props, publicAgent } from '../server/atomic/urls.js';
import { cliEnv, runCli, type CliRun } from './support/cli-run.js';
import { createResource, eventually, getAs, ownerOf, readResult, registerAgent, uniqueSubject, type HttpResult } from './support/commits.js';
import { startHostProcess, type HostProcess } from './support/host-process.js';

let host: HostProcess;
let owner: AgentIdentity;
let stranger: AgentIdentity;
let work: string;
/** Made before the plugin is installed: one public, one readable by the owner only. */
let publicBefore: string;
let privateBefore: string;

/** A request to the server, signed as `agent` when given. */
async function call(path: string, init: { method?: string; headers?: Record<string, string>; body?: string; agent?: AgentIdentity } = {}): Promise<HttpResult> {
  const url = `${host.url}${path}`;
  const headers = { ...(init.headers ?? {}), ...(init.agent ? signRequestHeaders(url, init.agent) : {}) };
  return readResult(await fetch(url, { method: init.method ?? 'GET', headers, ...(init.body === undefined ? {} : { body: init.body }) }));
}

const form = (params: Record<string, string | string[]>): string => {
  const search = new URLSearchParams();
  for (const [name, value] of Object.entries(params)) for (const v of Array.isArray(value) ? value : [value]) search.append(name, v);
  return search.toString();
};

const FORM = { 'content-type': 'application/x-www-form-urlencoded' };

/** The bindings of a SPARQL JSON result, each variable to its value. */
function bindings(result: HttpResult): Record<string, string>[] {
  expect(result.status, result.text).toBe(200);
  const json = JSON.parse(result.text) as { results: { bindings: Record<string, { value: string }>[] } };
  return json.results.bindings.map((b) => Object.fromEntries(Object.entries(b).map(([k, v]) => [k, v.value])));
}

beforeAll(async () => {
  host = await startHostProcess();
  owner = ownerOf(host);
  stranger = await registerAgent(host.url, 'Stranger');
  publicBefore = uniqueSubject(host.url, 'public-before');
  privateBefore = uniqueSubject(host.url, 'private-before');
  await createResource(host.url, owner, publicBefore, { [props.name]: 'Public before', [props.read]: [publicAgent] });
  await createResource(host.url, owner, privateBefore, { [props.name]: 'Private before', [props.description]: 'only the owner reads this' });
  work = mkdtempSync(join(tmpdir(), 'atomic-plugin-sparql-'));
  const env = cliEnv(join(work, 'config.json'), { ATOMIC_SERVER_URL: host.url, ATOMIC_AGENT_SECRET: host.secret });
  const built = await runCli(['build', 'plugins/sparql', '--json'], { env });
  expect(built.code, built.stderr).toBe(0);
  const zip = (JSON.parse(built.stdout) as { path: string }).path;
  const signed = await runCli(['sign', zip, '--json'], { env });
  expect(signed.code, signed.stderr).toBe(0);
  const installed = await runCli(['install', zip, '--yes', '--json'], { env });
  expect(installed.code, `${installed.stdout}${installed.stderr}`).toBe(0);
  expect(JSON.parse(installed.stdout)).toMatchObject({ status: 'active', endpoints: [`${host.url}/sparql`] });
}, 180_000);

afterAll(async () => {
  await host?.dispose();
  if (work) rmSync(work, { recursive: true, force: true });
});

/** The JSON results of a query on the mirror, by GET, signed as `agent` when given. */
async function mirrorQuery(query: string, agent?: AgentIdentity): Promise<Record<string, string>[]> {
  return bindings(await call(`/sparql?${form({ query })}`, agent ? { agent } : {}));
}

const NAME = props.name;
const namesQuery = `SELECT ?s ?name WHERE { ?s <${NAME}> ?name }`;
const namesOf = async (agent?: AgentIdentity): Promise<Map<string, string>> => new Map((await mirrorQuery(namesQuery, agent)).map((r) => [r.s!, r.name!]));

describe('the mirror', () => {
  it('has the resources made before the install and those made after, as RDF', async () => {
    const after = uniqueSubject(host.url, 'public-after');
    await createResource(host.url, owner, after, { [NAME]: 'Public after', [props.read]: [publicAgent] });
    await eventually(async () => {
      const names = await namesOf(owner);
      expect(names.get(publicBefore)).toBe('Public before');
      expect(names.get(privateBefore)).toBe('Private before');
      expect(names.get(after)).toBe('Public after');
    });
    // Property URLs as predicates, references as IRIs, each resource in the graph of its subject.
    const rows = await mirrorQuery(`SELECT ?g ?parent WHERE { GRAPH ?g { <${publicBefore}> <${props.parent}> ?parent } }`, owner);
    expect(rows).toEqual([{ g: publicBefore, parent: host.url }]);
  });

  it('shows each requester only what they may read', async () => {
    const anonymous = await namesOf();
    expect(anonymous.get(publicBefore)).toBe('Public before');
    expect(anonymous.has(privateBefore)).toBe(false);
    const strangers = await namesOf(stranger);
    expect(strangers.get(publicBefore)).toBe('Public before');
    expect(strangers.has(privateBefore)).toBe(false);
    expect(anonymous.has(host.url)).toBe(false);
    // Naming the graph does not get around it.
    expect(await mirrorQuery(`SELECT * { GRAPH <${privateBefore}> { ?s ?p ?o } }`, stranger)).toEqual([]);
    const viaParam = await call(`/sparql?${form({ query: 'SELECT * { ?s ?p ?o }', 'default-graph-uri': privateBefore })}`);
    expect(bindings(viaParam)).toEqual([]);
    // Changes reach the views: a new private resource stays hidden until it is made public.
    const flip = uniqueSubject(host.url, 'flip');
    await createResource(host.url, owner, flip, { [NAME]: 'Flip' });
    await eventually(async () => expect((await namesOf(owner)).has(flip)).toBe(true));
    expect((await namesOf()).has(flip)).toBe(false);
    await createResource(host.url, owner, flip, { [props.read]: [publicAgent] });
    await eventually(async () => expect((await namesOf()).get(flip)).toBe('Flip'));
  });

  it('answers the query forms of the protocol alike: GET, POST form, POST direct', async () => {
    const query = `SELECT ?name WHERE { <${publicBefore}> <${NAME}> ?name }`;
    const expected = [{ name: 'Public before' }];
    const viaGet = await call(`/sparql?${form({ query })}`);
    expect(bindings(viaGet)).toEqual(expected);
    expect(viaGet.headers.get('access-control-allow-origin')).toBe('*');
    expect(bindings(await call('/sparql', { method: 'POST', headers: FORM, body: form({ query }) }))).toEqual(expected);
    expect(bindings(await call('/sparql', { method: 'POST', headers: { 'content-type': 'application/sparql-query' }, body: query }))).toEqual(expected);
    const restricted = await call(`/sparql?${form({ 'default-graph-uri': publicBefore })}`, { method: 'POST', headers: { 'content-type': 'application/sparql-query' }, body: 'SELECT DISTINCT ?s { ?s ?p ?o }' });
    expect(bindings(restricted)).toEqual([{ s: publicBefore }]);
    // FROM in the query names the dataset as well (the protocol's parameters would replace it).
    expect(await mirrorQuery(`SELECT DISTINCT ?s FROM <${publicBefore}> WHERE { ?s ?p ?o }`)).toEqual([{ s: publicBefore }]);
  });

  it('answers in every result format, by Accept (with q-values) or the format parameter', async () => {
    const select = `/sparql?${form({ query: `SELECT ?name WHERE { <${publicBefore}> <${NAME}> ?name }` })}`;
    const get = (accept: string, path = select) => call(path, { headers: { accept } });
    const xml = await get('application/sparql-results+xml');
    expect(xml.headers.get('content-type')).toBe('application/sparql-results+xml; charset=utf-8');
    expect(xml.text).toContain('<literal>Public before</literal>');
    expect((await get('text/csv')).text).toBe('name\r\nPublic before\r\n');
    expect((await get('text/tab-separated-values')).text).toBe('?name\n"Public before"\n');
    expect((await get('text/csv;q=0.1, text/tab-separated-values;q=0.5')).headers.get('content-type')).toBe('text/tab-separated-values; charset=utf-8');
    expect((await call(`${select}&format=csv`, { headers: { accept: 'application/sparql-results+json' } })).headers.get('content-type')).toBe('text/csv; charset=utf-8');
    expect((await get('text/turtle')).status).toBe(406);
    const ask = await call(`/sparql?${form({ query: `ASK { <${publicBefore}> ?p ?o }` })}`);
    expect(JSON.parse(ask.text)).toEqual({ head: {}, boolean: true });
    const construct = `/sparql?${form({ query: `CONSTRUCT { ?s <${NAME}> ?n } WHERE { ?s <${NAME}> ?n FILTER(?s = <${publicBefore}>) }` })}`;
    const turtle = await get('*/*', construct);
    expect(turtle.headers.get('content-type')).toBe('text/turtle; charset=utf-8');
    expect(turtle.text).toContain('"Public before"');
    expect((await get('application/n-triples', construct)).text.trim()).toBe(`<${publicBefore}> <${NAME}> "Public before" .`);
    const jsonld = JSON.parse((await get('application/ld+json', construct)).text) as { '@id': string }[];
    expect(jsonld[0]!['@id']).toBe(publicBefore);
    expect((await get('application/rdf+xml', construct)).text).toContain(`rdf:about="${publicBefore}"`);
    const describe = await get('application/n-triples', `/sparql?${form({ query: `DESCRIBE <${publicBefore}>` })}`);
    expect(describe.text).toContain(`<${publicBefore}> <${NAME}> "Public before" .`);
    expect((await get('application/sparql-results+json', construct)).status).toBe(406);
  });

  it('answers protocol errors with their status codes and the parser\'s message', async () => {
    const bad = await call(`/sparql?${form({ query: 'SELECT ?s WHERE { ?s ?p }' })}`);
    expect(bad.status).toBe(400);
    expect(bad.body?.error).toMatch(/error at 1:\d+/);
    expect((await call('/sparql', { method: 'PUT', headers: { 'content-type': 'application/sparql-query' }, body: 'ASK {}' })).status).toBe(405);
    expect((await call('/sparql', { method: 'POST', headers: { 'content-type': 'text/plain' }, body: 'ASK {}' })).status).toBe(415);
    expect((await call(`/sparql?query=ASK%7B%7D&query=ASK%7B%7D`)).status).toBe(400);
    expect((await call(`/sparql?${form({ update: 'CLEAR ALL' })}`)).status).toBe(400);
    const description = await call('/sparql', { headers: { accept: 'text/turtle' } });
    expect(description.status).toBe(200);
    expect(description.text).toContain('http://www.w3.org/ns/sparql-service-description#SPARQL11Update');
  });
});

describe('UPDATE on the mirror', () => {
  const DESCRIPTION = props.description;
  const update = (text: string, agent?: AgentIdentity): Promise<HttpResult> =>
    call('/sparql', { method: 'POST', headers: { 'content-type': 'application/sparql-update' }, body: text, ...(agent ? { agent } : {}) });
  const resource = async (subject: string): Promise<HttpResult> => getAs(subject, owner);

  it('needs an authenticated requester', async () => {
    const refused = await update(`INSERT DATA { <${publicBefore}> <${DESCRIPTION}> "anonymous" }`);
    expect(refused.status).toBe(401);
    expect((await resource(publicBefore)).body?.[DESCRIPTION]).toBeUndefined();
  });

  it('turns INSERT DATA, DELETE DATA, INSERT WHERE and DELETE WHERE into commits made on the requester\'s behalf', async () => {
    const subject = uniqueSubject(host.url, 'by-update');
    const created = await update(`INSERT DATA { <${subject}> <${NAME}> "Made by SPARQL" ; <${props.parent}> <${host.url}> ; <${DESCRIPTION}> "first" }`, owner);
    expect(created.status, created.text).toBe(200);
    const commits = created.body?.commits as string[];
    expect(commits).toHaveLength(1);
    expect((await resource(subject)).body).toMatchObject({ [NAME]: 'Made by SPARQL', [DESCRIPTION]: 'first', [props.parent]: host.url });
    const commit = (await resource(commits[0]!)).body!;
    expect(commit[`${host.url}/ontology/on-behalf-of`]).toBe(owner.subject);
    expect(commit[props.commit.signer]).not.toBe(owner.subject);
    // Seen by the next query at once: the plugin mirrors its own commits.
    expect((await namesOf(owner)).get(subject)).toBe('Made by SPARQL');

    expect((await update(`DELETE DATA { <${subject}> <${DESCRIPTION}> "first" }`, owner)).status).toBe(200);
    expect((await resource(subject)).body?.[DESCRIPTION]).toBeUndefined();

    const where = await update(`INSERT { ?s <${DESCRIPTION}> "found" } WHERE { ?s <${NAME}> "Made by SPARQL" }`, owner);
    expect(where.status, where.text).toBe(200);
    expect((await resource(subject)).body?.[DESCRIPTION]).toBe('found');

    const renamed = await update(`DELETE { ?s <${NAME}> ?n } INSERT { ?s <${NAME}> "Renamed" } WHERE { ?s <${NAME}> ?n FILTER(?s = <${subject}>) }`, owner);
    expect(renamed.status, renamed.text).toBe(200);
    expect((await resource(subject)).body?.[NAME]).toBe('Renamed');

    const destroyed = await update(`DELETE WHERE { <${subject}> ?p ?o }`, owner);
    expect(destroyed.status, destroyed.text).toBe(200);
    expect((await resource(subject)).status).toBe(404);
    expect((await namesOf(owner)).has(subject)).toBe(false);
  });

  it('refuses what Atomic Data cannot say, applying nothing', async () => {
    const cases: [string, string][] = [
      [`INSERT DATA { _:b <${NAME}> "blank" }`, 'blank node'],
      [`INSERT DATA { <${publicBefore}> <http://example.org/not-a-property> "x" }`, 'not a Property'],
      [`INSERT DATA { <${publicBefore}> <http://www.w3.org/1999/02/22-rdf-syntax-ns#type> <http://example.org/C> }`, 'isA'],
      [`INSERT DATA { <${publicBefore}> <${DESCRIPTION}> 5 }`, 'expected a string'],
      [`INSERT DATA { <http://elsewhere.example/x> <${NAME}> "x" }`, 'not on this server'],
      [`INSERT DATA { <${publicBefore}> <${NAME}> "second name" }`, 'takes one value'],
    ];
    for (const [text, message] of cases) {
      const refused = await update(text, owner);
      expect(refused.status, text).toBe(400);
      expect(refused.body?.error, text).toContain(message);
    }
    expect((await resource(publicBefore)).body).toMatchObject({ [NAME]: 'Public before' });
    expect((await resource(publicBefore)).body?.[DESCRIPTION]).toBeUndefined();
  });

  it('applies all or nothing: a subject the requester may not write refuses the whole update, naming it', async () => {
    const own = uniqueSubject(host.url, 'strangers');
    await createResource(host.url, owner, own, { [NAME]: 'Stranger may write', [props.write]: [stranger.subject], [props.read]: [publicAgent] });
    await eventually(async () => expect((await namesOf(stranger)).has(own)).toBe(true));
    const allowed = await update(`INSERT DATA { <${own}> <${DESCRIPTION}> "by the stranger" }`, stranger);
    expect(allowed.status, allowed.text).toBe(200);
    const refused = await update(`INSERT DATA { <${own}> <${DESCRIPTION}> "again" . <${privateBefore}> <${DESCRIPTION}> "not yours" }`, stranger);
    expect(refused.status, refused.text).toBe(403);
    expect(refused.body?.subject).toBe(privateBefore);
    expect((await resource(own)).body?.[DESCRIPTION]).toBe('by the stranger');
    expect((await resource(privateBefore)).body?.[DESCRIPTION]).toBe('only the owner reads this');
    // The host checks each commit too: a new resource under a parent the stranger may not append
    // to is refused by the batch, and the change to their own resource goes with it.
    const child = uniqueSubject(host.url, 'child');
    const byHost = await update(`DELETE DATA { <${own}> <${NAME}> "Stranger may write" } ; INSERT DATA { <${own}> <${NAME}> "renamed" . <${child}> <${NAME}> "child" ; <${props.parent}> <${privateBefore}> }`, stranger);
    expect(byHost.status, byHost.text).toBe(403);
    expect(byHost.body).toMatchObject({ subject: child, code: expect.any(String) });
    expect((await resource(own)).body).toMatchObject({ [NAME]: 'Stranger may write', [DESCRIPTION]: 'by the stranger' });
    expect((await resource(child)).status).toBe(404);
    expect((await namesOf(stranger)).get(own)).toBe('Stranger may write');
    // Nor can an update read what the requester may not: WHERE sees their view only.
    const leak = await update(`INSERT { <${own}> <${DESCRIPTION}> ?secret } WHERE { <${privateBefore}> <${DESCRIPTION}> ?secret }`, stranger);
    expect(leak.status).toBe(200);
    expect(leak.body?.commits).toEqual([]);
  });

  it('makes resources that @tomic/lib reads like any other', async () => {
    const subject = uniqueSubject(host.url, 'for-tomic');
    expect((await update(`INSERT DATA { <${subject}> <${NAME}> "Read by @tomic/lib" ; <${props.parent}> <${host.url}> }`, owner)).status).toBe(200);
    const store = new TomicStore({ serverUrl: host.url, agent: Agent.fromSecret(host.secret) });
    await store.preloadPropsAndClasses();
    const fetched = await store.fetchResourceFromServer(subject);
    expect(fetched.error).toBeUndefined();
    expect(fetched.get(NAME)).toBe('Read by @tomic/lib');
  });
});

describe('atomic-plugin sparql', () => {
  const cli = (args: string[], secret = true): Promise<CliRun> =>
    runCli(['sparql', ...args], { env: cliEnv(join(work, 'config.json'), { ATOMIC_SERVER_URL: host.url, ...(secret ? { ATOMIC_AGENT_SECRET: host.secret } : {}) }) });

  it('prints a query\'s results as a table, CSV or JSON, signed as the agent or anonymous', async () => {
    const query = `SELECT ?name WHERE { <${privateBefore}> <${NAME}> ?name }`;
    const table = await cli([query]);
    expect(table.code, table.stderr).toBe(0);
    expect(table.stdout).toBe('name\n--------------\nPrivate before\n(1 row)\n');
    expect((await cli([query], false)).stdout).toContain('(0 rows)');
    expect((await cli([query, '--format', 'csv'])).stdout).toBe('name\r\nPrivate before\n');
    const json = JSON.parse((await cli([query, '--json'])).stdout) as { results: { bindings: unknown[] } };
    expect(json.results.bindings).toEqual([{ name: { type: 'literal', value: 'Private before' } }]);
  });

  it('runs an update from a file, and says what to do about errors', async () => {
    const subject = uniqueSubject(host.url, 'from-cli');
    const file = join(work, 'update.ru');
    writeFileSync(file, `INSERT DATA { <${subject}> <${NAME}> "From the CLI" ; <${props.parent}> <${host.url}> }`);
    const applied = await cli(['--file', file, '--update', '--json']);
    expect(applied.code, applied.stderr).toBe(0);
    expect((JSON.parse(applied.stdout) as { commits: string[] }).commits).toHaveLength(1);
    expect((await getAs(subject, owner)).body?.[NAME]).toBe('From the CLI');
    const asQuery = await cli(['--file', file]);
    expect(asQuery.code).toBe(1);
    expect(asQuery.stderr).toContain('--update');
    const bad = await cli(['SELECT ?s WHERE {', '--json']);
    expect(bad.code).toBe(1);
    expect(JSON.parse(bad.stdout).error.message).toMatch(/400: .*error at/);
  });
});

describe('datasets', () => {
  const TURTLE = { 'content-type': 'text/turtle; charset=utf-8' };
  const ex = (s: string): string => `http://example.org/${s}`;

  it('are created by an agent with write rights on the drive, and listed', async () => {
    expect((await call('/sparql/datasets', { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"name":"scratch"}' })).status).toBe(401);
    const denied = await call('/sparql/datasets', { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"name":"scratch"}', agent: stranger });
    expect(denied.status).toBe(403);
    const created = await call('/sparql/datasets', { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"name":"scratch"}', agent: owner });
    expect(created.status, created.text).toBe(201);
    expect(created.body).toEqual({ name: 'scratch', endpoint: '/sparql/datasets/scratch' });
    expect(created.headers.get('location')).toBe('/sparql/datasets/scratch');
    const again = await call('/sparql/datasets', { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"name":"scratch"}', agent: owner });
    expect(again.status).toBe(409);
    const bad = await call('/sparql/datasets', { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"name":"Not A Slug"}', agent: owner });
    expect(bad.status).toBe(400);
    const list = await call('/sparql/datasets', { agent: owner });
    expect(list.body).toEqual({ datasets: [{ name: 'scratch', endpoint: '/sparql/datasets/scratch', triples: 0 }] });
  });

  it('take updates by POST (direct and form) from writers only, and answer queries', async () => {
    const insert = `INSERT DATA { <${ex('a')}> <${ex('p')}> "one" . <${ex('b')}> <${ex('p')}> 2 . GRAPH <${ex('g')}> { <${ex('c')}> <${ex('p')}> <${ex('a')}> } }`;
    expect((await call('/sparql/datasets/scratch', { method: 'POST', headers: { 'content-type': 'application/sparql-update' }, body: insert })).status).toBe(401);
    const direct = await call('/sparql/datasets/scratch', { method: 'POST', headers: { 'content-type': 'application/sparql-update' }, body: insert, agent: owner });
    expect(direct.status, direct.text).toBe(204);
    const viaForm = await call('/sparql/datasets/scratch', { method: 'POST', headers: FORM, body: form({ update: `INSERT DATA { <${ex('d')}> <${ex('p')}> "four" }` }), agent: owner });
    expect(viaForm.status, viaForm.text).toBe(204);
    const rows = bindings(await call(`/sparql/datasets/scratch?${form({ query: `SELECT ?s ?o WHERE { ?s <${ex('p')}> ?o } ORDER BY ?s` })}`, { agent: owner }));
    expect(rows).toEqual([
      { s: ex('a'), o: 'one' },
      { s: ex('b'), o: '2' },
      { s: ex('d'), o: 'four' },
    ]);
    // Not valid SPARQL: 400 with the parser's message; valid but failing when run: 500.
    const sparqlUpdate = (body: string) => call('/sparql/datasets/scratch', { method: 'POST', headers: { 'content-type': 'application/sparql-update' }, body, agent: owner });
    const malformed = await sparqlUpdate('INSERT DATA { <a> }');
    expect(malformed.status).toBe(400);
    expect(malformed.body?.error).toMatch(/error at 1:\d+/);
    expect((await sparqlUpdate(`DROP GRAPH <${ex('never-made')}>`)).status).toBe(500);
    expect((await sparqlUpdate(`DROP SILENT GRAPH <${ex('never-made')}>`)).status).toBe(204);
    // The named graph is not in the default graph of a dataset; GRAPH finds it.
    const named = bindings(await call(`/sparql/datasets/scratch?${form({ query: 'SELECT ?g ?s WHERE { GRAPH ?g { ?s ?p ?o } }' })}`, { agent: owner }));
    expect(named).toEqual([{ g: ex('g'), s: ex('c') }]);
  });

  it('take the protocol dataset: default-graph-uri, named-graph-uri and using-graph-uri', async () => {
    const defaultFromNamed = bindings(await call(`/sparql/datasets/scratch?${form({ query: 'SELECT ?s { ?s ?p ?o }', 'default-graph-uri': ex('g') })}`, { agent: owner }));
    expect(defaultFromNamed).toEqual([{ s: ex('c') }]);
    const named = bindings(
      await call('/sparql/datasets/scratch', { method: 'POST', headers: FORM, body: form({ query: 'SELECT ?g { GRAPH ?g { ?s ?p ?o } }', 'named-graph-uri': [ex('g'), ex('none')] }), agent: owner }),
    );
    expect(named).toEqual([{ g: ex('g') }]);
    // using-graph-uri: the WHERE clause reads graph g only.
    const update = `INSERT { <${ex('copy')}> <${ex('of')}> ?s } WHERE { ?s ?p ?o }`;
    const used = await call(`/sparql/datasets/scratch?${form({ 'using-graph-uri': ex('g') })}`, { method: 'POST', headers: { 'content-type': 'application/sparql-update' }, body: update, agent: owner });
    expect(used.status, used.text).toBe(204);
    expect(bindings(await call(`/sparql/datasets/scratch?${form({ query: `SELECT ?s { <${ex('copy')}> <${ex('of')}> ?s }` })}`, { agent: owner }))).toEqual([{ s: ex('c') }]);
    // The protocol and the update cannot both name the dataset.
    const conflict = await call(`/sparql/datasets/scratch?${form({ 'using-graph-uri': ex('g') })}`, {
      method: 'POST',
      headers: { 'content-type': 'application/sparql-update' },
      body: `DELETE { ?s ?p ?o } USING <${ex('g')}> WHERE { ?s ?p ?o }`,
      agent: owner,
    });
    expect(conflict.status).toBe(400);
  });

  it('serve the Graph Store Protocol: PUT, GET, HEAD, POST (multipart too), DELETE', async () => {
    const graph = `/sparql/datasets/scratch/data?graph=${encodeURIComponent(ex('person/1'))}`;
    const put = await call(graph, { method: 'PUT', headers: TURTLE, body: `<${ex('person/1')}> a <${ex('Person')}> ; <${ex('name')}> "John" .`, agent: owner });
    expect(put.status, put.text).toBe(201);
    const replaced = await call(graph, { method: 'PUT', headers: TURTLE, body: `<${ex('person/1')}> <${ex('name')}> "Jane" .`, agent: owner });
    expect(replaced.status).toBe(204);
    const got = await call(graph, { headers: { accept: 'application/n-triples' }, agent: owner });
    expect(got.status).toBe(200);
    expect(got.headers.get('content-type')).toBe('application/n-triples; charset=utf-8');
    expect(got.text.trim()).toBe(`<${ex('person/1')}> <${ex('name')}> "Jane" .`);
    const head = await fetch(`${host.url}${graph}`, { method: 'HEAD', headers: { accept: 'text/turtle', ...signRequestHeaders(`${host.url}${graph}`, owner) } });
    expect(head.status).toBe(200);
    expect(head.headers.get('content-type')).toBe('text/turtle; charset=utf-8');
    const boundary = 'b0undary';
    const multipart = [
      `--${boundary}\r\nContent-Disposition: form-data; name="a"; filename="a.ttl"\r\nContent-Type: text/turtle\r\n\r\n<${ex('person/1')}> <${ex('age')}> 40 .\r\n`,
      `--${boundary}\r\nContent-Disposition: form-data; name="b"; filename="b.nt"\r\nContent-Type: application/n-triples\r\n\r\n<${ex('person/1')}> <${ex('city')}> "Oslo" .\r\n`,
      `--${boundary}--\r\n`,
    ].join('');
    const posted = await call(graph, { method: 'POST', headers: { 'content-type': `multipart/form-data; boundary=${boundary}` }, body: multipart, agent: owner });
    expect(posted.status, posted.text).toBe(204);
    const ask = await call(`/sparql/datasets/scratch?${form({ query: `ASK { GRAPH <${ex('person/1')}> { ?s <${ex('age')}> 40 ; <${ex('city')}> "Oslo" ; <${ex('name')}> "Jane" } }` })}`, { agent: owner });
    expect(JSON.parse(ask.text)).toEqual({ head: {}, boolean: true });
    // A new graph created by POST to the graph store itself, named by the server.
    const created = await call('/sparql/datasets/scratch/data', { method: 'POST', headers: TURTLE, body: `<${ex('x')}> <${ex('p')}> "new" .`, agent: owner });
    expect(created.status).toBe(201);
    const location = created.headers.get('location')!;
    expect(location).toMatch(`${host.url}/sparql/datasets/scratch/data/`);
    expect((await call(`/sparql/datasets/scratch/data?graph=${encodeURIComponent(location)}`, { agent: owner })).text).toContain('"new"');
    // Direct identification: the graph's IRI is the URL.
    expect((await call(location.slice(host.url.length), { agent: owner })).text).toContain('"new"');
    expect((await call(graph, { method: 'DELETE', agent: owner })).status).toBe(204);
    expect((await call(graph, { agent: owner })).status).toBe(404);
    expect((await call(graph, { method: 'DELETE', agent: owner })).status).toBe(404);
    const unreadable = await call(graph, { method: 'PUT', headers: TURTLE, body: '<a> <b> .', agent: owner });
    expect(unreadable.status).toBe(400);
    const unsupported = await call(graph, { method: 'PUT', headers: { 'content-type': 'text/html' }, body: '<p>', agent: owner });
    expect(unsupported.status).toBe(415);
    expect((await call(graph, { method: 'PUT', headers: TURTLE, body: '', agent: stranger })).status).toBe(403);
  });

  it('persist across a restart of the plugin, and are deleted by writers', async () => {
    const before = bindings(await call(`/sparql/datasets/scratch?${form({ query: 'SELECT (COUNT(*) AS ?n) { GRAPH ?g { ?s ?p ?o } }' })}`, { agent: owner }));
    await host.stop();
    host = await startHostProcess({ dataDir: host.dataDir, port: host.port });
    const after = bindings(await call(`/sparql/datasets/scratch?${form({ query: 'SELECT (COUNT(*) AS ?n) { GRAPH ?g { ?s ?p ?o } }' })}`, { agent: owner }));
    expect(after).toEqual(before);
    expect((await call('/sparql/datasets/scratch', { method: 'DELETE', agent: stranger })).status).toBe(403);
    expect((await call('/sparql/datasets/scratch', { method: 'DELETE', agent: owner })).status).toBe(204);
    expect((await call('/sparql/datasets/scratch', { agent: owner })).status).toBe(404);
    expect((await call('/sparql/datasets', { agent: owner })).body).toEqual({ datasets: [] });
  }, 60_000);
});
