// `can` answers for the requesters of a process plugin's endpoint, kept while the server's
// resources stay as they were. Each request carries the host's `revision`, which grows with every
// write: an answer is reused only by requests of the revision it was asked in, so a right granted
// or revoked is seen by the first request dispatched after the write.

import type { HttpRequestInput } from './hooks.js';
import type { Right } from './host.js';
import { canAll } from './resources.js';

/** Answers kept by default: about 100 bytes each. */
const DEFAULT_LIMIT = 200_000;

/**
 * Remembers which subjects a request's agent has a right on, for the next requests of the same
 * revision: a page that checks the same matches again (a popular query) costs no host call.
 */
export class RightsCache {
  #revision = -Infinity;
  /** `right agent` → subject → allowed. */
  readonly #answers = new Map<string, Map<string, boolean>>();
  #size = 0;

  constructor(private readonly limit = DEFAULT_LIMIT) {}

  /** The subjects among `subjects` on which the agent of `request` has `right`. */
  async canAll(request: Pick<HttpRequestInput, 'agent' | 'revision'>, right: Right, subjects: readonly string[]): Promise<Set<string>> {
    const { agent, revision } = request;
    // A host without revisions: nothing can be reused.
    if (typeof revision !== 'number') return canAll(agent, right, subjects);
    if (revision > this.#revision) this.#reset(revision);
    const key = `${right} ${agent ?? ''}`;
    const known = revision === this.#revision ? this.#answers.get(key) : undefined;
    const allowed = new Set<string>();
    const unknown: string[] = [];
    for (const subject of subjects) {
      const answer = known?.get(subject);
      if (answer === undefined) unknown.push(subject);
      else if (answer) allowed.add(subject);
    }
    if (unknown.length === 0) return allowed;
    const fresh = await canAll(agent, right, unknown);
    for (const subject of fresh) allowed.add(subject);
    // A request of a newer revision came meanwhile: this answer may predate its write.
    if (revision === this.#revision) this.#keep(key, unknown, fresh);
    return allowed;
  }

  #reset(revision: number): void {
    this.#revision = revision;
    this.#answers.clear();
    this.#size = 0;
  }

  #keep(key: string, subjects: readonly string[], allowed: ReadonlySet<string>): void {
    if (this.#size + subjects.length > this.limit) this.#reset(this.#revision);
    let answers = this.#answers.get(key);
    if (answers === undefined) this.#answers.set(key, (answers = new Map()));
    for (const subject of subjects) {
      if (!answers.has(subject)) this.#size++;
      answers.set(subject, allowed.has(subject));
    }
  }
}
