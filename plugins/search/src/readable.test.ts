import { describe, expect, it } from 'vitest';
import { CHECK_LIMIT, COUNT_LIMIT, readablePage, type ReadCheck } from './readable.js';
import type { Hit } from './search-index.js';

const hits = (n: number): Hit[] => Array.from({ length: n }, (_, i) => ({ subject: `s${i}`, score: n - i, terms: [] }));
/** Every third subject is private; records what was asked. */
function everyThirdPrivate(asked: string[][]): ReadCheck {
  return async (subjects) => {
    asked.push([...subjects]);
    return new Set(subjects.filter((s) => Number(s.slice(1)) % 3 !== 0));
  };
}

describe('readablePage', () => {
  it('fills each page with the readable candidates of its rank range', async () => {
    const all = hits(50);
    const readable = all.filter((_, i) => i % 3 !== 0).map((h) => h.subject);
    const first = await readablePage(all, 0, 10, everyThirdPrivate([]));
    const second = await readablePage(all, 1, 10, everyThirdPrivate([]));
    expect(first.hits.map((h) => h.subject)).toEqual(readable.slice(0, 10));
    expect(second.hits.map((h) => h.subject)).toEqual(readable.slice(10, 20));
    expect([first.total, first.totalExact]).toEqual([readable.length, true]);
  });

  it('checks no more than the page needs past the count limit, and says the total is a lower bound', async () => {
    const asked: string[][] = [];
    const page = await readablePage(hits(COUNT_LIMIT * 5), 0, 20, everyThirdPrivate(asked));
    expect(page.hits).toHaveLength(20);
    expect(asked.flat()).toHaveLength(COUNT_LIMIT);
    expect(page.totalExact).toBe(false);
    expect(page.total).toBe(Math.floor((COUNT_LIMIT * 2) / 3));
  });

  it('gives an empty page past the last readable match', async () => {
    const page = await readablePage(hits(5), 3, 10, everyThirdPrivate([]));
    expect(page).toEqual({ hits: [], total: 3, totalExact: true });
  });

  it('stops after CHECK_LIMIT candidates when the requester may read too few of them', async () => {
    const asked: string[][] = [];
    const none: ReadCheck = async (subjects) => {
      asked.push([...subjects]);
      return new Set();
    };
    const page = await readablePage(hits(CHECK_LIMIT * 2), 0, 20, none);
    expect(asked.flat()).toHaveLength(CHECK_LIMIT);
    expect(page).toEqual({ hits: [], total: 0, totalExact: false });
  });
});
