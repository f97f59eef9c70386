// The pure half of the CRUD plugin: values against datatypes, filters, class schemas, and bodies
// read into commit changes. What the server does with them is tested end to end in test/crud.test.ts.

import { describe, expect, it } from 'vitest';
import { applyChanges, CrudError, readBody, toItem } from './items.js';
import { CLASS, props, readSchema, SchemaError, type ClassSchema } from './schema.js';
import { datatypes, matchesFilter, parseFilter, valueProblem } from './values.js';

const P = 'https://example.com/p/';

describe('valueProblem', () => {
  const cases: [string, unknown, boolean][] = [
    [datatypes.string, 'x', true],
    [datatypes.string, 1, false],
    [datatypes.markdown, '# hi', true],
    [datatypes.slug, 'a-b1', true],
    [datatypes.slug, 'A b', false],
    [datatypes.slug, 'a--b', false],
    [datatypes.integer, 3, true],
    [datatypes.integer, 3.5, false],
    [datatypes.integer, '3', false],
    [datatypes.float, 3.5, true],
    [datatypes.float, '3.5', false],
    [datatypes.boolean, false, true],
    [datatypes.boolean, 'false', false],
    [datatypes.timestamp, 1700000000000, true],
    [datatypes.timestamp, '2024-01-01T00:00:00Z', false],
    [datatypes.date, '2024-02-29', true],
    [datatypes.date, '2023-02-29', false],
    [datatypes.date, '2024-2-1', false],
    [datatypes.atomicUrl, 'https://example.com/a', true],
    [datatypes.atomicUrl, 'ipfs://bafyabc', true],
    [datatypes.atomicUrl, 'not a url', false],
    [datatypes.atomicUrl, 'https://', false],
    [datatypes.resourceArray, ['https://example.com/a', 'http://localhost:9/b'], true],
    [datatypes.resourceArray, ['https://example.com/a', 'b'], false],
    [datatypes.resourceArray, 'https://example.com/a', false],
    [datatypes.uri, 'mailto:a@example.com', true],
    [datatypes.uri, 'no scheme', false],
    [datatypes.json, { any: ['thing'] }, true],
    [datatypes.json, null, false],
  ];
  it.each(cases)('%s %j → %s', (datatype, value, ok) => {
    expect(valueProblem(datatype, value as never) === undefined).toBe(ok);
  });

  it('checks allowsOnly for a value and for every member of an array', () => {
    expect(valueProblem(datatypes.atomicUrl, 'https://x/a', ['https://x/a'])).toBeUndefined();
    expect(valueProblem(datatypes.atomicUrl, 'https://x/b', ['https://x/a'])).toMatch('not one of the allowed values');
    expect(valueProblem(datatypes.resourceArray, ['https://x/a', 'https://x/b'], ['https://x/a'])).toMatch('"https://x/b"');
  });
});

describe('filters', () => {
  it('reads query-string text as the datatype says', () => {
    expect(parseFilter(datatypes.boolean, 'true')).toEqual({ value: true });
    expect(parseFilter(datatypes.boolean, 'yes')).toHaveProperty('problem');
    expect(parseFilter(datatypes.integer, '-12')).toEqual({ value: -12 });
    expect(parseFilter(datatypes.integer, '1.5')).toHaveProperty('problem');
    expect(parseFilter(datatypes.float, '1.50')).toEqual({ value: 1.5 });
    expect(parseFilter(datatypes.string, '1.50')).toEqual({ value: '1.50' });
    expect(parseFilter(datatypes.resourceArray, 'https://x/a')).toEqual({ value: 'https://x/a' });
    expect(parseFilter(datatypes.json, '{}')).toHaveProperty('problem');
  });

  it('matches equal values, and arrays by membership', () => {
    expect(matchesFilter('a', 'a')).toBe(true);
    expect(matchesFilter('a', 'b')).toBe(false);
    expect(matchesFilter(undefined, 'a')).toBe(false);
    expect(matchesFilter(1, 1)).toBe(true);
    expect(matchesFilter(['https://x/a', 'https://x/b'], 'https://x/b')).toBe(true);
  });
});

const classUrl = 'https://example.com/classes/Book';
const definitions: Record<string, Record<string, unknown>> = {
  [`${P}title`]: { [props.shortname]: 'title', [props.datatype]: datatypes.string },
  [`${P}pages`]: { [props.shortname]: 'pages', [props.datatype]: datatypes.integer },
  [`${P}tags`]: { [props.shortname]: 'tags', [props.datatype]: datatypes.resourceArray },
};
const book = (requires: string[], recommends: string[]): Record<string, unknown> => ({
  [props.isA]: [CLASS],
  [props.shortname]: 'book',
  [props.requires]: requires,
  [props.recommends]: recommends,
});
const schemaOf = (requires: string[], recommends: string[], defs = definitions): ClassSchema =>
  readSchema(classUrl, book(requires, recommends) as never, (url) => (defs[url] ?? {}) as never);

describe('readSchema', () => {
  it('lists required then recommended properties, once each, without parent', () => {
    const schema = schemaOf([`${P}title`], [`${P}pages`, `${P}title`, props.parent]);
    expect(schema.shortname).toBe('book');
    expect(schema.properties.map((p) => [p.shortname, p.required])).toEqual([['title', true], ['pages', false]]);
  });

  it('refuses properties the API cannot name', () => {
    expect(() => schemaOf([`${P}none`], [])).toThrow(SchemaError);
    const clash = { ...definitions, [`${P}other`]: { [props.shortname]: 'title', [props.datatype]: datatypes.string } };
    expect(() => schemaOf([`${P}title`, `${P}other`], [], clash)).toThrow('the same shortname "title"');
    const reserved = { [`${P}id`]: { [props.shortname]: 'id', [props.datatype]: datatypes.string } };
    expect(() => schemaOf([`${P}id`], [], reserved)).toThrow(SchemaError);
  });
});

describe('readBody', () => {
  const schema = schemaOf([`${P}title`], [`${P}pages`, `${P}tags`]);
  const subject = 'https://example.com/books/b1';
  const existing = { [`${P}title`]: 'Old', [`${P}pages`]: 10, [props.parent]: 'https://example.com' };
  const refusal = (fn: () => unknown): { status: number; field?: string; message: string } => {
    try {
      fn();
    } catch (error) {
      if (error instanceof CrudError) return { status: error.status, field: error.field, message: error.message };
      throw error;
    }
    throw new Error('expected a refusal');
  };

  it('create: sets the given properties and names the field of every kind of mistake', () => {
    expect(readBody(schema, 'create', { title: 'Dune', pages: 412 })).toEqual({ set: { [`${P}title`]: 'Dune', [`${P}pages`]: 412 }, remove: [] });
    expect(readBody(schema, 'create', { title: 'Dune', parent: 'https://example.com/shelf' }).parent).toBe('https://example.com/shelf');
    expect(refusal(() => readBody(schema, 'create', { pages: 1 }))).toMatchObject({ status: 400, field: 'title' });
    expect(refusal(() => readBody(schema, 'create', { title: null }))).toMatchObject({ status: 400, field: 'title' });
    expect(refusal(() => readBody(schema, 'create', { title: 'x', pages: 'many' }))).toMatchObject({ status: 400, field: 'pages', message: '"pages": expected an integer' });
    expect(refusal(() => readBody(schema, 'create', { title: 'x', colour: 'red' }))).toMatchObject({ status: 400, field: 'colour' });
    expect(refusal(() => readBody(schema, 'create', { title: 'x', tags: ['nope'] }))).toMatchObject({ field: 'tags' });
    expect(refusal(() => readBody(schema, 'create', { title: 'x', parent: 42 }))).toMatchObject({ field: 'parent' });
    expect(refusal(() => readBody(schema, 'create', { title: 'x', id: 'mine' }))).toMatchObject({ field: 'id' });
    expect(refusal(() => readBody(schema, 'create', ['title']))).toMatchObject({ status: 400, field: undefined });
  });

  it('replace: removes the class properties the body leaves out, and accepts the item’s own ids', () => {
    const changes = readBody(schema, 'replace', { '@id': subject, id: 'b1', title: 'New' }, subject, existing);
    expect(changes).toEqual({ set: { [`${P}title`]: 'New' }, remove: [`${P}pages`] });
    expect(applyChanges(existing, changes)).toEqual({ [`${P}title`]: 'New', [props.parent]: 'https://example.com' });
    expect(refusal(() => readBody(schema, 'replace', { pages: 3 }, subject, existing))).toMatchObject({ field: 'title' });
    expect(refusal(() => readBody(schema, 'replace', { id: 'b2', title: 'x' }, subject, existing))).toMatchObject({ field: 'id' });
  });

  it('patch: merges, null removes, and a required property cannot be removed', () => {
    const changes = readBody(schema, 'patch', { pages: null, tags: ['https://example.com/t'] }, subject, existing);
    expect(changes).toEqual({ set: { [`${P}tags`]: ['https://example.com/t'] }, remove: [`${P}pages`] });
    expect(readBody(schema, 'patch', { tags: null }, subject, existing).remove).toEqual([]);
    expect(refusal(() => readBody(schema, 'patch', { title: null }, subject, existing))).toMatchObject({ field: 'title' });
    expect(refusal(() => readBody(schema, 'patch', { parent: null }, subject, existing))).toMatchObject({ field: 'parent' });
  });

  it('toItem gives @id, id, the class properties by shortname and parent', () => {
    expect(toItem(schema, subject, { ...existing, [props.isA]: [classUrl], 'https://example.com/p/unlisted': 1 })).toEqual({
      '@id': subject,
      id: 'b1',
      title: 'Old',
      pages: 10,
      parent: 'https://example.com',
    });
  });
});
