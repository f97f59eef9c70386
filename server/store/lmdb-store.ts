// The embedded Store engine: LMDB (through lmdb-js, prebuilt binaries from npm) in the data
// folder. Resources and their query index live in one environment, so a commit, the resource
// it changes and the index entries are written in one transaction.

import { open, type Database, type RootDatabase } from 'lmdb';
import type { PropVals } from '../atomic/json-ad.js';
import { indexEntries } from './indexing.js';
import type { Store, StoreReader, StoreWriter } from './store.js';

// The index is a duplicate-key table from (property, value) to subjects. Array keys sort by
// property first, so the subjects having a property at all are a range scan from [property].
// LMDB caps keys and duplicate values; longer ones are left out of the index.
const MAX_KEY_BYTES = 1900;

type ValueKey = [property: string, value: string];


function fits(...parts: string[]): boolean {
  return parts.reduce((n, p) => n + Buffer.byteLength(p), 0) <= MAX_KEY_BYTES;
}

function valueEntries(subject: string, propvals: PropVals): Map<string, ValueKey> {
  const entries = new Map<string, ValueKey>();
  for (const [property, value] of indexEntries(propvals)) {
    if (fits(property, value) && fits(subject)) entries.set(JSON.stringify([property, value]), [property, value]);
  }
  return entries;
}

class LmdbReader implements StoreReader {
  constructor(
    protected readonly resources: Database<PropVals, string>,
    protected readonly index: Database<string, ValueKey>,
  ) {}

  get(subject: string): PropVals | undefined {
    return this.resources.get(subject);
  }

  findSubjects(property: string, value?: string, after?: string): Iterable<string> {
    if (after === undefined) return value === undefined ? this.#withProperty(property) : this.index.getValues([property, value]);
    // The subjects under one (property, value) key are kept sorted: the cursor starts there.
    if (value !== undefined) return this.#after(this.index.getValues([property, value], { start: after }), after);
    return [...this.#withProperty(property)].filter((s) => s > after).sort();
  }

  *#after(subjects: Iterable<string>, after: string): Iterable<string> {
    for (const subject of subjects) if (subject !== after) yield subject;
  }

  *#withProperty(property: string): Iterable<string> {
    const seen = new Set<string>();
    for (const key of this.index.getKeys({ start: [property] })) {
      if ((key as ValueKey)[0] !== property) return;
      for (const subject of this.index.getValues(key as ValueKey)) {
        if (!seen.has(subject)) {
          seen.add(subject);
          yield subject;
        }
      }
    }
  }

  *allSubjects(after?: string): Iterable<string> {
    for (const key of this.resources.getKeys(after === undefined ? undefined : { start: after })) {
      if (key !== after) yield key as string;
    }
  }
}

class LmdbWriter extends LmdbReader implements StoreWriter {
  put(subject: string, propvals: PropVals): void {
    const before = this.resources.get(subject);
    const oldValues = before ? valueEntries(subject, before) : new Map<string, ValueKey>();
    const newValues = valueEntries(subject, propvals);
    for (const [id, key] of oldValues) if (!newValues.has(id)) this.index.removeSync(key, subject);
    for (const [id, key] of newValues) if (!oldValues.has(id)) this.index.putSync(key, subject);
    this.resources.putSync(subject, propvals);
  }

  remove(subject: string): void {
    const before = this.resources.get(subject);
    if (!before) return;
    for (const key of valueEntries(subject, before).values()) this.index.removeSync(key, subject);
    this.resources.removeSync(subject);
  }
}

/** The embedded store. */
export class LmdbStore extends LmdbReader implements Store {
  readonly #root: RootDatabase;
  readonly #writer: LmdbWriter;
  readonly #kv: Database<unknown, [string, string]>;
  // Microseconds since 1970 at open: a restarted host starts above anything it counted before,
  // unless it wrote more than a million transactions a second.
  #revision = Date.now() * 1000;

  private constructor(root: RootDatabase, resources: Database<PropVals, string>, index: Database<string, ValueKey>) {
    super(resources, index);
    this.#root = root;
    this.#writer = new LmdbWriter(resources, index);
    this.#kv = root.openDB<unknown, [string, string]>({ name: 'kv' });
  }

  kvGet(namespace: string, key: string): unknown {
    return this.#kv.get([namespace, key]);
  }

  async kvSet(namespace: string, key: string, value: unknown): Promise<void> {
    await flushed(this.#kv.put([namespace, key], value));
  }

  async kvDelete(namespace: string, key: string): Promise<void> {
    await flushed(this.#kv.remove([namespace, key]));
  }

  async kvClear(namespace: string): Promise<void> {
    const keys: [string, string][] = [];
    for (const key of this.#kv.getKeys({ start: [namespace] })) {
      if ((key as [string, string])[0] !== namespace) break;
      keys.push(key as [string, string]);
    }
    await this.#kv.transaction(() => keys.forEach((k) => this.#kv.removeSync(k)));
    await this.#root.flushed;
  }

  /** Opens (creating if needed) the store in `path`. */
  static open(path: string): LmdbStore {
    // overlappingSync lets the next batch be written while the previous one is flushed;
    // separateFlushed gives each write a promise for when it is on disk, which is what we await.
    const root = open({ path, overlappingSync: true, separateFlushed: true, mapSize: 2 ** 34 });
    const resources = root.openDB<PropVals, string>({ name: 'resources' });
    const index = root.openDB<string, ValueKey>({ name: 'by-value', dupSort: true, encoding: 'ordered-binary' });
    return new LmdbStore(root, resources, index);
  }

  async transact<T>(work: (txn: StoreWriter) => T): Promise<T> {
    let result: T | undefined;
    let failure: unknown;
    // A child transaction is rolled back on its own when `work` throws, leaving the other
    // commits batched into the same LMDB transaction untouched.
    const committed = this.resources.childTransaction(() => {
      try {
        result = work(this.#writer);
      } catch (e) {
        failure = e;
        throw e;
      }
    });
    try {
      await committed;
    } catch (e) {
      throw failure ?? e;
    }
    if (failure !== undefined) throw failure;
    this.#revision++;
    await flushed(committed);
    return result as T;
  }

  get revision(): number {
    return this.#revision;
  }

  async close(): Promise<void> {
    await this.#root.flushed;
    await this.#root.close();
  }
}

async function flushed(promise: Promise<unknown>): Promise<unknown> {
  await promise;
  return (promise as Promise<unknown> & { flushed?: Promise<unknown> }).flushed;
}
