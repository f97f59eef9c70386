import { literal, namedNode, quad, Store } from 'oxigraph';
import { beforeEach, describe, expect, it } from 'vitest';
import { ProtocolError } from './http.js';
import { updateEffect } from './update-effect.js';

const E = 'http://example.org/';
const BASE = 'http://server.test/sparql';
let store: Store;
let before: string;

const fact = (s: string, p: string, o: string): ReturnType<typeof quad> => quad(namedNode(E + s), namedNode(E + p), literal(o), namedNode(E + s));
const strings = (quads: readonly { toString(): string }[]): string[] => quads.map(String).sort();
const effect = (update: string, using: string[] = []) => updateEffect(store, update, BASE, using, []);
const refusal = (update: string): ProtocolError => {
  try {
    effect(update);
  } catch (error) {
    if (error instanceof ProtocolError) return error;
    throw error;
  }
  throw new Error('expected a refusal');
};

beforeEach(() => {
  store = new Store([fact('a', 'name', 'A'), fact('a', 'tag', 't1'), fact('a', 'tag', 't2'), fact('b', 'name', 'B')]);
  before = store.dump({ format: 'application/n-quads' });
});

describe('updateEffect', () => {
  it('gives INSERT DATA and DELETE DATA as the triples they change, in their subjects\' graphs', () => {
    const result = effect(`INSERT DATA { <${E}c> <${E}name> "C" . <${E}a> <${E}name> "A" } ; DELETE DATA { <${E}a> <${E}tag> "t1" . <${E}a> <${E}tag> "absent" }`);
    expect(strings(result.added)).toEqual(strings([fact('c', 'name', 'C')]));
    expect(strings(result.removed)).toEqual(strings([fact('a', 'tag', 't1')]));
  });

  it('evaluates DELETE WHERE and DELETE/INSERT WHERE over the union of the graphs', () => {
    expect(strings(effect(`DELETE WHERE { <${E}a> ?p ?o }`).removed)).toEqual(strings([fact('a', 'name', 'A'), fact('a', 'tag', 't1'), fact('a', 'tag', 't2')]));
    const rename = effect(`PREFIX e: <${E}> DELETE { ?s e:name ?n } INSERT { ?s e:name ?upper } WHERE { ?s e:name ?n BIND(UCASE(CONCAT(?n, "x")) AS ?upper) }`);
    expect(strings(rename.removed)).toEqual(strings([fact('a', 'name', 'A'), fact('b', 'name', 'B')]));
    expect(strings(rename.added)).toEqual(strings([fact('a', 'name', 'AX'), fact('b', 'name', 'BX')]));
  });

  it('nets out operations that undo each other, and leaves the store as it was', () => {
    const result = effect(`INSERT DATA { <${E}c> <${E}p> "1" } ; DELETE DATA { <${E}c> <${E}p> "1" } ; DELETE DATA { <${E}b> <${E}name> "B" } ; INSERT DATA { <${E}b> <${E}name> "B" }`);
    expect(result).toEqual({ added: [], removed: [] });
    const later = effect(`INSERT DATA { <${E}c> <${E}p> "1" } ; DELETE WHERE { ?s <${E}p> ?o }`);
    expect(later).toEqual({ added: [], removed: [] });
    expect(store.dump({ format: 'application/n-quads' })).toBe(before);
  });

  it('reads only the using-graph-uri graphs in WHERE', () => {
    const result = effect(`DELETE { ?s ?p ?o } WHERE { ?s ?p ?o }`, [`${E}b`]);
    expect(strings(result.removed)).toEqual(strings([fact('b', 'name', 'B')]));
  });

  it('refuses bad syntax with Oxigraph\'s message, and what the mirror cannot do', () => {
    expect(refusal('INSERT DATA { <a> }')).toMatchObject({ status: 400, message: expect.stringContaining('error at') });
    expect(refusal(`WITH <${E}a> DELETE { ?s ?p ?o } WHERE { ?s ?p ?o }`).message).toContain('WITH is not supported');
    expect(refusal(`INSERT DATA { GRAPH <${E}g> { <${E}a> <${E}p> "x" } }`).message).toContain('GRAPH in INSERT DATA');
    expect(refusal('CLEAR ALL').message).toContain('CLEAR is not supported');
    expect(store.dump({ format: 'application/n-quads' })).toBe(before);
  });
});
