// The CRUD JSON plugin (plugins/crud, contract C) as a user meets it: built, signed, installed and
// configured with the CLI into a real server, a class defined with signed commits, then every route
// over HTTP with signed requests from agents with and without rights; what it stores is read back
// with @tomic/lib as ordinary Atomic Data.

import { Agent, Store } from '@tomic/lib';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AgentIdentity } from '../server/atomic/agent.js';
import { signRequestHeaders } from '../server/atomic/auth.js';
import { classes, datatypes, localProps, props, publicAgent } from '../server/atomic/urls.js';
import { cliEnv, runCli } from './support/cli-run.js';
import { createResource, getAs, ownerOf, readResult, registerAgent, type HttpResult, type JsonBody } from './support/commits.js';
import { repoRoot, startHostProcess, type HostProcess } from './support/host-process.js';

/** The book class's properties: shortname → datatype. */
const bookProperties = {
  title: datatypes.string,
  done: datatypes.boolean,
  pages: datatypes.integer,
  rating: datatypes.float,
  published: datatypes.date,
  seen: datatypes.timestamp,
  tags: datatypes.resourceArray,
  author: datatypes.atomicUrl,
  code: datatypes.slug,
  notes: datatypes.markdown,
  homepage: datatypes.uri,
} as const;
type BookProperty = keyof typeof bookProperties;

describe('atomic/crud', () => {
  let host: HostProcess;
  let work: string;
  let owner: AgentIdentity;
  /** An agent with no rights on the drive; may write only under shelfB. */
  let bob: AgentIdentity;
  /** The installation's subject (its agent is named after it). */
  let installation: string;
  let bookClass: string;
  let shelfB: string;
  let publicShelf: string;
  const prop = (name: BookProperty): string => `${host.url}/test-ontology/${name}`;
  const env = (): NodeJS.ProcessEnv => cliEnv(join(work, 'none.json'), { ATOMIC_SERVER_URL: host.url, ATOMIC_AGENT_SECRET: host.secret });
  const cli = async (...args: string[]): Promise<JsonBody> => {
    const run = await runCli([...args, '--json'], { env: env() });
    expect(run.code, `${args.join(' ')}\n${run.stdout}${run.stderr}`).toBe(0);
    return JSON.parse(run.stdout) as JsonBody;
  };

  /** A request to /crud{path}, signed when `agent` is given. */
  const crud = async (method: string, path: string, options: { agent?: AgentIdentity; body?: unknown } = {}): Promise<HttpResult> => {
    const url = `${host.url}/crud${path}`;
    const headers: Record<string, string> = { accept: 'application/json', ...(options.agent ? signRequestHeaders(url, options.agent) : {}) };
    let body: string | undefined;
    if (options.body !== undefined) {
      headers['content-type'] = 'application/json';
      body = typeof options.body === 'string' ? options.body : JSON.stringify(options.body);
    }
    return readResult(await fetch(url, { method, headers, body }));
  };
  /** How many books the store holds, counted by the owner through the server's own query. */
  const storedBooks = async (): Promise<number> => {
    const query = await getAs(`${host.url}/query?property=${encodeURIComponent(props.isA)}&value=${encodeURIComponent(bookClass)}`, owner);
    return query.body![props.collection.totalMembers] as number;
  };
  const create = async (body: Record<string, unknown>, agent: AgentIdentity = owner): Promise<JsonBody> => {
    const made = await crud('POST', '/book', { agent, body });
    expect(made.status, made.text).toBe(201);
    return made.body!;
  };

  beforeAll(async () => {
    host = await startHostProcess();
    work = mkdtempSync(join(tmpdir(), 'atomic-plugin-crud-'));
    owner = ownerOf(host);

    // Built, signed and installed with the CLI, like any third-party plugin.
    const built = await cli('build', join(repoRoot, 'plugins', 'crud'));
    expect(built.plugin).toBe('atomic/crud');
    await cli('sign', built.path as string);
    const installed = await cli('install', built.path as string, '--yes');
    expect(installed).toMatchObject({ status: 'active', endpoints: [`${host.url}/crud`] });
    installation = installed.subject as string;

    // The ontology, public so that any client can resolve it.
    for (const [name, datatype] of Object.entries(bookProperties)) {
      await createResource(host.url, owner, prop(name as BookProperty), {
        [props.isA]: [classes.property],
        [props.shortname]: name,
        [props.datatype]: datatype,
        [props.description]: `The ${name} of a book.`,
        [props.read]: [publicAgent],
      });
    }
    bookClass = `${host.url}/test-ontology/book`;
    await createResource(host.url, owner, bookClass, {
      [props.isA]: [classes.class],
      [props.shortname]: 'book',
      [props.description]: 'A book.',
      [props.requires]: [prop('title')],
      [props.recommends]: Object.keys(bookProperties).filter((n) => n !== 'title').map((n) => prop(n as BookProperty)),
      [props.read]: [publicAgent],
    });

    bob = await registerAgent(host.url, 'Bob');
    shelfB = `${host.url}/shelf-b`;
    await createResource(host.url, owner, shelfB, { [props.name]: "Bob's shelf", [props.write]: [bob.subject] });
    publicShelf = `${host.url}/public-shelf`;
    await createResource(host.url, owner, publicShelf, { [props.name]: 'Public shelf', [props.read]: [publicAgent] });
  }, 180_000);

  afterAll(async () => {
    await host?.dispose();
    if (work) rmSync(work, { recursive: true, force: true });
  });

  it('GET /crud lists the classes served', async () => {
    const answer = await crud('GET', '', { agent: owner });
    expect(answer.status, answer.text).toBe(200);
    expect(answer.body!.classes).toContainEqual({ shortname: 'book', class: bookClass, endpoint: '/crud/book' });
  });

  it('POST creates a resource of the class: 201, the item, and its location; GET reads it back', async () => {
    const body = {
      title: 'Dune',
      done: false,
      pages: 412,
      rating: 4.5,
      published: '1965-08-01',
      seen: 1_700_000_000_000,
      tags: [`${host.url}/tags/sf`],
      author: `${host.url}/people/herbert`,
      code: 'dune-1',
      notes: '*Spice*',
      homepage: 'https://example.com/dune',
    };
    const made = await crud('POST', '/book', { agent: owner, body });
    expect(made.status, made.text).toBe(201);
    const item = made.body!;
    expect(item).toEqual({ '@id': `${host.url}/${item.id as string}`, id: item.id, ...body, parent: host.url });
    expect(made.headers.get('location')).toBe(`/crud/book/${item.id as string}`);
    expect(made.headers.get('content-type')).toMatch('application/json');

    const read = await crud('GET', `/book/${item.id as string}`, { agent: owner });
    expect(read.status).toBe(200);
    expect(read.body).toEqual(item);
    // Ordinary Atomic Data underneath, keyed by property URL.
    const resource = (await getAs(item['@id'] as string, owner)).body!;
    expect(resource[prop('title')]).toBe('Dune');
    expect(resource[props.isA]).toEqual([bookClass]);
  });

  it('refuses bodies that do not fit the class with 400 naming the field, and stores nothing', async () => {
    const before = await storedBooks();
    const refusals: [unknown, string | undefined][] = [
      [{ pages: 10 }, 'title'],
      [{ title: null }, 'title'],
      [{ title: 42 }, 'title'],
      [{ title: 'x', done: 'yes' }, 'done'],
      [{ title: 'x', pages: 1.5 }, 'pages'],
      [{ title: 'x', rating: '4' }, 'rating'],
      [{ title: 'x', published: '1965-02-30' }, 'published'],
      [{ title: 'x', seen: '2024-01-01T00:00:00Z' }, 'seen'],
      [{ title: 'x', tags: ['not a url'] }, 'tags'],
      [{ title: 'x', tags: `${host.url}/tags/sf` }, 'tags'],
      [{ title: 'x', author: 'herbert' }, 'author'],
      [{ title: 'x', code: 'Not A Slug' }, 'code'],
      [{ title: 'x', notes: ['a'] }, 'notes'],
      [{ title: 'x', homepage: 'no scheme' }, 'homepage'],
      [{ title: 'x', colour: 'red' }, 'colour'],
      [{ title: 'x', id: 'mine' }, 'id'],
      [{ title: 'x', parent: `${host.url}/no-such-folder` }, 'parent'],
      [['title'], undefined],
      ['{not json', undefined],
    ];
    for (const [body, field] of refusals) {
      const answer = await crud('POST', '/book', { agent: owner, body });
      expect(answer.status, `${JSON.stringify(body)}: ${answer.text}`).toBe(400);
      expect(typeof answer.body!.error).toBe('string');
      expect(answer.body!.field, JSON.stringify(body)).toBe(field);
    }
    expect(await storedBooks()).toBe(before);
  });

  it('refuses anonymous writes with 401, and writes the requester has no rights for with 403, storing nothing', async () => {
    const before = await storedBooks();
    const anonymous = await crud('POST', '/book', { body: { title: 'Anonymous' } });
    expect(anonymous.status).toBe(401);
    expect(typeof anonymous.body!.error).toBe('string');
    // Bob may not add to the drive, though the plugin's own agent may.
    const forbidden = await crud('POST', '/book', { agent: bob, body: { title: 'Not yours' } });
    expect(forbidden.status, forbidden.text).toBe(403);
    expect(typeof forbidden.body!.error).toBe('string');
    expect(await storedBooks()).toBe(before);
    // Where he has write rights, he may.
    const mine = await create({ title: "Bob's book", parent: shelfB }, bob);
    expect(mine.parent).toBe(shelfB);
    expect(await storedBooks()).toBe(before + 1);
  });

  it('lists with paging and exact-match filters, only what the requester may read', async () => {
    const batch = `batch-${Date.now().toString(36)}`;
    const made: JsonBody[] = [];
    for (let i = 0; i < 5; i++) made.push(await create({ title: `${batch}-${i}`, pages: 100 + (i % 2), done: i % 2 === 0, code: batch }));
    const publicBook = await create({ title: `${batch}-public`, code: batch, parent: publicShelf });
    const bobsBook = await create({ title: `${batch}-bob`, code: batch, parent: shelfB }, bob);

    const all = await crud('GET', `/book?code=${batch}&pageSize=3`, { agent: owner });
    expect(all.status, all.text).toBe(200);
    expect(all.body).toMatchObject({ total: 7, page: 0, pageSize: 3 });
    const second = await crud('GET', `/book?code=${batch}&pageSize=3&page=2`, { agent: owner });
    expect((second.body!.items as JsonBody[]).length).toBe(1);
    const pages = [all, await crud('GET', `/book?code=${batch}&pageSize=3&page=1`, { agent: owner }), second];
    const listed = pages.flatMap((p) => (p.body!.items as JsonBody[]).map((item) => item.id));
    expect(new Set(listed).size).toBe(7);
    // New ids sort by creation time, and the list is in subject order: the owner's first five come in order.
    expect(listed.filter((id) => made.some((m) => m.id === id))).toEqual(made.map((m) => m.id));

    const done = await crud('GET', `/book?code=${batch}&done=true`, { agent: owner });
    expect((done.body!.items as JsonBody[]).map((i) => i.title).sort()).toEqual([`${batch}-0`, `${batch}-2`, `${batch}-4`]);
    const pages101 = await crud('GET', `/book?pages=101&code=${batch}`, { agent: owner });
    expect((pages101.body!.items as JsonBody[]).map((i) => i.title).sort()).toEqual([`${batch}-1`, `${batch}-3`]);
    const byParent = await crud('GET', `/book?parent=${encodeURIComponent(publicShelf)}&code=${batch}`, { agent: owner });
    expect((byParent.body!.items as JsonBody[]).map((i) => i.id)).toEqual([publicBook.id]);

    // Bob reads his own book and the public one; anonymous readers only the public one.
    const asBob = await crud('GET', `/book?code=${batch}`, { agent: bob });
    expect((asBob.body!.items as JsonBody[]).map((i) => i.id).sort()).toEqual([publicBook.id, bobsBook.id].sort());
    expect(asBob.body!.total).toBe(2);
    const anonymous = await crud('GET', `/book?code=${batch}`);
    expect(anonymous.body).toMatchObject({ total: 1, items: [publicBook] });

    for (const [query, field] of [['colour=red', 'colour'], ['done=maybe', 'done'], ['pages=many', 'pages'], ['page=-1', 'page'], ['pageSize=0', 'pageSize'], ['pageSize=100000', 'pageSize']]) {
      const bad = await crud('GET', `/book?${query}`, { agent: owner });
      expect(bad.status, query).toBe(400);
      expect(bad.body!.field).toBe(field);
    }
  });

  it("hides another agent's private resource: 404 for a single GET, and every write to it", async () => {
    const secret = await create({ title: 'Private' });
    const id = secret.id as string;
    expect((await crud('GET', `/book/${id}`, { agent: bob })).status).toBe(404);
    expect((await crud('GET', `/book/${id}`)).status).toBe(404);
    expect((await crud('PATCH', `/book/${id}`, { agent: bob, body: { title: 'Mine now' } })).status).toBe(404);
    expect((await crud('DELETE', `/book/${id}`, { agent: bob })).status).toBe(404);
    expect((await crud('GET', `/book/${id}`, { agent: owner })).body!.title).toBe('Private');
  });

  it('PUT replaces: what the body leaves out is removed; required properties stay required', async () => {
    const book = await create({ title: 'Old', pages: 10, notes: 'keep?' });
    const id = book.id as string;
    const replaced = await crud('PUT', `/book/${id}`, { agent: owner, body: { title: 'New', rating: 3 } });
    expect(replaced.status, replaced.text).toBe(200);
    expect(replaced.body).toEqual({ '@id': book['@id'], id, title: 'New', rating: 3, parent: host.url });
    expect((await crud('GET', `/book/${id}`, { agent: owner })).body).toEqual(replaced.body);

    const missing = await crud('PUT', `/book/${id}`, { agent: owner, body: { rating: 1 } });
    expect(missing).toMatchObject({ status: 400, body: { field: 'title' } });
    const wrongId = await crud('PUT', `/book/${id}`, { agent: owner, body: { id: 'other', title: 'x' } });
    expect(wrongId).toMatchObject({ status: 400, body: { field: 'id' } });
    // Sending back the item as read is a valid replacement.
    expect((await crud('PUT', `/book/${id}`, { agent: owner, body: replaced.body })).status).toBe(200);
    expect((await crud('GET', `/book/${id}`, { agent: owner })).body).toEqual(replaced.body);
  });

  it('PATCH merges, null removes, and a required property cannot be removed', async () => {
    const book = await create({ title: 'Patch me', pages: 10, done: false });
    const id = book.id as string;
    const patched = await crud('PATCH', `/book/${id}`, { agent: owner, body: { done: true, pages: null } });
    expect(patched.status, patched.text).toBe(200);
    expect(patched.body).toEqual({ '@id': book['@id'], id, title: 'Patch me', done: true, parent: host.url });
    expect((await crud('GET', `/book/${id}`, { agent: owner })).body).toEqual(patched.body);

    const removeRequired = await crud('PATCH', `/book/${id}`, { agent: owner, body: { title: null } });
    expect(removeRequired).toMatchObject({ status: 400, body: { field: 'title' } });
    const wrongType = await crud('PATCH', `/book/${id}`, { agent: owner, body: { done: 'no' } });
    expect(wrongType).toMatchObject({ status: 400, body: { field: 'done' } });
    expect((await crud('GET', `/book/${id}`, { agent: owner })).body).toEqual(patched.body);
  });

  it('a requester who may read but not write gets 403 and changes nothing', async () => {
    const book = await create({ title: 'Read only', parent: publicShelf });
    const id = book.id as string;
    expect((await crud('GET', `/book/${id}`, { agent: bob })).body).toEqual(book);
    for (const [method, body] of [['PATCH', { title: 'Defaced' }], ['PUT', { title: 'Defaced' }], ['DELETE', undefined]] as const) {
      const answer = await crud(method, `/book/${id}`, { agent: bob, body });
      expect(answer.status, `${method}: ${answer.text}`).toBe(403);
    }
    // Even a change to nothing is refused to someone who could not have made it.
    expect((await crud('PATCH', `/book/${id}`, { agent: bob, body: {} })).status).toBe(403);
    expect((await crud('PATCH', `/book/${id}`, { body: { title: 'Defaced' } })).status).toBe(401);
    expect((await crud('GET', `/book/${id}`, { agent: owner })).body).toEqual(book);
  });

  it('DELETE destroys: 204, then 404', async () => {
    const book = await create({ title: 'Doomed' });
    const before = await storedBooks();
    const deleted = await crud('DELETE', `/book/${book.id as string}`, { agent: owner });
    expect(deleted.status).toBe(204);
    expect(deleted.text).toBe('');
    expect((await crud('GET', `/book/${book.id as string}`, { agent: owner })).status).toBe(404);
    expect((await getAs(book['@id'] as string, owner)).status).toBe(404);
    expect(await storedBooks()).toBe(before - 1);
  });

  it('answers 404 for an unknown class or id, 405 for a method a path does not take', async () => {
    expect(await crud('GET', '/no-such-class', { agent: owner })).toMatchObject({ status: 404 });
    expect(await crud('POST', '/no-such-class', { agent: owner, body: { title: 'x' } })).toMatchObject({ status: 404 });
    expect(await crud('GET', '/book/no-such-id', { agent: owner })).toMatchObject({ status: 404 });
    const put = await crud('PUT', '/book', { agent: owner, body: {} });
    expect(put.status).toBe(405);
    expect(put.headers.get('allow')).toBe('GET, POST');
  });

  it('finds an instance made elsewhere by the last segment of its subject', async () => {
    const subject = `${shelfB}/made-by-hand`;
    await createResource(host.url, owner, subject, { [props.isA]: [bookClass], [prop('title')]: 'By hand', [props.parent]: shelfB });
    const read = await crud('GET', '/book/made-by-hand', { agent: bob });
    expect(read.body).toEqual({ '@id': subject, id: 'made-by-hand', title: 'By hand', parent: shelfB });
    // With the same id under the drive (where the API creates books) too, each requester gets the one they may read.
    await createResource(host.url, owner, `${host.url}/made-by-hand`, { [props.isA]: [bookClass], [prop('title')]: 'In the drive' });
    expect((await crud('GET', '/book/made-by-hand', { agent: owner })).body!.title).toBe('In the drive');
    expect((await crud('GET', '/book/made-by-hand', { agent: bob })).body!.title).toBe('By hand');
    expect((await crud('GET', '/book/made-by-hand')).status).toBe(404);
  });

  it("is ordinary Atomic Data for @tomic/lib, each commit signed by the plugin on the requester's behalf", async () => {
    const book = await create({ title: 'Read me with tomic', pages: 7, parent: shelfB }, bob);
    const store = new Store({ serverUrl: host.url, agent: Agent.fromSecret(Buffer.from(JSON.stringify({ privateKey: bob.privateKey, subject: bob.subject })).toString('base64')) });
    await store.preloadPropsAndClasses();
    const resource = await store.fetchResourceFromServer(book['@id'] as string);
    expect(resource.error).toBeUndefined();
    expect(resource.get(prop('title'))).toBe('Read me with tomic');
    expect(resource.get(prop('pages'))).toBe(7);
    expect(resource.getClasses()).toEqual([bookClass]);

    const commit = await store.fetchResourceFromServer(resource.get(props.lastCommit) as string);
    expect(commit.error).toBeUndefined();
    const onBehalfOf = localProps(host.url).onBehalfOf;
    // Signed by the plugin's own agent, not by Bob.
    const signer = await store.fetchResourceFromServer(commit.get(props.commit.signer) as string);
    expect(signer.get(props.name)).toBe(`Plugin ${installation}`);
    expect(commit.get(onBehalfOf)).toBe(bob.subject);
    // The property is served, so clients can resolve what it means.
    const property = await store.getProperty(onBehalfOf);
    expect(property.datatype).toBe(datatypes.atomicUrl);
  });

  it('follows its config: only the listed classes, and new instances where parents says', async () => {
    const other = `${host.url}/test-ontology/shelf-class`;
    await createResource(host.url, owner, other, { [props.isA]: [classes.class], [props.shortname]: 'shelf', [props.requires]: [], [props.read]: [publicAgent] });
    expect((await crud('GET', '/shelf', { agent: owner })).status).toBe(200);
    await cli('config', 'set', 'atomic/crud', JSON.stringify({ classes: [bookClass], parents: { [bookClass]: shelfB } }));
    try {
      expect((await crud('GET', '/shelf', { agent: owner })).status).toBe(404);
      expect((await crud('GET', '', { agent: owner })).body!.classes).toEqual([{ shortname: 'book', class: bookClass, endpoint: '/crud/book' }]);
      // Bob may now create books without naming a parent: they go to his shelf.
      const book = await create({ title: 'Goes to the shelf' }, bob);
      expect(book.parent).toBe(shelfB);
      expect(book['@id']).toBe(`${shelfB}/${book.id as string}`);
      expect((await crud('GET', `/book/${book.id as string}`, { agent: bob })).status).toBe(200);
    } finally {
      await cli('config', 'set', 'atomic/crud', JSON.stringify({ classes: [] }));
    }
  });

  it('answers 409 when two classes share a shortname', async () => {
    for (const n of [1, 2]) {
      await createResource(host.url, owner, `${host.url}/test-ontology/dup-${n}`, { [props.isA]: [classes.class], [props.shortname]: 'dup', [props.requires]: [] });
    }
    const answer = await crud('GET', '/dup', { agent: owner });
    expect(answer.status).toBe(409);
    expect(answer.body!.error).toMatch('"classes"');
  });
});
