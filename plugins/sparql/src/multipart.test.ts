import { describe, expect, it } from 'vitest';
import { ProtocolError } from './http.js';
import { boundaryOf, parseMultipart } from './multipart.js';

describe('multipart/form-data', () => {
  it('splits parts with their headers and exact content', () => {
    const body = 'preamble\r\n--xyz\r\nContent-Disposition: form-data; name="a"\r\nContent-Type: text/turtle\r\n\r\n<a> <b> <c> .\r\n\r\n--xyz\r\ncontent-type: application/n-triples\r\n\r\nline1\nline2\r\n--xyz--\r\nepilogue';
    expect(boundaryOf('multipart/form-data; boundary="xyz"')).toBe('xyz');
    expect(parseMultipart(body, 'xyz')).toEqual([
      { headers: { 'content-disposition': 'form-data; name="a"', 'content-type': 'text/turtle' }, body: '<a> <b> <c> .\r\n' },
      { headers: { 'content-type': 'application/n-triples' }, body: 'line1\nline2' },
    ]);
  });

  it('refuses a body without its closing delimiter, and a header without a boundary', () => {
    expect(() => parseMultipart('--xyz\r\n\r\nx', 'xyz')).toThrow(ProtocolError);
    expect(() => boundaryOf('multipart/form-data')).toThrow(ProtocolError);
  });
});
