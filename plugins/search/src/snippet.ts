// The snippet of a result: the part of its description around the first word that matched, so a
// reader sees why it was found. Short descriptions come back whole.

import { normalize } from './documents.js';

/** Characters of context on each side of the matched word. */
const CONTEXT = 80;

/** Normalized as the index's words are, one UTF-16 unit for each (so offsets stay valid). */
function fold(text: string): string {
  // Only the characters beyond ASCII go through normalize, one UTF-16 unit at a time (normalizing
  // every character cost 25 µs for a paragraph); lowercasing ASCII keeps the length.
  return text.replace(/[^\x00-\x7f]/g, (c) => (normalize(c) || c).slice(0, 1)).toLowerCase();
}

/**
 * The part of `text` around the first of `terms` (normalized words of the index) it holds, cut at
 * word boundaries and marked with "…" where it was cut; the start of the text when none is found.
 */
export function snippet(text: string, terms: readonly string[]): string {
  if (text.length <= CONTEXT * 2) return text;
  const folded = fold(text);
  const found = terms.map((t) => folded.indexOf(t)).filter((i) => i >= 0);
  const at = found.length > 0 ? Math.min(...found) : 0;
  let start = Math.max(0, at - CONTEXT);
  let end = Math.min(text.length, at + CONTEXT);
  if (start > 0) start = text.indexOf(' ', start) + 1 || start;
  if (end < text.length) end = text.lastIndexOf(' ', end) > at ? text.lastIndexOf(' ', end) : end;
  return `${start > 0 ? '…' : ''}${text.slice(start, end).trim()}${end < text.length ? '…' : ''}`;
}
