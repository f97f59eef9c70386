// The host's event bus: what happened, for the parts that react to it (WebSocket subscribers now,
// after-commit plugin hooks later). Listeners run after the change is durable.

import type { Commit } from './atomic/commit.js';
import type { PropVals } from './atomic/json-ad.js';

/** A commit that was applied and stored. */
export interface CommitAppliedEvent {
  commit: Commit;
  /** The commit's subject: `{server}/commits/{signature}`. */
  commitId: string;
  /** The commit as stored (JSON-AD property-value pairs). */
  commitPropVals: PropVals;
  before: PropVals | undefined;
  /** Undefined when the commit destroyed the resource. */
  after: PropVals | undefined;
}

type Listener = (event: CommitAppliedEvent) => void;

/** Subscribe to applied commits; listeners must not throw (errors are reported and dropped). */
export class HostEvents {
  readonly #listeners = new Set<Listener>();

  onCommitApplied(listener: Listener): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  emitCommitApplied(event: CommitAppliedEvent): void {
    for (const listener of this.#listeners) {
      try {
        listener(event);
      } catch (error) {
        console.error('commit listener failed:', error);
      }
    }
  }
}
