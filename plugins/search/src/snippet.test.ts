import { describe, expect, it } from 'vitest';
import { snippet } from './snippet.js';

const filler = (n: number): string => Array.from({ length: n }, (_, i) => `word${i}`).join(' ');

describe('snippet', () => {
  it('returns a short text whole', () => {
    expect(snippet('A small note about gardens.', ['gardens'])).toBe('A small note about gardens.');
  });

  it('cuts a long text around the first matched word, at word boundaries', () => {
    const text = `${filler(40)} the Café opens at noon ${filler(40)}`;
    const cut = snippet(text, ['cafe']);
    expect(cut).toContain('the Café opens at noon');
    expect(cut.startsWith('…')).toBe(true);
    expect(cut.endsWith('…')).toBe(true);
    expect(cut.length).toBeLessThan(180);
  });

  it('finds words with capitals and accents past other non-ASCII text, with the offsets of the original', () => {
    const text = `${filler(30)} «Ÿes» naïve ÉCOLE ✓ and more ${filler(30)}`;
    expect(snippet(text, ['ecole'])).toContain('naïve ÉCOLE ✓ and more');
    expect(snippet(text.toUpperCase(), ['word29'])).toContain('WORD29 «ŸES»');
  });

  it('starts at the beginning when no term is in the text', () => {
    const text = filler(100);
    expect(snippet(text, ['absent'])).toMatch(/^word0 word1 .*…$/);
  });
});
