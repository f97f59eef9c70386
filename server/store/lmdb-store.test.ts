import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { LmdbStore } from './lmdb-store.js';

describe('LmdbStore', () => {
  let dir: string;
  let store: LmdbStore;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'lmdb-store-'));
    store = LmdbStore.open(dir);
  });
  afterEach(async () => {
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('writes a resource and its index entries together', async () => {
    await store.transact((txn) => txn.put('http://x/a', { 'http://p/isA': ['http://c/A'], 'http://p/n': 3 }));
    expect(store.get('http://x/a')).toEqual({ 'http://p/isA': ['http://c/A'], 'http://p/n': 3 });
    expect([...store.findSubjects('http://p/isA', 'http://c/A')]).toEqual(['http://x/a']);
    expect([...store.findSubjects('http://p/n', '3')]).toEqual(['http://x/a']);
    expect([...store.findSubjects('http://p/n')]).toEqual(['http://x/a']);
  });

  it('drops stale index entries when a value changes or the resource is removed', async () => {
    await store.transact((txn) => txn.put('http://x/a', { 'http://p/v': 'one' }));
    await store.transact((txn) => txn.put('http://x/a', { 'http://p/v': 'two' }));
    expect([...store.findSubjects('http://p/v', 'one')]).toEqual([]);
    expect([...store.findSubjects('http://p/v', 'two')]).toEqual(['http://x/a']);
    await store.transact((txn) => txn.remove('http://x/a'));
    expect([...store.findSubjects('http://p/v')]).toEqual([]);
  });

  it('rolls back a transaction that throws, without touching concurrent ones', async () => {
    const failing = store.transact((txn) => {
      txn.put('http://x/bad', { 'http://p/v': 'x' });
      throw new Error('refused');
    });
    const ok = store.transact((txn) => txn.put('http://x/good', { 'http://p/v': 'y' }));
    await expect(failing).rejects.toThrow('refused');
    await ok;
    expect(store.get('http://x/bad')).toBeUndefined();
    expect([...store.findSubjects('http://p/v')]).toEqual(['http://x/good']);
  });

  it('does not confuse a value with a longer value that starts the same', async () => {
    await store.transact((txn) => {
      txn.put('http://x/a', { 'http://p/v': 'ab' });
      txn.put('http://x/b', { 'http://p/v': 'abc' });
    });
    expect([...store.findSubjects('http://p/v', 'ab')]).toEqual(['http://x/a']);
  });

  it('finds every subject with a property, even when other property URLs start with it', async () => {
    await store.transact((txn) => {
      txn.put('http://x/a', { 'http://p/n': 'z', 'http://p/name': 'a' });
      txn.put('http://x/b', { 'http://p/n': '!', 'http://p/n ': 'b', 'http://p/n\u0001': 'c' });
      txn.put('http://x/c', { 'http://p/name': 'q', 'http://p/n': 5 });
    });
    expect([...store.findSubjects('http://p/n')].sort()).toEqual(['http://x/a', 'http://x/b', 'http://x/c']);
    expect([...store.findSubjects('http://p/name')].sort()).toEqual(['http://x/a', 'http://x/c']);
  });
});
