// The Store interface: what the host needs from a storage engine. The embedded LMDB engine
// implements it now; a networked engine (PostgreSQL) can implement it later for many hosts.

import type { PropVals } from '../atomic/json-ad.js';

/** Reads that see one consistent state. */
export interface StoreReader {
  /** The resource's property-value pairs, or undefined when there is none. */
  get(subject: string): PropVals | undefined;
  /**
   * The subjects of resources whose `property` has `value` (for arrays: contains it; for numbers
   * and booleans: its string form), or that have `property` at all when `value` is undefined.
   * With `after`, only those that sort after it, in subject order (a cursor: with a `value`, a
   * page costs its own length).
   */
  findSubjects(property: string, value?: string, after?: string): Iterable<string>;
  /** Every subject in the store, in order; with `after`, only those that sort after it. */
  allSubjects(after?: string): Iterable<string>;
}

/**
 * A reader that reads each resource once and then answers from memory: for one synchronous pass
 * of rights checks, where every resource's ancestors (a few folders and the drive) would otherwise
 * be read and decoded again for each of its siblings. Use it for that pass only: it never sees
 * later writes.
 */
export function readingOnce(store: StoreReader): StoreReader {
  const read = new Map<string, PropVals | undefined>();
  return {
    get(subject: string): PropVals | undefined {
      if (read.has(subject)) return read.get(subject);
      const propvals = store.get(subject);
      read.set(subject, propvals);
      return propvals;
    },
    findSubjects: (property, value, after) => store.findSubjects(property, value, after),
    allSubjects: (after) => store.allSubjects(after),
  };
}

/** Writes within one transaction; reads see the transaction's own writes. */
export interface StoreWriter extends StoreReader {
  put(subject: string, propvals: PropVals): void;
  remove(subject: string): void;
}

/** Small JSON values private to one owner (a plugin installation), durable like resources. */
export interface KeyValueStore {
  kvGet(namespace: string, key: string): unknown;
  /** Resolves once the value is durable. */
  kvSet(namespace: string, key: string, value: unknown): Promise<void>;
  kvDelete(namespace: string, key: string): Promise<void>;
  /** Removes every key of a namespace (when its owner is uninstalled). */
  kvClear(namespace: string): Promise<void>;
}

/** A storage engine. */
export interface Store extends StoreReader, KeyValueStore {
  /**
   * Runs `work` in one write transaction and resolves once its writes are durable on disk.
   * `work` must be synchronous. If it throws, none of its writes are applied and the promise rejects.
   */
  transact<T>(work: (txn: StoreWriter) => T): Promise<T>;
  /**
   * Grows with every write transaction, once its writes can be read: two reads made at the same
   * revision saw the same resources. It also grows across restarts (it starts from the clock), so
   * a number seen before a restart never names another state.
   */
  readonly revision: number;
  close(): Promise<void>;
}
