// The `query` host function's cursor against a real LMDB store: every readable local resource
// once, in subject order, page by page, however the pages fall.

import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createAgentIdentity } from '../atomic/agent.js';
import { props } from '../atomic/urls.js';
import { CommitProcessor } from '../commits.js';
import { HostEvents } from '../events.js';
import { LmdbStore } from '../store/lmdb-store.js';
import { createHostFunctions } from './host-functions.js';

const S = 'http://localhost:1';
const agent = createAgentIdentity(S);
let dir: string;
let store: LmdbStore;
let query: (request: Record<string, unknown>) => Promise<Record<string, unknown>>;

/** The readable local resources: the drive and its 25 children. */
const readable = [S, ...Array.from({ length: 25 }, (_, i) => `${S}/r${String(i).padStart(2, '0')}`)].sort();

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'host-functions-'));
  store = LmdbStore.open(dir);
  await store.transact((txn) => {
    txn.put(S, { [props.read]: [agent.subject] });
    for (const subject of readable.slice(1)) txn.put(subject, { [props.parent]: S, [props.name]: subject });
    txn.put(`${S}/q-private`, { [props.name]: 'no rights, no parent' });
    txn.put('http://elsewhere.example/x', { [props.name]: 'not local' });
  });
  const functions = createHostFunctions({
    store, commits: new CommitProcessor(store, S, new HostEvents()), serverUrl: S, installation: `${S}/plugins/installed/x`, agent,
    config: () => ({}), granted: [{ name: 'read', reason: 'test' }], log: () => {}, callPlugin: async () => null, serving: () => false, hostStats: () => ({}),
  });
  query = async (request) => JSON.parse(new TextDecoder().decode(await functions.query!(new TextEncoder().encode(JSON.stringify(request))))) as Record<string, unknown>;
});
afterAll(async () => {
  await store.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('query with a cursor', () => {
  it.each([1, 7, 26, 1000])('pages through every readable local resource once, in order (page size %i)', async (size) => {
    const seen: string[] = [];
    let pages = 0;
    for (let after: string | null = ''; after !== null; pages++) {
      const { ok } = (await query({ after, page_size: size, include_resources: true })) as { ok: { members: string[]; resources: { '@id': string }[]; next: string | null; total: number } };
      expect(ok.total).toBe(-1);
      expect(ok.resources.map((r) => r['@id'])).toEqual(ok.members);
      seen.push(...ok.members);
      after = ok.next;
    }
    expect(seen).toEqual(readable);
    expect(pages).toBe(Math.ceil(readable.length / size));
  });

  it('pages through the matches of a property and value by cursor too, in subject order', async () => {
    const seen: string[] = [];
    for (let after: string | null = ''; after !== null; ) {
      const { ok } = (await query({ property: props.parent, value: S, after, page_size: 4 })) as { ok: { members: string[]; next: string | null } };
      expect(ok.members.length).toBeLessThanOrEqual(4);
      seen.push(...ok.members);
      after = ok.next;
    }
    expect(seen).toEqual(readable.slice(1));
  });

  it('refuses a cursor together with a sort', async () => {
    expect(await query({ after: '', sort_by: props.name })).toMatchObject({ error: { code: 'INVALID_REQUEST' } });
  });
});
