import { describe, expect, it } from 'vitest';
import { detectQueryForm } from './query-form.js';

describe('detectQueryForm', () => {
  it.each([
    ['SELECT * { ?s ?p ?o }', 'SELECT'],
    ['construct { ?s ?p ?o } where { ?s ?p ?o }', 'CONSTRUCT'],
    ['DESCRIBE <http://e/x>', 'DESCRIBE'],
    ['ASK {}', 'ASK'],
    ['\uFEFF# a comment\nBASE <http://e/>\nPREFIX ex: <http://e/#select>\nprefix : <http://f/> ask { ?s ex:p ?o }', 'ASK'],
    ['PREFIX ex:<http://e/> # SELECT in a comment\n CONSTRUCT WHERE { ?s ?p ?o }', 'CONSTRUCT'],
  ])('reads %j as %s', (query, form) => {
    expect(detectQueryForm(query)).toBe(form);
  });

  it.each(['', 'INSERT DATA { <a> <b> <c> }', 'PREFIX ex <http://e/> SELECT *', 'BASE http://e/ SELECT *', 'SELEC * {}'])('has no form for %j', (query) => {
    expect(detectQueryForm(query)).toBeUndefined();
  });
});
