// Reads through pending changes: what the store would hold once some not yet written changes are
// applied. A batch of commits is checked against it, each seeing what the earlier ones leave.

import type { PropVals } from '../atomic/json-ad.js';
import type { StoreReader } from './store.js';

/** Pending puts and removals over a reader; `get` answers as if they were written. */
export class Overlay {
  readonly #changes = new Map<string, PropVals | undefined>();

  constructor(private readonly base: Pick<StoreReader, 'get'>) {}

  get(subject: string): PropVals | undefined {
    return this.#changes.has(subject) ? this.#changes.get(subject) : this.base.get(subject);
  }

  /** Records the resource's new state; `undefined` removes it. */
  set(subject: string, propvals: PropVals | undefined): void {
    this.#changes.set(subject, propvals);
  }
}
