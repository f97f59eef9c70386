// Checks that the built-in core ontology is complete and consistent enough for @tomic/lib to work offline.

import { readFileSync } from 'node:fs';
import { describe, it, expect } from 'vitest';
import { coreOntology, isOntologySubject } from './index.js';
import type { Resource as OntologyResource } from '../json-ad.js';

const P = 'https://atomicdata.dev/properties/';
const IS_A = `${P}isA`;
const SHORTNAME = `${P}shortname`;
const DATATYPE = `${P}datatype`;
const CLASSTYPE = `${P}classtype`;
const REQUIRES = `${P}requires`;
const RECOMMENDS = `${P}recommends`;
const PROPERTY = 'https://atomicdata.dev/classes/Property';
const CLASS = 'https://atomicdata.dev/classes/Class';
const DATATYPE_CLASS = 'https://atomicdata.dev/classes/Datatype';
const SLUG = /^[a-z0-9]+(?:-[a-z0-9]+)*$/;

const bySubject = new Map(coreOntology.map((r) => [r.subject, r]));

function classesOf(r: OntologyResource): string[] {
  const v = r.propvals[IS_A];
  return Array.isArray(v) ? v.filter((x): x is string => typeof x === 'string') : [];
}

function instancesOf(cls: string): OntologyResource[] {
  return coreOntology.filter((r) => classesOf(r).includes(cls));
}

function isInstance(subject: string, cls: string): boolean {
  const r = bySubject.get(subject);
  return r !== undefined && classesOf(r).includes(cls);
}

const properties = instancesOf(PROPERTY);
const classes = instancesOf(CLASS);
const datatypes = instancesOf(DATATYPE_CLASS);

describe('core ontology', () => {
  it('has no duplicate subjects', () => {
    expect(bySubject.size).toBe(coreOntology.length);
  });

  it('gives every resource an isA', () => {
    const missing = coreOntology.filter((r) => classesOf(r).length === 0).map((r) => r.subject);
    expect(missing).toEqual([]);
  });

  it('gives every Property a shortname and a defined Datatype', () => {
    const bad: string[] = [];
    for (const p of properties) {
      const shortname = p.propvals[SHORTNAME];
      const datatype = p.propvals[DATATYPE];
      if (typeof shortname !== 'string') bad.push(`${p.subject}: no shortname`);
      if (typeof datatype !== 'string' || !isInstance(datatype, DATATYPE_CLASS)) bad.push(`${p.subject}: datatype ${String(datatype)}`);
    }
    expect(bad).toEqual([]);
  });

  it('uses valid slugs as shortnames', () => {
    const bad = coreOntology
      .filter((r) => r.propvals[SHORTNAME] !== undefined)
      .filter((r) => typeof r.propvals[SHORTNAME] !== 'string' || !SLUG.test(r.propvals[SHORTNAME] as string))
      .map((r) => `${r.subject}: ${JSON.stringify(r.propvals[SHORTNAME])}`);
    expect(bad).toEqual([]);
  });

  it('gives every Class and Datatype a shortname', () => {
    const missing = [...classes, ...datatypes].filter((r) => typeof r.propvals[SHORTNAME] !== 'string').map((r) => r.subject);
    expect(missing).toEqual([]);
  });

  it('defines every URL it refers to in requires, recommends, classtype and datatype', () => {
    const bad: string[] = [];
    for (const r of coreOntology) {
      for (const key of [REQUIRES, RECOMMENDS]) {
        const v = r.propvals[key];
        if (v === undefined) continue;
        if (!Array.isArray(v)) {
          bad.push(`${r.subject}: ${key} is not an array`);
          continue;
        }
        for (const u of v) {
          if (typeof u !== 'string' || !isInstance(u, PROPERTY)) bad.push(`${r.subject}: ${key} -> ${JSON.stringify(u)}`);
        }
      }
      const classtype = r.propvals[CLASSTYPE];
      if (classtype !== undefined && (typeof classtype !== 'string' || !isInstance(classtype, CLASS))) {
        bad.push(`${r.subject}: classtype -> ${JSON.stringify(classtype)}`);
      }
      const datatype = r.propvals[DATATYPE];
      if (datatype !== undefined && (typeof datatype !== 'string' || !isInstance(datatype, DATATYPE_CLASS))) {
        bad.push(`${r.subject}: datatype -> ${JSON.stringify(datatype)}`);
      }
    }
    expect(bad).toEqual([]);
  });

  it('defines every property used as a key in the ontology itself', () => {
    const keys = new Set(coreOntology.flatMap((r) => Object.keys(r.propvals)));
    const missing = [...keys].filter((k) => !isInstance(k, PROPERTY));
    expect(missing).toEqual([]);
  });

  it('defines every class its resources are instances of', () => {
    const missing = [...new Set(coreOntology.flatMap(classesOf))].filter((c) => !isInstance(c, CLASS));
    expect(missing).toEqual([]);
  });

  it('defines every property URL that @tomic/lib refers to', () => {
    const libFile = new URL('../../../node_modules/@tomic/lib/dist/index.js', import.meta.url);
    const source = readFileSync(libFile, 'utf8');
    const urls = new Set(source.match(/https:\/\/atomicdata\.dev\/properties\/[A-Za-z0-9/_-]+/g) ?? []);
    expect(urls.size).toBeGreaterThan(50);
    const missing = [...urls].filter((u) => !isInstance(u, PROPERTY));
    expect(missing).toEqual([]);
  });

  it('defines every class URL that @tomic/lib refers to', () => {
    const libFile = new URL('../../../node_modules/@tomic/lib/dist/index.js', import.meta.url);
    const source = readFileSync(libFile, 'utf8');
    const found = source.match(/https:\/\/atomicdata\.dev\/(?:classes|class|ontology\/[a-z-]+\/class)\/[A-Za-z0-9_-]+(?=["'`])/g) ?? [];
    const missing = [...new Set(found)].filter((u) => !isInstance(u, CLASS));
    expect(missing).toEqual([]);
  });

  it('includes the public agent', () => {
    expect(isInstance('https://atomicdata.dev/agents/publicAgent', 'https://atomicdata.dev/classes/Agent')).toBe(true);
  });

  it('answers isOntologySubject', () => {
    expect(isOntologySubject(`${P}name`)).toBe(true);
    expect(isOntologySubject(PROPERTY)).toBe(true);
    expect(isOntologySubject('https://atomicdata.dev/datatypes/string')).toBe(true);
    expect(isOntologySubject('https://example.com/not-here')).toBe(false);
  });

  it('keeps the datatypes @tomic/lib depends on for core properties', () => {
    const D = 'https://atomicdata.dev/datatypes/';
    const expected: Record<string, string> = {
      shortname: 'slug',
      description: 'markdown',
      isA: 'resourceArray',
      parent: 'atomicURL',
      read: 'resourceArray',
      write: 'resourceArray',
      requires: 'resourceArray',
      recommends: 'resourceArray',
      createdAt: 'timestamp',
      lastCommit: 'atomicURL',
      signer: 'atomicURL',
      destroy: 'boolean',
      'collection/members': 'resourceArray',
      'collection/totalMembers': 'integer',
    };
    for (const [name, datatype] of Object.entries(expected)) {
      expect(bySubject.get(`${P}${name}`)?.propvals[DATATYPE], name).toBe(`${D}${datatype}`);
    }
  });
});
