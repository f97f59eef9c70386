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
  close(): Promise<void>;
}
