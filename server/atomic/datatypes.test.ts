import { describe, expect, it } from 'vitest';
import { datatypeProblem } from './datatypes.js';
import type { JsonAdValue } from './json-ad.js';
import { datatypes as D } from './urls.js';

// Each row: datatype, a value, and whether the value fits.
const table: [keyof typeof D, JsonAdValue, boolean][] = [
  ['string', 'hello', true],
  ['string', '', true],
  ['string', 42, false],
  ['string', ['a'], false],
  ['string', true, false],
  ['markdown', '# Title\n\n*text*', true],
  ['markdown', { a: 'b' }, false],
  ['slug', 'my-slug-2', true],
  ['slug', 'a', true],
  ['slug', 'My-Slug', false],
  ['slug', 'my slug', false],
  ['slug', 'my--slug', false],
  ['slug', '-slug', false],
  ['slug', 'slug-', false],
  ['slug', '', false],
  ['slug', 3, false],
  ['integer', 0, true],
  ['integer', -17, true],
  ['integer', Number.MAX_SAFE_INTEGER, true],
  ['integer', 1.5, false],
  ['integer', 2 ** 53, false],
  ['integer', '1', false],
  ['float', 1.5, true],
  ['float', -3, true],
  ['float', '1.5', false],
  ['float', false, false],
  ['boolean', true, true],
  ['boolean', false, true],
  ['boolean', 'true', false],
  ['boolean', 0, false],
  ['timestamp', 1_700_000_000_000, true],
  ['timestamp', 1_700_000_000_000.5, false],
  ['timestamp', '2024-01-01T00:00:00Z', false],
  ['date', '2024-02-29', true],
  ['date', '2023-02-29', false],
  ['date', '2024-13-01', false],
  ['date', '2024-1-1', false],
  ['date', '2024-01-01T00:00:00Z', false],
  ['date', 20240101, false],
  ['atomicUrl', 'https://atomicdata.dev/classes/Agent', true],
  ['atomicUrl', 'http://localhost:9883/a', true],
  ['atomicUrl', { '@id': 'https://example.com/nested' }, true],
  ['atomicUrl', 'not a url', false],
  ['atomicUrl', 'ftp://example.com/a', false],
  // A content address (a Plugin's pluginFile may be one).
  ['atomicUrl', 'ipfs://QmT78zSuBmuS4z925WZfrqQ1qHaJ56DQaTfyMUF7F8ff5o', true],
  ['atomicUrl', 'ipfs://not a cid', false],
  ['atomicUrl', ['https://example.com/a'], false],
  ['atomicUrl', 7, false],
  ['uri', 'urn:isbn:0451450523', true],
  ['uri', 'mailto:someone@example.com', true],
  ['uri', 'no scheme', false],
  ['uri', 7, false],
  ['resourceArray', [], true],
  ['resourceArray', ['https://example.com/a', { '@id': 'https://example.com/b' }], true],
  ['resourceArray', 'https://example.com/a', false],
  ['resourceArray', ['https://example.com/a', 'relative/path'], false],
  ['resourceArray', [1, 2], false],
  ['json', { any: ['thing', 1, true] }, true],
  ['json', 'a string is JSON too', true],
];

describe('datatypeProblem', () => {
  it.each(table)('%s with %j fits: %s', (datatype, value, fits) => {
    const problem = datatypeProblem(D[datatype], value);
    if (fits) expect(problem).toBeUndefined();
    else expect(problem).toMatch(/^expected /);
  });

  it('accepts anything for a datatype it does not know', () => {
    expect(datatypeProblem('https://example.com/datatypes/custom', 42)).toBeUndefined();
  });

  it('covers every datatype it names', () => {
    const tested = new Set(table.map(([d]) => d));
    expect([...tested].sort()).toEqual(Object.keys(D).sort());
  });
});
