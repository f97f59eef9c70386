import { describe, expect, it } from 'vitest';
import { parse } from 'oxigraph';
import { datatypes, resourceNQuads, termValue, valueTerms, type JsonValue } from './atomic-rdf.js';

const XSD = 'http://www.w3.org/2001/XMLSchema#';
const P = 'https://atomicdata.dev/properties/';
const types: Record<string, string> = { [`${P}name`]: datatypes.string, [`${P}isA`]: datatypes.resourceArray, [`${P}parent`]: datatypes.atomicUrl, [`${P}createdAt`]: datatypes.timestamp, [`${P}n`]: datatypes.float, [`${P}ok`]: datatypes.boolean };

describe('Atomic Data as RDF', () => {
  it('maps property values to IRIs and XSD literals, arrays to one triple per member, in the subject\'s graph', () => {
    const text = resourceNQuads('http://s.test/x', { '@id': 'http://s.test/x', [`${P}name`]: 'X "quoted" \\ back\nslash', [`${P}isA`]: ['http://c.test/A', 'http://c.test/B'], [`${P}parent`]: 'http://s.test', [`${P}createdAt`]: 1700000000000, [`${P}n`]: 1.5, [`${P}ok`]: true, 'https://x.test/unknown': 3 }, (p: string) => types[p]);
    const quads = parse(text, { format: 'application/n-quads' });
    expect(quads.map(String).sort()).toEqual(
      [
        `<http://s.test/x> <${P}name> "X \\"quoted\\" \\\\ back\\nslash" <http://s.test/x>`,
        `<http://s.test/x> <${P}isA> <http://c.test/A> <http://s.test/x>`,
        `<http://s.test/x> <${P}isA> <http://c.test/B> <http://s.test/x>`,
        `<http://s.test/x> <${P}parent> <http://s.test> <http://s.test/x>`,
        `<http://s.test/x> <${P}createdAt> "1700000000000"^^<${XSD}long> <http://s.test/x>`,
        `<http://s.test/x> <${P}n> "1.5"^^<${XSD}double> <http://s.test/x>`,
        `<http://s.test/x> <${P}ok> "true"^^<${XSD}boolean> <http://s.test/x>`,
        `<http://s.test/x> <https://x.test/unknown> "3"^^<${XSD}integer> <http://s.test/x>`,
      ].sort(),
    );
  });

  it('reads terms back as the JSON value of the datatype, and says why one does not fit', () => {
    for (const [value, datatype] of [['X', datatypes.string], [42, datatypes.integer], [1.5, datatypes.float], [false, datatypes.boolean], ['2024-02-29', datatypes.date], ['http://s.test/y', datatypes.atomicUrl], [{ a: [1] }, datatypes.json]] as [JsonValue, string][]) {
      expect(termValue(valueTerms(value, datatype)[0]!, datatype)).toEqual({ value });
    }
    expect(termValue(valueTerms('text', datatypes.string)[0]!, datatypes.integer)).toMatchObject({ problem: expect.stringContaining('expected an integer') });
    expect(termValue(valueTerms('http://s.test/y', datatypes.atomicUrl)[0]!, datatypes.string)).toMatchObject({ problem: expect.stringContaining('expected a literal') });
    expect(termValue(valueTerms('x', datatypes.string)[0]!, datatypes.atomicUrl)).toMatchObject({ problem: expect.stringContaining('IRI of a resource') });
  });
});
