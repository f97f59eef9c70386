// The deep-subset comparison of expected and actual JSON, and dotted capture paths.

import { describe, expect, it } from 'vitest';
import { matchJson, valueAt } from './match.js';

describe('matchJson', () => {
  it('holds for a subset and lists every difference with its path otherwise', () => {
    const got = { versions: [{ signer: 'a', commit: 'c1' }], total: 1, extra: true };
    expect(matchJson({ versions: [{ signer: 'a' }], total: 1 }, got)).toEqual([]);
    expect(matchJson({ versions: [{ signer: 'b' }], total: 2, missing: 'x' }, got)).toEqual([
      { path: 'json.versions[0].signer', expected: 'b', got: 'a' },
      { path: 'json.total', expected: 2, got: 1 },
      { path: 'json.missing', expected: 'x', got: undefined },
    ]);
  });

  it('needs arrays of the same length, unless the last expected element is "..."', () => {
    expect(matchJson([1, 2], [1, 2, 3])).toEqual([{ path: 'json.length', expected: 2, got: 3 }]);
    expect(matchJson([1, '...'], [1, 2, 3])).toEqual([]);
    expect(matchJson([2, '...'], [1, 2, 3])).toEqual([{ path: 'json[0]', expected: 2, got: 1 }]);
    expect(matchJson([1, 2, 3, '...'], [1])).toEqual([{ path: 'json.length', expected: 'at least 3', got: 1 }]);
  });

  it('matches any value of a kind, and names property URLs as keys', () => {
    expect(matchJson({ s: '{{*string}}', n: '{{*number}}', a: '{{*any}}' }, { s: 'x', n: 1, a: false })).toEqual([]);
    expect(matchJson({ 'https://atomicdata.dev/properties/name': '{{*number}}' }, { 'https://atomicdata.dev/properties/name': 'x' })).toEqual([
      { path: 'json["https://atomicdata.dev/properties/name"]', expected: '{{*number}}', got: 'x' },
    ]);
    expect(matchJson({ a: '{{*any}}' }, {})).toHaveLength(1);
  });
});

describe('valueAt', () => {
  it('follows dotted paths through objects and arrays, keys with dots included', () => {
    const value = { versions: [{ commit: 'c1' }], 'https://atomicdata.dev/properties/lastCommit': 'c2' };
    expect(valueAt(value, 'versions.0.commit')).toBe('c1');
    expect(valueAt(value, 'https://atomicdata.dev/properties/lastCommit')).toBe('c2');
    expect(valueAt(value, 'versions.1.commit')).toBeUndefined();
    expect(valueAt(value, 'nothing.here')).toBeUndefined();
  });
});
