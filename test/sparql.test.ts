// The SPARQL plugin (plugins/sparql) end to end: built with the CLI like any third-party plugin,
// signed, installed into a real server, and used over HTTP: the mirror of the server's resources
// (rights-filtered queries, UPDATE as Commits on the requester's behalf), the SPARQL 1.1 Protocol
// details, the plugin-managed datasets with the Graph Store Protocol, and the `sparql` command.

import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AgentIdentity } from '../server/atomic/agent.js';
import { signRequestHeaders } from '../server/atomic/auth.js';
import { cliEnv, runCli } from './support/cli-run.js';
import { ownerOf, readResult, registerAgent, type HttpResult } from './support/commits.js';
import { startHostProcess, type HostProcess } from './support/host-process.js';

let host: HostProcess;
let owner: AgentIdentity;
let stranger: AgentIdentity;
let work: string;

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
