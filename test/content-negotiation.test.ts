// Content negotiation and collections against a real `atomic-plugin serve` process: one resource
// in every serialization, @id echoing the requested URL, and paged, sorted queries.

import { Parser, type Quad } from 'n3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AgentIdentity } from '../server/atomic/agent.js';
import { classes, datatypes, props, publicAgent } from '../server/atomic/urls.js';
import { createResource, getAs, ownerOf, uniqueSubject, type JsonBody } from './support/commits.js';
import { startHostProcess, type HostProcess } from './support/host-process.js';

const XSD = 'http://www.w3.org/2001/XMLSchema#';
const NAME = 'Négociation "quoted" \\ ✓';
const DESCRIPTION = 'Line one\nline *two*';
const CREATED = 1_700_000_000_123;

async function get(url: string, accept?: string): Promise<{ status: number; type: string; text: string }> {
  const response = await fetch(url, { headers: accept === undefined ? {} : { accept } });
  return { status: response.status, type: response.headers.get('content-type') ?? '', text: await response.text() };
}

describe('content negotiation', () => {
  let host: HostProcess;
  let url: string;
  let owner: AgentIdentity;
  let subject: string;

  beforeAll(async () => {
    host = await startHostProcess();
    url = host.url;
    owner = ownerOf(host);
    subject = uniqueSubject(url, 'negotiated');
    await createResource(url, owner, subject, {
      [props.name]: NAME,
      [props.description]: DESCRIPTION,
      [props.createdAt]: CREATED,
      [props.read]: [publicAgent],
    });
  }, 30_000);
  afterAll(async () => {
    await host?.dispose();
  });

  it('serves JSON-AD keyed by full property URLs', async () => {
    const result = await get(subject, 'application/ad+json');
    expect(result.status).toBe(200);
    expect(result.type).toMatch(/^application\/ad\+json/);
    const body = JSON.parse(result.text) as JsonBody;
    expect(body).toMatchObject({
      '@id': subject,
      [props.name]: NAME,
      [props.description]: DESCRIPTION,
      [props.createdAt]: CREATED,
      [props.parent]: url,
      [props.read]: [publicAgent],
    });
    expect(body[props.lastCommit]).toMatch(`${url}/commits/`);
  });

  it('serves plain JSON keyed by shortname, keeping @id', async () => {
    const result = await get(subject, 'application/json');
    expect(result.status).toBe(200);
    expect(result.type).toMatch(/^application\/json/);
    const body = JSON.parse(result.text) as JsonBody;
    expect(body).toMatchObject({ '@id': subject, name: NAME, description: DESCRIPTION, 'created-at': CREATED, parent: url, read: [publicAgent] });
    expect(body['last-commit']).toMatch(`${url}/commits/`);
    expect(Object.keys(body).filter((k) => k.startsWith('http'))).toEqual([]);
  });

  it('serves JSON-LD whose @context maps each shortname to its property URL', async () => {
    const result = await get(subject, 'application/ld+json');
    expect(result.status).toBe(200);
    expect(result.type).toMatch(/^application\/ld\+json/);
    const body = JSON.parse(result.text) as JsonBody;
    const context = body['@context'] as JsonBody;
    expect(body['@id']).toBe(subject);
    expect(body.name).toBe(NAME);
    expect(context.name).toBe(props.name);
    expect(context.description).toBe(props.description);
    // References are typed as @id, so a JSON-LD processor reads them as IRIs, not strings.
    expect(context.parent).toEqual({ '@id': props.parent, '@type': '@id' });
    expect(context.read).toEqual({ '@id': props.read, '@type': '@id' });
    const expanded = new Set(Object.keys(body).filter((k) => !k.startsWith('@')).map((k) => {
      const term = context[k];
      return typeof term === 'string' ? term : (term as { '@id'?: string } | undefined)?.['@id'];
    }));
    expect(expanded).toEqual(new Set([props.name, props.description, props.createdAt, props.read, props.parent, props.lastCommit]));
  });

  const rdfFormats: [string, string][] = [
    ['text/turtle', 'Turtle'],
    ['application/n-triples', 'N-Triples'],
  ];

  it.each(rdfFormats)('serves %s that parses to the resource\'s triples', async (accept, format) => {
    const result = await get(subject, accept);
    expect(result.status).toBe(200);
    expect(result.type).toMatch(new RegExp(`^${accept}`));
    const quads: Quad[] = new Parser({ format }).parse(result.text);
    const objectsOf = (predicate: string): Quad['object'][] =>
      quads.filter((q) => q.subject.value === subject && q.predicate.value === predicate).map((q) => q.object);
    expect(new Set(quads.map((q) => q.subject.value))).toEqual(new Set([subject]));

    const [name] = objectsOf(props.name);
    expect(name?.termType).toBe('Literal');
    expect(name?.value).toBe(NAME);
    const [description] = objectsOf(props.description);
    expect(description?.value).toBe(DESCRIPTION);
    const [created] = objectsOf(props.createdAt);
    expect(created?.value).toBe(String(CREATED));
    expect(created?.termType === 'Literal' && created.datatype.value).toBe(`${XSD}long`);
    expect(objectsOf(props.parent)).toEqual([expect.objectContaining({ termType: 'NamedNode', value: url })]);
    expect(objectsOf(props.read)).toEqual([expect.objectContaining({ termType: 'NamedNode', value: publicAgent })]);
    expect(objectsOf(props.lastCommit)[0]?.termType).toBe('NamedNode');
  });

  const jsonAdAccepts: [string, string | undefined][] = [
    ['no Accept header', undefined],
    ['*/*', '*/*'],
    ['a browser', 'text/html,application/xhtml+xml,application/xml;q=0.9,image/avif,image/webp,*/*;q=0.8'],
    ['application/*', 'application/*'],
  ];

  it.each(jsonAdAccepts)('answers %s with JSON-AD', async (_, accept) => {
    const result = await get(subject, accept);
    expect(result.status).toBe(200);
    expect(result.type).toMatch(/^application\/ad\+json/);
    expect(JSON.parse(result.text)[props.name]).toBe(NAME);
  });

  it('follows q-values', async () => {
    const result = await get(subject, 'application/ad+json;q=0.5, text/turtle');
    expect(result.type).toMatch(/^text\/turtle/);
  });

  it('answers an unsupported type with 406 NOT_ACCEPTABLE', async () => {
    const result = await get(subject, 'image/png');
    expect(result.status).toBe(406);
    const body = JSON.parse(result.text) as JsonBody;
    expect(body[props.isA]).toEqual([classes.error]);
    expect(body[props.name]).toBe('NOT_ACCEPTABLE');
    expect(body[props.description]).toContain('application/ad+json');
  });

  it('echoes the requested URL as @id, query string included', async () => {
    const withQuery = `${subject}?foo=bar&x=%20y`;
    const jsonAd = JSON.parse((await get(withQuery, 'application/ad+json')).text) as JsonBody;
    expect(jsonAd['@id']).toBe(withQuery);
    expect(jsonAd[props.name]).toBe(NAME);
    expect((JSON.parse((await get(withQuery, 'application/json')).text) as JsonBody)['@id']).toBe(withQuery);
    expect((JSON.parse((await get(withQuery, 'application/ld+json')).text) as JsonBody)['@id']).toBe(withQuery);
  });

  it('echoes the host name the client used', async () => {
    const viaIp = subject.replace('localhost', '127.0.0.1');
    const body = JSON.parse((await get(viaIp, 'application/ad+json')).text) as JsonBody;
    expect(body['@id']).toBe(viaIp);
    expect(body[props.name]).toBe(NAME);
  });

  it('echoes the requested URL in errors too', async () => {
    const missing = `${url}/no-such-thing?x=1`;
    const result = await get(missing, 'application/ad+json');
    expect(result.status).toBe(404);
    expect((JSON.parse(result.text) as JsonBody)['@id']).toBe(missing);
  });

  describe('collections', () => {
    const collection = props.collection;

    it('finds a resource by property and value, listing only what the asker may read', async () => {
      const hidden = uniqueSubject(url, 'hidden-twin');
      await createResource(url, owner, hidden, { [props.name]: NAME });
      const query = `${url}/query?property=${encodeURIComponent(props.name)}&value=${encodeURIComponent(NAME)}`;
      const anonymous = await getAs(query);
      expect(anonymous.status).toBe(200);
      expect(anonymous.body?.['@id']).toBe(query);
      expect(anonymous.body?.[props.isA]).toEqual([classes.collection]);
      expect(anonymous.body?.[collection.members]).toEqual([subject]);
      expect(anonymous.body?.[collection.totalMembers]).toBe(1);
      const asOwner = await getAs(query, owner);
      expect(new Set(asOwner.body?.[collection.members] as string[])).toEqual(new Set([subject, hidden]));
      const none = await getAs(`${url}/query?property=${encodeURIComponent(props.name)}&value=nothing-has-this-name`);
      expect(none.body?.[collection.members]).toEqual([]);
    });

    it('serves the ontology\'s properties with nested definitions', async () => {
      const nested = await getAs(`${url}/properties?include_external=true&include_nested=true&page_size=999`);
      expect(nested.status).toBe(200);
      const members = nested.body?.[collection.members] as JsonBody[];
      expect(members.length).toBe(nested.body?.[collection.totalMembers]);
      expect(members.length).toBeGreaterThan(50);
      const name = members.find((m) => m['@id'] === props.name);
      expect(name).toMatchObject({ [props.shortname]: 'name', [props.datatype]: datatypes.string, [props.isA]: [classes.property] });
      expect(members.every((m) => typeof m === 'object' && (m[props.isA] as string[]).includes(classes.property))).toBe(true);

      const flat = await getAs(`${url}/properties?include_external=true&page_size=999`);
      expect((flat.body?.[collection.members] as unknown[]).every((m) => typeof m === 'string')).toBe(true);
      expect(flat.body?.[collection.members]).toContain(props.name);
    });

    describe('sorting and paging', () => {
      let folder: string;
      /** Children in createdAt order: child k has createdAt BASE + k. */
      const children: string[] = [];
      const BASE = 1_600_000_000_000;

      beforeAll(async () => {
        folder = uniqueSubject(url, 'sorted');
        await createResource(url, owner, folder, { [props.name]: 'Sorted', [props.read]: [publicAgent] });
        for (let k = 0; k < 5; k++) children.push(uniqueSubject(url, `child-${k}`));
        // Created in another order than their createdAt, so creation order cannot pass for sorting.
        for (const k of [3, 1, 4, 0, 2]) {
          await createResource(url, owner, children[k]!, { [props.parent]: folder, [props.name]: `Child ${k}`, [props.createdAt]: BASE + k });
        }
      }, 30_000);

      const list = async (params: string): Promise<JsonBody> => {
        const result = await getAs(`${url}/query?property=${encodeURIComponent(props.parent)}&value=${encodeURIComponent(folder)}&${params}`);
        expect(result.status, result.text).toBe(200);
        return result.body!;
      };
      const sortBy = `sort_by=${encodeURIComponent(props.createdAt)}`;

      it('sorts ascending and descending', async () => {
        const ascending = await list(sortBy);
        expect(ascending[collection.members]).toEqual(children);
        expect(ascending[collection.totalMembers]).toBe(5);
        expect(ascending[collection.sortBy]).toBe(props.createdAt);
        const descending = await list(`${sortBy}&sort_desc=true`);
        expect(descending[collection.members]).toEqual([...children].reverse());
        expect(descending[collection.sortDesc]).toBe(true);
      });

      it('pages', async () => {
        const second = await list(`${sortBy}&page_size=2&current_page=1`);
        expect(second[collection.members]).toEqual(children.slice(2, 4));
        expect(second).toMatchObject({ [collection.totalMembers]: 5, [collection.totalPages]: 3, [collection.currentPage]: 1, [collection.pageSize]: 2 });
        expect((await list(`${sortBy}&page_size=2&current_page=2`))[collection.members]).toEqual(children.slice(4));
        expect((await list(`${sortBy}&page_size=2&current_page=7`))[collection.members]).toEqual([]);
        const descendingFirst = await list(`${sortBy}&sort_desc=true&page_size=2`);
        expect(descendingFirst[collection.members]).toEqual([children[4], children[3]]);
        expect(descendingFirst[collection.currentPage]).toBe(0);
      });

      it('finds a resource by an integer value', async () => {
        const result = await getAs(`${url}/query?property=${encodeURIComponent(props.createdAt)}&value=${BASE + 2}`);
        expect(result.body?.[collection.members]).toEqual([children[2]]);
      });

      it('nests members on request', async () => {
        const nested = await list(`${sortBy}&include_nested=true&page_size=1`);
        expect(nested[collection.members]).toEqual([expect.objectContaining({ '@id': children[0], [props.name]: 'Child 0', [props.createdAt]: BASE })]);
      });
    });

    const badQueries: [string, RegExp][] = [
      ['page_size=abc', /page_size/],
      ['page_size=0', /page_size/],
      ['page_size=-1', /page_size/],
      ['page_size=1.5', /page_size/],
      ['current_page=x', /current_page/],
      ['sort_desc=perhaps', /sort_desc/],
      ['include_nested=maybe', /include_nested/],
    ];

    it.each(badQueries)('answers %s with 400 INVALID_QUERY', async (params, message) => {
      const requested = `${url}/query?property=${encodeURIComponent(props.name)}&${params}`;
      const result = await getAs(requested);
      expect(result.status).toBe(400);
      expect(result.body?.['@id']).toBe(requested);
      expect(result.body?.[props.isA]).toEqual([classes.error]);
      expect(result.body?.[props.name]).toBe('INVALID_QUERY');
      expect(result.body?.[props.description]).toMatch(message);
    });
  });
});
