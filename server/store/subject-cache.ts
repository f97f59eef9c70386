// A bounded cache of values derived from one stored resource each (a property's datatype, an
// agent's public key), dropped when a commit changes that resource.

import type { HostEvents } from '../events.js';

const MAX_ENTRIES = 10_000;

export class SubjectCache<T> {
  readonly #entries = new Map<string, T>();

  /** Clears the entry of every subject a commit changes. */
  constructor(events: HostEvents) {
    events.onCommitApplied((event) => this.#entries.delete(event.commit.subject));
  }

  /** The cached value for `subject`, derived (and kept) on a miss. */
  get(subject: string, derive: (subject: string) => T): T {
    if (this.#entries.has(subject)) return this.#entries.get(subject) as T;
    const value = derive(subject);
    if (this.#entries.size >= MAX_ENTRIES) this.#entries.clear();
    this.#entries.set(subject, value);
    return value;
  }
}
