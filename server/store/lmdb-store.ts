// The embedded Store engine: LMDB (through lmdb-js, prebuilt binaries from npm) in the data
// folder. Resources and their query index live in one environment, so a commit, the resource
// it changes and the index entries are written in one transaction.

import { open, type Database, type RootDatabase } from 'lmdb';
import type { PropVals } from '../atomic/json-ad.js';
import { indexEntries } from './indexing.js';
import type { Store, StoreReader, StoreWriter } from './store.js';

// The index is two duplicate-key tables whose values are subjects: (property, value) → subjects
// and property → subjects. Exact-key lookups need no separators, so any value can be indexed.
// LMDB caps keys and duplicate values; longer ones are left out of the index.
const MAX_KEY_BYTES = 1900;

type ValueKey = [property: string, value: string];

interface Index {
  byValue: Database<string, ValueKey>;
  byProperty: Database<string, string>;
}

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

function indexedProperties(subject: string, propvals: PropVals): Set<string> {
  return new Set(Object.keys(propvals).filter((p) => fits(p) && fits(subject)));
}

class LmdbReader implements StoreReader {
  constructor(
    protected readonly resources: Database<PropVals, string>,
    protected readonly index: Index,
  ) {}

  get(subject: string): PropVals | undefined {
    return this.resources.get(subject);
  }

  findSubjects(property: string, value?: string): Iterable<string> {
    return value === undefined ? this.index.byProperty.getValues(property) : this.index.byValue.getValues([property, value]);
  }

  *allSubjects(): Iterable<string> {
    for (const key of this.resources.getKeys()) yield key as string;
  }
}

class LmdbWriter extends LmdbReader implements StoreWriter {
  put(subject: string, propvals: PropVals): void {
    const before = this.resources.get(subject) ?? {};
    const { byValue, byProperty } = this.index;
    const oldValues = valueEntries(subject, before);
    const newValues = valueEntries(subject, propvals);
    for (const [id, key] of oldValues) if (!newValues.has(id)) byValue.removeSync(key, subject);
    for (const [id, key] of newValues) if (!oldValues.has(id)) byValue.putSync(key, subject);
    const oldProps = indexedProperties(subject, before);
    const newProps = indexedProperties(subject, propvals);
    for (const p of oldProps) if (!newProps.has(p)) byProperty.removeSync(p, subject);
    for (const p of newProps) if (!oldProps.has(p)) byProperty.putSync(p, subject);
    this.resources.putSync(subject, propvals);
  }

  remove(subject: string): void {
    const before = this.resources.get(subject);
    if (!before) return;
    for (const key of valueEntries(subject, before).values()) this.index.byValue.removeSync(key, subject);
    for (const p of indexedProperties(subject, before)) this.index.byProperty.removeSync(p, subject);
    this.resources.removeSync(subject);
  }
}

/** The embedded store. */
export class LmdbStore extends LmdbReader implements Store {
  readonly #root: RootDatabase;
  readonly #writer: LmdbWriter;

  private constructor(root: RootDatabase, resources: Database<PropVals, string>, index: Index) {
    super(resources, index);
    this.#root = root;
    this.#writer = new LmdbWriter(resources, index);
  }

  /** Opens (creating if needed) the store in `path`. */
  static open(path: string): LmdbStore {
    // overlappingSync lets the next batch be written while the previous one is flushed;
    // separateFlushed gives each write a promise for when it is on disk, which is what we await.
    const root = open({ path, overlappingSync: true, separateFlushed: true, mapSize: 2 ** 34 });
    const resources = root.openDB<PropVals, string>({ name: 'resources' });
    const byValue = root.openDB<string, ValueKey>({ name: 'by-value', dupSort: true, encoding: 'ordered-binary' });
    const byProperty = root.openDB<string, string>({ name: 'by-property', dupSort: true, encoding: 'ordered-binary' });
    return new LmdbStore(root, resources, { byValue, byProperty });
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
    await flushed(committed);
    return result as T;
  }

  async close(): Promise<void> {
    await this.#root.flushed;
    await this.#root.close();
  }
}

function flushed(promise: Promise<unknown>): Promise<unknown> {
  const f = (promise as Promise<unknown> & { flushed?: Promise<unknown> }).flushed;
  return f ?? Promise.resolve();
}
