// Which bytes a GET asks for (RFC 9110 §14): one byte range is served as 206, an unsatisfiable one
// is a 416, and anything else (no header, a malformed one, several ranges, an If-Range that no
// longer matches) gets the whole content. Parsing is `range-parser`'s, as Express serves files.

import parseRange from 'range-parser';

/** The whole content, one range of it (inclusive bounds), or none that exists. */
export type ByteRange = { kind: 'full' } | { kind: 'partial'; start: number; end: number } | { kind: 'unsatisfiable' };

/** The range a request asks for in content of `size` bytes whose entity tag is `etag`. */
export function requestedRange(size: number, headers: Readonly<Record<string, string>>, etag: string): ByteRange {
  const header = headers['range'];
  if (header === undefined) return { kind: 'full' };
  // If-Range with a date cannot match: the content has no modification date, only its tag.
  const ifRange = headers['if-range'];
  if (ifRange !== undefined && ifRange.trim() !== etag) return { kind: 'full' };
  const ranges = parseRange(size, header, { combine: true });
  if (ranges === -1) return { kind: 'unsatisfiable' };
  if (ranges === -2 || ranges.type !== 'bytes' || ranges.length !== 1) return { kind: 'full' };
  const [range] = ranges;
  return range ? { kind: 'partial', start: range.start, end: range.end } : { kind: 'full' };
}
