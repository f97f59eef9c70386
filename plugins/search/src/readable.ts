// Which matches the requester may see. The host decides (`can`, its own rules), asked for the
// candidates in rank order, a growing chunk at a time, until the requested page is full: so a page
// holds exactly the readable matches of its rank range, and a query costs the checks its page needs,
// however many matches it has (the host's check costs per subject: counting every readable match
// of a common word would cost more than the search). So the total is exact when all candidates
// were checked (always for up to COUNT_LIMIT of them), and otherwise a lower bound
// (`totalExact: false`): there may be more pages. Unreadable matches are never counted, so the
// total says nothing about what the requester may not read. No query checks more than CHECK_LIMIT candidates: a requester who may
// read few of very many matches gets a short page, not a query that costs the server a rights
// check of everything.

import type { Hit } from './search-index.js';

/** Candidates always checked, so that the total of a query with few matches is exact. */
export const COUNT_LIMIT = 50;
/** Candidates checked at most for one page. */
export const CHECK_LIMIT = 20_000;
/** Candidates in the first chunk beyond what the page needs: most are usually readable. */
const SLACK = 10;

/** The readable matches of one page, and how many readable matches there are. */
export interface ReadablePage {
  hits: Hit[];
  total: number;
  /** False when not every candidate was checked: there are at least `total`. */
  totalExact: boolean;
}

/** Which of `subjects` the requester may read. */
export type ReadCheck = (subjects: readonly string[]) => Promise<Set<string>>;

/** Page `page` (of `pageSize`) of the candidates the requester may read. */
export async function readablePage(candidates: readonly Hit[], page: number, pageSize: number, check: ReadCheck): Promise<ReadablePage> {
  const needed = (page + 1) * pageSize;
  const readable: Hit[] = [];
  let checked = 0;
  let chunk = Math.max(needed + SLACK, COUNT_LIMIT);
  const more = async (): Promise<void> => {
    const slice = candidates.slice(checked, Math.min(checked + chunk, CHECK_LIMIT));
    const allowed = await check(slice.map((h) => h.subject));
    for (const hit of slice) if (allowed.has(hit.subject)) readable.push(hit);
    checked += slice.length;
    chunk *= 2;
  };
  while (checked < candidates.length && checked < CHECK_LIMIT && (readable.length < needed || checked < COUNT_LIMIT)) await more();
  return { hits: readable.slice(page * pageSize, needed), total: readable.length, totalExact: checked === candidates.length };
}
