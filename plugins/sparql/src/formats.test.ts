import { describe, expect, it } from 'vitest';
import { chooseFormat, graphFormats, resultFormats } from './formats.js';
import { ProtocolError } from './http.js';

const statusOf = (fn: () => unknown): number | undefined => {
  try {
    fn();
  } catch (error) {
    return error instanceof ProtocolError ? error.status : undefined;
  }
  return undefined;
};

describe('chooseFormat', () => {
  it('answers SPARQL JSON and Turtle by default and for */*', () => {
    expect(chooseFormat(resultFormats, undefined, undefined).mediaType).toBe('application/sparql-results+json');
    expect(chooseFormat(resultFormats, '*/*', undefined).mediaType).toBe('application/sparql-results+json');
    expect(chooseFormat(graphFormats, '*/*', undefined).mediaType).toBe('text/turtle');
  });

  it('follows q-values and aliases', () => {
    expect(chooseFormat(resultFormats, 'application/sparql-results+json;q=0.5, text/csv', undefined).mediaType).toBe('text/csv');
    expect(chooseFormat(resultFormats, 'text/tab-separated-values;q=0.9, application/sparql-results+xml', undefined).mediaType).toBe('application/sparql-results+xml');
    expect(chooseFormat(resultFormats, 'application/json', undefined).mediaType).toBe('application/sparql-results+json');
    expect(chooseFormat(graphFormats, 'application/json', undefined).mediaType).toBe('application/ld+json');
    expect(chooseFormat(graphFormats, 'text/*;q=0.2, application/rdf+xml', undefined).mediaType).toBe('application/rdf+xml');
    expect(chooseFormat(graphFormats, 'text/plain', undefined).mediaType).toBe('application/n-triples');
  });

  it('takes the format parameter over Accept', () => {
    expect(chooseFormat(resultFormats, 'text/csv', 'tsv').mediaType).toBe('text/tab-separated-values');
    expect(chooseFormat(graphFormats, undefined, 'json').mediaType).toBe('application/ld+json');
    expect(chooseFormat(graphFormats, undefined, 'application/n-triples').mediaType).toBe('application/n-triples');
  });

  it('refuses what it cannot make: 406, or 400 for an unknown format name', () => {
    expect(statusOf(() => chooseFormat(resultFormats, 'text/turtle', undefined))).toBe(406);
    expect(statusOf(() => chooseFormat(graphFormats, 'application/sparql-results+json', undefined))).toBe(406);
    expect(statusOf(() => chooseFormat(graphFormats, undefined, 'csv'))).toBe(406);
    expect(statusOf(() => chooseFormat(resultFormats, undefined, 'yaml'))).toBe(400);
  });
});
