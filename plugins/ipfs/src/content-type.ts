// The media type of stored content when no File resource says it: the file name's extension
// (`mime`), else the bytes' signature (`file-type`), else UTF-8 text (said so, since it was
// checked) or bytes.

import { fileTypeFromBuffer } from 'file-type';
import mime from 'mime';

/** How many bytes `sniff` needs to recognise a signature. */
export const SNIFF_BYTES = 4100;

/** The media type of a file named `filename` (if known) that starts with `head`. */
export async function mediaType(head: Uint8Array, filename?: string): Promise<string> {
  const byName = filename ? mime.getType(filename) : null;
  if (byName) return byName;
  const byBytes = await fileTypeFromBuffer(head);
  if (byBytes) return byBytes.mime;
  return isText(head) ? 'text/plain; charset=utf-8' : 'application/octet-stream';
}

/** A type from a client (a multipart part's): kept unless it says nothing (`application/octet-stream`). */
export async function declaredOrSniffed(declared: string, head: Uint8Array, filename: string): Promise<string> {
  const type = declared.trim().toLowerCase();
  return type !== '' && type !== 'application/octet-stream' ? declared.trim() : mediaType(head, filename);
}

/** UTF-8 without control characters other than whitespace; a character cut at the end is fine. */
function isText(head: Uint8Array): boolean {
  try {
    const text = new TextDecoder('utf-8', { fatal: true }).decode(head, { stream: true });
    return !/[\x00-\x08\x0e-\x1f\x7f]/.test(text);
  } catch {
    return false;
  }
}
