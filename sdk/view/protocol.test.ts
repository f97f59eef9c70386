// What the page accepts from a view: only messages of the protocol, each method with its params.

import { describe, expect, it } from 'vitest';
import { PROTOCOL, parseRequest, parseResponse } from './protocol.js';

const request = (method: unknown, params: unknown, id: unknown = 1) => parseRequest({ protocol: PROTOCOL, id, method, params });

describe('parseRequest', () => {
  it('takes each method with valid params', () => {
    expect(request('context', null)).toEqual({ protocol: PROTOCOL, id: 1, method: 'context', params: null });
    expect(request('getResource', { subject: 'http://localhost:9883/a' })).toMatchObject({ method: 'getResource' });
    expect(request('query', { property: 'https://atomicdata.dev/properties/parent', value: 'x', pageSize: 100 })).toMatchObject({ method: 'query' });
    expect(request('commit', { subject: 'http://localhost:9883/a', set: { p: 1 }, remove: ['https://p.org/q'], push: { p: [1] }, destroy: false })).toMatchObject({ method: 'commit' });
    expect(request('saveConfig', { config: { a: 1 } })).toMatchObject({ method: 'saveConfig' });
    expect(request('resize', { height: 120 })).toMatchObject({ method: 'resize' });
  });

  it('ignores what is not a message of the protocol', () => {
    for (const data of [null, 'text', [], { id: 1, method: 'context' }, { protocol: 'other', id: 1, method: 'context' }, { protocol: PROTOCOL, id: -1, method: 'context' }, { protocol: PROTOCOL, id: 1.5 }]) {
      expect(parseRequest(data)).toBeNull();
    }
  });

  it('says what is wrong with a malformed request of the protocol', () => {
    expect(request('signCommit', {})).toEqual({ id: 1, problem: 'unknown method "signCommit"' });
    expect(request('toString', null)).toMatchObject({ problem: expect.stringContaining('unknown method') });
    expect(request('getResource', { subject: 'javascript:alert(1)' })).toEqual({ id: 1, problem: 'invalid params for getResource' });
    expect(request('commit', { subject: 'http://localhost:9883/a', set: [] })).toMatchObject({ problem: 'invalid params for commit' });
    expect(request('query', { pageSize: 1000 })).toMatchObject({ problem: 'invalid params for query' });
    expect(request('context', { extra: true })).toMatchObject({ problem: 'invalid params for context' });
  });
});

describe('parseResponse', () => {
  it('reads results and errors, and nothing else', () => {
    expect(parseResponse({ protocol: PROTOCOL, id: 3, result: null })).toEqual({ protocol: PROTOCOL, id: 3, result: null });
    expect(parseResponse({ protocol: PROTOCOL, id: 3, error: { code: 'DENIED', message: 'no' } })).toMatchObject({ error: { code: 'DENIED' } });
    expect(parseResponse({ protocol: PROTOCOL, id: 3, method: 'context', result: 1 })).toBeNull();
    expect(parseResponse({ protocol: PROTOCOL, id: 3, error: 'no' })).toBeNull();
  });
});
