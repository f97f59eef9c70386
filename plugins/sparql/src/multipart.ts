// multipart/form-data bodies (RFC 7578), which the Graph Store Protocol allows for POST: each part
// is an RDF document with its own content type.

import { ProtocolError } from './http.js';

/** One part: its headers (lowercased names) and its content. */
export interface Part {
  readonly headers: Readonly<Record<string, string>>;
  readonly body: string;
}

/** The boundary parameter of a multipart content-type header, or a 400. */
export function boundaryOf(contentTypeHeader: string): string {
  const match = /;\s*boundary\s*=\s*(?:"([^"]+)"|([^;\s]+))/i.exec(contentTypeHeader);
  const boundary = match?.[1] ?? match?.[2];
  if (!boundary) throw new ProtocolError(400, 'a multipart/form-data body needs a boundary parameter in its content-type');
  return boundary;
}

/** Splits a multipart body into its parts; 400 when it is not well formed. */
export function parseMultipart(body: string, boundary: string): Part[] {
  const delimiter = `--${boundary}`;
  const chunks = body.split(delimiter);
  // Before the first delimiter: the preamble; after the closing `--`: the epilogue.
  const closing = chunks.findIndex((chunk, i) => i > 0 && chunk.startsWith('--'));
  if (chunks.length < 2 || closing < 0) throw new ProtocolError(400, `the multipart body does not end with --${boundary}--`);
  return chunks.slice(1, closing).map((chunk) => {
    const content = chunk.replace(/^\r?\n/, '');
    const split = /\r?\n\r?\n/.exec(content);
    if (!split) throw new ProtocolError(400, 'a multipart part has no blank line after its headers');
    const headers: Record<string, string> = {};
    for (const line of content.slice(0, split.index).split(/\r?\n/)) {
      const colon = line.indexOf(':');
      if (colon > 0) headers[line.slice(0, colon).trim().toLowerCase()] = line.slice(colon + 1).trim();
    }
    // The line break before the next delimiter belongs to the delimiter.
    return { headers, body: content.slice(split.index + split[0].length).replace(/\r?\n$/, '') };
  });
}
