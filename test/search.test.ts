// The full-text search plugin (plugins/search, contract H) as a user meets it: installed by name
// with the CLI into a real server, resources made by signed commits and by @tomic/lib, then
// /search over HTTP as the owner, a stranger and anonymously: ranking, prefix and fuzzy matching,
// class and parent filters, paging, rights, changes and destroys, and the index rebuilt from the
// store after a restart.

import { Agent, Store as TomicStore } from '@tomic/lib';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AgentIdentity } from '../server/atomic/agent.js';
import { signRequestHeaders } from '../server/atomic/auth.js';
import { classes, props, publicAgent } from '../server/atomic/urls.js';
import { cliEnv, runCli } from './support/cli-run.js';
import { createResource, eventually, ownerOf, postCommit, readResult, registerAgent, type HttpResult } from './support/commits.js';
import { startHostProcess, type HostProcess } from './support/host-process.js';

interface SearchAnswer {
  query: string;
  total: number;
  totalExact: boolean;
  page: number;
  pageSize: number;
  results: { subject: string; score: number; name?: string; description?: string; classes: string[] }[];
}

let host: HostProcess;
let owner: AgentIdentity;
let stranger: AgentIdentity;
let work: string;
/** A public folder everything readable hangs under, and a private one (the owner's only). */
let library: string;
let vault: string;
/** Made before the plugin was installed: found through the index built from the store. */
let before: string;
const run = Date.now().toString(36);
const at = (path: string): string => `${host.url}/search-test-${run}/${path}`;

/** GET /search with `params`, signed as `agent` when given. */
async function search(params: Record<string, string>, agent?: AgentIdentity | null): Promise<HttpResult> {
  const query = new URLSearchParams(params).toString();
  const url = `${host.url}/search${query === '' ? '' : `?${query}`}`;
  return readResult(await fetch(url, { headers: agent ? signRequestHeaders(url, agent) : {} }));
}

/** The answer of a search that must succeed, signed as `agent` (null: anonymous). */
async function found(params: Record<string, string>, agent: AgentIdentity | null = owner): Promise<SearchAnswer> {
  const result = await search(params, agent);
  expect(result.status, result.text).toBe(200);
  return result.body as unknown as SearchAnswer;
}

const subjects = (answer: SearchAnswer): string[] => answer.results.map((r) => r.subject);

/** Creates a resource under `parent` as the owner. */
async function make(path: string, parent: string, set: Record<string, unknown>): Promise<string> {
  const subject = at(path);
  await createResource(host.url, owner, subject, { [props.parent]: parent, ...set } as Parameters<typeof createResource>[3]);
  return subject;
}

beforeAll(async () => {
  host = await startHostProcess();
  owner = ownerOf(host);
  stranger = await registerAgent(host.url, 'Stranger');
  library = await make('library', host.url, { [props.name]: 'Library', [props.read]: [publicAgent] });
  vault = await make('vault', host.url, { [props.name]: 'Vault' });
  before = await make('before', library, { [props.name]: 'Marmalade recipes', [props.description]: 'Seville oranges, sugar and patience.' });
  work = mkdtempSync(join(tmpdir(), 'atomic-plugin-search-'));
  const env = cliEnv(join(work, 'config.json'), { ATOMIC_SERVER_URL: host.url, ATOMIC_AGENT_SECRET: host.secret });
  const installed = await runCli(['install', 'search', '--yes', '--json'], { env });
  expect(installed.code, `${installed.stdout}${installed.stderr}`).toBe(0);
  expect(JSON.parse(installed.stdout)).toMatchObject({ status: 'active', endpoints: [`${host.url}/search`] });
}, 120_000);

afterAll(async () => {
  await host?.dispose();
  if (work) rmSync(work, { recursive: true, force: true });
});

describe('atomic/search', () => {
  it('finds what was in the store before it was installed', async () => {
    await eventually(async () => expect(subjects(await found({ q: 'marmalade' }))).toEqual([before]));
    const answer = await found({ q: 'seville oranges' });
    expect(answer).toMatchObject({ query: 'seville oranges', total: 1, totalExact: true, page: 0, pageSize: 20 });
    expect(answer.results[0]).toMatchObject({ subject: before, name: 'Marmalade recipes', description: 'Seville oranges, sugar and patience.', classes: [] });
    expect(answer.results[0]!.score).toBeGreaterThan(0);
  });

  it('tells those who may read the server whether the index is built and what it holds', async () => {
    const status = async (agent?: AgentIdentity): Promise<HttpResult> => {
      const url = `${host.url}/search/status`;
      return readResult(await fetch(url, { headers: agent ? signRequestHeaders(url, agent) : {} }));
    };
    const ready = await status(owner);
    expect(ready.status, ready.text).toBe(200);
    expect(ready.body).toMatchObject({ state: 'ready', buildMs: expect.any(Number) as number, catchingUp: expect.any(Boolean) as boolean });
    expect(ready.body!.documents as number).toBeGreaterThan(0);
    expect(ready.body!.resources as number).toBeGreaterThanOrEqual(ready.body!.documents as number);
    expect((await status(stranger)).status).toBe(403);
    expect((await status()).status).toBe(401);
  });

  it('ranks a match in the name above one in the description, and matches prefixes and typos', async () => {
    const inName = await make('tomato-name', library, { [props.name]: 'Tomatoes in pots', [props.description]: 'Growing them on a balcony.' });
    const inDescription = await make('tomato-description', library, { [props.name]: 'Balcony notes', [props.description]: 'Also a few tomatoes, next to the basil.' });
    await eventually(async () => expect(subjects(await found({ q: 'tomatoes' }))).toEqual([inName, inDescription]));
    // Prefixes by default, not when asked for exact words.
    expect(subjects(await found({ q: 'tomat' }))).toEqual([inName, inDescription]);
    expect(subjects(await found({ q: 'tomat', prefix: 'false' }))).toEqual([]);
    // Typos only with fuzzy matching.
    expect(subjects(await found({ q: 'tomatos', prefix: 'false' }))).toEqual([]);
    expect(subjects(await found({ q: 'tomatos', prefix: 'false', fuzzy: 'true' }))).toEqual([inName, inDescription]);
    expect(subjects(await found({ q: 'tomatos', prefix: 'false', fuzzy: '1' }))).toEqual([inName, inDescription]);
    // Every word must match; accents do not matter.
    expect(subjects(await found({ q: 'tomatoes basil' }))).toEqual([inDescription]);
    await make('cafe', library, { [props.name]: 'Café terrace tomatoes' });
    await eventually(async () => expect((await found({ q: 'cafe tomatoes' })).results.map((r) => r.name)).toEqual(['Café terrace tomatoes']));
  });

  it('filters by class and by anything below a parent', async () => {
    const shelf = await make('shelf', library, { [props.name]: 'Quince shelf' });
    const inShelf = await make('shelf/jar', shelf, { [props.name]: 'Quince jelly jar' });
    const asClass = await make('quince-class', library, { [props.name]: 'Quince paste', [props.isA]: [classes.class], [props.shortname]: 'quince-paste', [props.description]: 'A class of quince things.' });
    const elsewhere = await make('quince-elsewhere', host.url, { [props.name]: 'Quince tree', [props.read]: [publicAgent] });
    await eventually(async () => expect(subjects(await found({ q: 'quince' })).sort()).toEqual([shelf, inShelf, asClass, elsewhere].sort()));
    expect(subjects(await found({ q: 'quince', class: classes.class }))).toEqual([asClass]);
    expect((await found({ q: 'quince', class: classes.class })).results[0]!.classes).toEqual([classes.class]);
    expect(subjects(await found({ q: 'quince', parent: shelf }))).toEqual([inShelf]);
    expect(subjects(await found({ q: 'quince', parent: library })).sort()).toEqual([shelf, inShelf, asClass].sort());
    expect(subjects(await found({ q: 'quince', parent: library, class: classes.class }))).toEqual([asClass]);
  });

  it('pages through the readable matches only, with a total that leaves out what the requester may not read', async () => {
    // 25 public and 5 private matches, the private ones ranked among the public ones.
    const open: string[] = [];
    const closed: string[] = [];
    for (let i = 0; i < 30; i++) {
      const privately = i % 6 === 0;
      const subject = await make(`plum-${i}`, privately ? vault : library, { [props.name]: `Plum ${'plum '.repeat(i % 4)}note ${i}` });
      (privately ? closed : open).push(subject);
    }
    await eventually(async () => expect((await found({ q: 'plum' })).total).toBe(30));
    const pages: string[][] = [];
    for (let page = 0; page < 3; page++) {
      const answer = await found({ q: 'plum', page: String(page), pageSize: '10' }, stranger);
      expect(answer).toMatchObject({ total: 25, totalExact: true, page, pageSize: 10 });
      pages.push(subjects(answer));
    }
    expect(pages.map((p) => p.length)).toEqual([10, 10, 5]);
    expect(pages.flat().sort()).toEqual([...open].sort());
    // The stranger's pages are the owner's ranking without the private matches.
    const ownerRanking = subjects(await found({ q: 'plum', pageSize: '100' }));
    expect(pages.flat()).toEqual(ownerRanking.filter((s) => !closed.includes(s)));
    const anonymous = await found({ q: 'plum', pageSize: '100' }, null);
    expect(subjects(anonymous)).toEqual(pages.flat());
    expect(subjects(await found({ q: 'plum', page: '3', pageSize: '10' }, stranger))).toEqual([]);
  });

  it('shows a private resource to its owner only', async () => {
    const secret = await make('secret', vault, { [props.name]: 'Rhubarb secret', [props.description]: 'Only the owner reads this.' });
    await eventually(async () => expect(subjects(await found({ q: 'rhubarb' }))).toEqual([secret]));
    expect(await found({ q: 'rhubarb' }, stranger)).toMatchObject({ total: 0, results: [] });
    expect(await found({ q: 'rhubarb' }, null)).toMatchObject({ total: 0, results: [] });
    // Giving the stranger read rights shows it to them.
    expect((await postCommit(host.url, { subject: secret, set: { [props.read]: [stranger.subject] } }, owner)).status).toBe(200);
    await eventually(async () => expect(subjects(await found({ q: 'rhubarb' }, stranger))).toEqual([secret]));
    expect(subjects(await found({ q: 'rhubarb' }, null))).toEqual([]);
  });

  it('hides a match from the next search once a right on its folder is taken back', async () => {
    const pantry = await make('pantry', host.url, { [props.name]: 'Pantry', [props.read]: [stranger.subject] });
    const medlar = await make('medlar', pantry, { [props.name]: 'Medlar jelly' });
    await eventually(async () => expect(subjects(await found({ q: 'medlar' }, stranger))).toEqual([medlar]));
    // Asked again, the plugin answers from the rights it remembers: the resource itself does not change below.
    expect(subjects(await found({ q: 'medlar' }, stranger))).toEqual([medlar]);
    expect((await postCommit(host.url, { subject: pantry, remove: [props.read] }, owner)).status).toBe(200);
    expect(await found({ q: 'medlar' }, stranger)).toMatchObject({ total: 0, results: [] });
    expect(subjects(await found({ q: 'medlar' }))).toEqual([medlar]);
  });

  it('follows changes and destroys', async () => {
    const note = await make('changing', library, { [props.name]: 'Apricot jam' });
    await eventually(async () => expect(subjects(await found({ q: 'apricot' }))).toEqual([note]));
    expect((await postCommit(host.url, { subject: note, set: { [props.name]: 'Fig jam' } }, owner)).status).toBe(200);
    await eventually(async () => expect(subjects(await found({ q: 'fig' }))).toEqual([note]));
    expect(subjects(await found({ q: 'apricot' }))).toEqual([]);
    expect((await postCommit(host.url, { subject: note, destroy: true }, owner)).status).toBe(200);
    await eventually(async () => expect(subjects(await found({ q: 'fig' }))).toEqual([]));
  });

  it('indexes what @tomic/lib writes', async () => {
    const store = new TomicStore({ serverUrl: host.url, agent: Agent.fromSecret(host.secret) });
    await store.preloadPropsAndClasses();
    const resource = await store.newResource({ parent: library, propVals: { [props.name]: 'Gooseberry fool', [props.description]: 'Written with @tomic/lib.' } });
    await resource.save();
    await eventually(async () => expect(subjects(await found({ q: 'gooseberry' }, stranger))).toEqual([resource.subject]));
    store.getDefaultWebSocket()?.close();
  });

  it('refuses bad parameters with a 400 that says what to send', async () => {
    const refused = async (params: Record<string, string>, message: RegExp): Promise<void> => {
      const result = await search(params, owner);
      expect(result.status, result.text).toBe(400);
      expect((result.body as { error: string }).error).toMatch(message);
    };
    await refused({}, /q is required/);
    await refused({ q: '   ' }, /q is required/);
    await refused({ q: 'x', page: '-1' }, /page must be a whole number/);
    await refused({ q: 'x', page: 'two' }, /page must be a whole number/);
    await refused({ q: 'x', pageSize: '0' }, /pageSize must be a whole number from 1 to 100/);
    await refused({ q: 'x', pageSize: '1000' }, /pageSize/);
    await refused({ q: 'x', fuzzy: '7' }, /fuzzy must be/);
    await refused({ q: 'x', prefix: 'maybe' }, /prefix must be true or false/);
    await refused({ q: 'x', class: 'not a url' }, /class must be the URL/);
    await refused({ q: 'x', parent: 'ftp://x/y' }, /parent must be the URL/);
    await refused({ q: 'x', sort: 'name' }, /unknown parameter "sort"/);
    await refused({ q: 'x'.repeat(600) }, /at most 500/);
    const twice = await readResult(await fetch(`${host.url}/search?q=a&q=b`));
    expect(twice.status).toBe(400);
    expect((await readResult(await fetch(`${host.url}/search?q=a`, { method: 'POST' }))).status).toBe(405);
  });

  it('rebuilds the index from the store when the server restarts', async () => {
    const late = await make('late', library, { [props.name]: 'Damson chutney' });
    await eventually(async () => expect(subjects(await found({ q: 'damson' }))).toEqual([late]));
    await host.stop();
    host = await startHostProcess({ dataDir: host.dataDir, port: host.port });
    await eventually(async () => expect(subjects(await found({ q: 'damson' }, stranger))).toEqual([late]), 30_000);
    expect(subjects(await found({ q: 'marmalade' }, stranger))).toEqual([before]);
    expect(subjects(await found({ q: 'rhubarb' }, stranger))).toHaveLength(1);
    expect(subjects(await found({ q: 'fig' }))).toEqual([]);
  }, 60_000);
});
