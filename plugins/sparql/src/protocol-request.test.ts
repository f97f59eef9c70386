import { describe, expect, it } from 'vitest';
import { ProtocolError } from './http.js';
import { readProtocolRequest } from './protocol-request.js';

const request = (method: string, queryString: string, contentType?: string, body = '') => ({
  method,
  queryString,
  headers: (contentType === undefined ? {} : { 'content-type': contentType }) as Record<string, string>,
  body,
});

const refusal = (req: ReturnType<typeof request>): { status: number; message: string; allow?: string } => {
  try {
    readProtocolRequest(req, '/sparql');
  } catch (error) {
    if (error instanceof ProtocolError) return { status: error.status, message: error.message, ...(error.headers.allow ? { allow: error.headers.allow } : {}) };
    throw error;
  }
  throw new Error('expected a refusal');
};

describe('readProtocolRequest', () => {
  it('reads a query by GET with repeated dataset parameters', () => {
    expect(readProtocolRequest(request('GET', 'query=ASK%7B%7D&default-graph-uri=http%3A%2F%2Fa&default-graph-uri=http%3A%2F%2Fb&named-graph-uri=http%3A%2F%2Fc&format=xml'), '/s')).toEqual({
      kind: 'query',
      query: 'ASK{}',
      defaultGraphs: ['http://a', 'http://b'],
      namedGraphs: ['http://c'],
      format: 'xml',
    });
  });

  it('reads a query and an update by form POST, and by direct POST with URL parameters', () => {
    expect(readProtocolRequest(request('POST', '', 'application/x-www-form-urlencoded', 'query=SELECT+*+%7B%7D&named-graph-uri=http%3A%2F%2Fg'), '/s')).toMatchObject({ kind: 'query', query: 'SELECT * {}', namedGraphs: ['http://g'] });
    expect(readProtocolRequest(request('POST', '', 'application/x-www-form-urlencoded; charset=UTF-8', 'update=CLEAR+ALL&using-graph-uri=http%3A%2F%2Fg'), '/s')).toEqual({ kind: 'update', update: 'CLEAR ALL', usingGraphs: ['http://g'], usingNamedGraphs: [] });
    expect(readProtocolRequest(request('POST', 'default-graph-uri=http%3A%2F%2Fd', 'application/sparql-query', 'ASK {}'), '/s')).toMatchObject({ kind: 'query', defaultGraphs: ['http://d'] });
    expect(readProtocolRequest(request('POST', 'using-named-graph-uri=http%3A%2F%2Fn', 'application/sparql-update; charset=utf-8', 'CLEAR ALL'), '/s')).toEqual({ kind: 'update', update: 'CLEAR ALL', usingGraphs: [], usingNamedGraphs: ['http://n'] });
  });

  it('answers a GET without a query with the service description', () => {
    expect(readProtocolRequest(request('GET', ''), '/s')).toEqual({ kind: 'service' });
  });

  it('refuses what the protocol forbids, with its status codes', () => {
    expect(refusal(request('GET', 'query=ASK{}&query=ASK{}')).status).toBe(400);
    expect(refusal(request('GET', 'update=CLEAR+ALL')).status).toBe(400);
    expect(refusal(request('GET', 'query=ASK{}&using-graph-uri=http://a')).status).toBe(400);
    expect(refusal(request('POST', 'default-graph-uri=http://a', 'application/sparql-update', 'CLEAR ALL')).status).toBe(400);
    expect(refusal(request('POST', '', 'application/x-www-form-urlencoded', 'query=ASK{}&update=CLEAR+ALL')).status).toBe(400);
    expect(refusal(request('POST', '', 'application/x-www-form-urlencoded', 'format=json')).status).toBe(400);
    expect(refusal(request('POST', 'query=ASK{}', 'application/sparql-query', 'ASK{}')).status).toBe(400);
    expect(refusal(request('POST', '', undefined, 'ASK {}')).status).toBe(415);
    expect(refusal(request('POST', '', 'text/plain', 'ASK {}')).status).toBe(415);
    expect(refusal(request('POST', '', 'application/sparql-query; charset=iso-8859-1', 'ASK {}')).status).toBe(415);
    expect(refusal(request('PUT', '', 'application/sparql-query', 'ASK {}'))).toMatchObject({ status: 405, allow: 'GET, POST' });
  });
});
