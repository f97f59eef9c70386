// The commit pipeline: from a POSTed JSON body to a durable change. Cheap checks come first,
// outside the write lock, and the gates (before-commit hooks) see the commit while its signature
// is verified on the thread pool; rights, replay and previousCommit are decided inside the
// transaction that writes the resource, the commit and their index entries. A batch
// goes the same way, all or nothing: each commit is checked on the state the earlier ones leave,
// and one transaction writes them all.

import { agentSubject } from './atomic/agent.js';
import { applyCommit, commitSubject, commitToPropVals, parseCommit, verifyCommitSignatureAsync, type Commit } from './atomic/commit.js';
import { datatypeProblem } from './atomic/datatypes.js';
import { AtomicError } from './atomic/errors.js';
import { isObject, type JsonAdValue, type PropVals } from './atomic/json-ad.js';
import { hasRight } from './atomic/rights.js';
import { localProps, props } from './atomic/urls.js';
import { isLocal } from './access.js';
import type { CommitAppliedEvent, HostEvents } from './events.js';
import { Overlay } from './store/overlay.js';
import type { Store, StoreReader, StoreWriter } from './store/store.js';
import { SubjectCache } from './store/subject-cache.js';

/** How far in the future a commit's createdAt may be (clock skew). */
export const MAX_FUTURE_MS = 5_000;
/** How old a commit may be when it arrives; older ones are refused as possible replays. */
export const MAX_AGE_MS = 5 * 60_000;

/** A commit as it would be applied, shown to gates before it is written. */
export interface CommitPreview extends CommitAppliedEvent {
  /** The host's own change (process with `asHost`): rights are not checked for it. */
  readonly asHost: boolean;
}

/** Checks commits before they are written. */
export interface CommitGate {
  /** Whether this gate wants to see the commit; cheap, since it runs for every commit. */
  applies(commit: Commit): boolean;
  /**
   * Throws an AtomicError to refuse the commit. It runs while the signatures are still being
   * verified on the thread pool: `signed` resolves to whether they hold, and anything the gate
   * does that changes state must wait for it to be true. A commit with a bad signature is refused
   * for that, whatever the gate said.
   */
  check(preview: CommitPreview, signed: Promise<boolean>): Promise<void>;
}

// Marks "no resource yet" when comparing what a gate saw with what the transaction finds.
const NO_RESOURCE = '\u0000none';

/** The result of applying a commit. */
export interface AppliedCommit {
  commitId: string;
  commitPropVals: PropVals;
}

/** The most commits one batch may hold: they are checked and written in one go. */
export const MAX_BATCH_COMMITS = 1_000;

/** Throws TOO_MANY_COMMITS for a batch larger than MAX_BATCH_COMMITS. */
export function checkBatchSize(count: number): void {
  if (count > MAX_BATCH_COMMITS) {
    throw new AtomicError('TOO_MANY_COMMITS', `the batch holds ${count} commits; split it into batches of at most ${MAX_BATCH_COMMITS}`);
  }
}

/** How a commit (or a batch) is processed. */
export interface ProcessOptions {
  /** Skips the rights check: only for commits the host signs to set itself up. */
  asHost?: boolean;
  now?: number;
  /**
   * The agent the caller vouches the commits were made for (a plugin serving that agent's
   * request). A commit that records an on-behalf-of agent is refused unless it is this one.
   */
  onBehalfOf?: string;
}

/** Why a batch was refused: the commit at `index` was, so nothing of the batch was written. */
export class CommitBatchError extends AtomicError {
  constructor(
    readonly index: number,
    readonly subject: string,
    readonly refusal: AtomicError,
  ) {
    super(refusal.code, undefined, { cause: refusal });
    this.message = refusal.message;
  }
}

/** A commit on its way into the store. */
interface PendingCommit {
  commit: Commit;
  commitId: string;
  commitPropVals: PropVals;
  /** The resource's lastCommit when the gates saw it (NO_RESOURCE: absent); unset when no gate ran. */
  expectedLast?: JsonAdValue;
}

/** A refusal of the commit at `index`, naming its place in the batch; other errors pass as they are. */
function atIndex(index: number, subject: string, error: unknown): unknown {
  return error instanceof AtomicError && !(error instanceof CommitBatchError) ? new CommitBatchError(index, subject, error) : error;
}

/** Runs `work` for the commit at `index`, naming its place in the batch if it refuses. */
function refusedAt<T>(index: number, subject: string, work: () => T): T {
  try {
    return work();
  } catch (error) {
    throw atIndex(index, subject, error);
  }
}

export class CommitProcessor {
  readonly #gates = new Set<CommitGate>();
  // Every commit looks up its signer's key and its properties' datatypes; both rarely change.
  readonly #publicKeys: SubjectCache<string | undefined>;
  readonly #datatypes: SubjectCache<string | undefined>;
  readonly #appliedAfter: string;

  constructor(
    private readonly store: Store,
    private readonly serverUrl: string,
    private readonly events: HostEvents,
  ) {
    this.#publicKeys = new SubjectCache(events);
    this.#datatypes = new SubjectCache(events);
    this.#appliedAfter = localProps(serverUrl).appliedAfter;
  }

  /** Validates, authorizes and applies a commit given as parsed JSON. Throws AtomicError. */
  async process(body: unknown, options: ProcessOptions = {}): Promise<AppliedCommit> {
    try {
      const [applied] = await this.processBatch([body], options);
      return applied!;
    } catch (error) {
      throw error instanceof CommitBatchError ? error.refusal : error;
    }
  }

  /**
   * Validates, authorizes and applies commits all or nothing: each is checked (and shown to the
   * gates) against the state the earlier ones leave, then all are written in one transaction and
   * their after-commit events fire in order. A refusal throws a CommitBatchError naming the commit.
   */
  async processBatch(bodies: readonly unknown[], options: ProcessOptions = {}): Promise<AppliedCommit[]> {
    checkBatchSize(bodies.length);
    const now = options.now ?? Date.now();
    const checked = bodies.map((body, i) => refusedAt(i, subjectOf(body), () => this.#checkCommit(body, now, options)));
    // Signatures are verified on the thread pool, all at once, while this thread goes on with the
    // datatypes and the gates (a plugin's before_commit hook costs about as much as a
    // verification: in turn they would add up). The first bad signature is the refusal, whatever
    // else went wrong meanwhile.
    const signatures = Promise.all(checked.map(({ commit, publicKey }) => verifyCommitSignatureAsync(commit, publicKey))).then((valid) => {
      const bad = valid.indexOf(false);
      if (bad === -1) return;
      const { commit } = checked[bad]!;
      throw new CommitBatchError(bad, commit.subject, new AtomicError('INVALID_SIGNATURE', `the signature of the commit on ${commit.subject} was not made by ${commit.signer}`));
    });
    const signed = signatures.then(() => true, () => false);
    try {
      const commits = checked.map(({ commit }, i) =>
        refusedAt(i, commit.subject, () => {
          this.checkDatatypes(commit);
          return commit;
        }),
      );
      return await this.#apply(commits, options.asHost ?? false, signatures, signed);
    } catch (error) {
      await signatures;
      throw error;
    }
  }

  /** The checks of one commit that need neither its signature verified nor the write lock. */
  #checkCommit(body: unknown, now: number, options: ProcessOptions): { commit: Commit; publicKey: string } {
    const commit = parseCommit(body, this.serverUrl);
    this.checkSubject(commit.subject);
    if (commit.createdAt > now + MAX_FUTURE_MS) {
      throw new AtomicError('COMMIT_IN_FUTURE', `createdAt is ${commit.createdAt - now} ms ahead of the server's clock (at most ${MAX_FUTURE_MS} ms allowed)`);
    }
    if (commit.createdAt < now - MAX_AGE_MS) {
      throw new AtomicError('COMMIT_TOO_OLD', `createdAt is ${Math.round((now - commit.createdAt) / 1000)} s old (at most ${MAX_AGE_MS / 1000} s allowed); sign it again`);
    }
    // Whom a commit was made for is a claim only a plugin serving that agent's request may make.
    if (commit.onBehalfOf && commit.onBehalfOf.agent !== options.onBehalfOf) {
      throw new AtomicError('FORBIDDEN', `the commit says it was made on behalf of ${commit.onBehalfOf.agent}, which only a plugin serving that agent's request may record`);
    }
    return { commit, publicKey: this.signerPublicKey(commit) };
  }

  private checkSubject(subject: string): void {
    if (!isLocal(this.serverUrl, subject)) {
      throw new AtomicError('FOREIGN_SUBJECT', `${subject} is not under ${this.serverUrl}`);
    }
    const url = new URL(subject);
    if (url.search !== '' || url.hash !== '' || subject.includes('?') || subject.includes('#')) {
      throw new AtomicError('INVALID_SUBJECT', `${subject} has a query string or fragment; subjects must be plain paths`);
    }
    // Clients normalize URLs before they send them (dot segments, spaces, case of the host), so
    // a subject that is not already normal could be stored but never fetched.
    if (url.href !== subject && url.href !== `${subject}/`) {
      throw new AtomicError('INVALID_SUBJECT', `${subject} is not a normalized URL; use ${url.href}`);
    }
    if (url.pathname.startsWith('/commits/') || url.pathname === '/commit') {
      throw new AtomicError('INVALID_SUBJECT', `${subject} is reserved for commits`);
    }
  }

  private signerPublicKey(commit: Commit): string {
    const stored = this.#publicKeys.get(commit.signer, (s) => stringProperty(this.store.get(s), props.publicKey));
    if (stored !== undefined) return stored;
    // A new agent registers itself: the commit creates the signer's own resource, at the subject
    // its key determines, so nobody can claim another path by calling it an agent.
    const offered = commit.set?.[props.publicKey];
    if (!this.store.get(commit.signer) && commit.subject === commit.signer && typeof offered === 'string' && commit.signer === agentSubject(this.serverUrl, offered)) {
      return offered;
    }
    throw new AtomicError('UNKNOWN_SIGNER', `${commit.signer} is not an agent on this server`);
  }

  private checkDatatypes(commit: Commit): void {
    const check = (property: string, value: JsonAdValue): void => {
      const datatype = this.#datatypes.get(property, (s) => stringProperty(this.store.get(s), props.datatype));
      if (datatype === undefined) return;
      const problem = datatypeProblem(datatype, value);
      if (problem) throw new AtomicError('INVALID_VALUE', `${property}: ${problem}, got ${JSON.stringify(value)}`);
    };
    for (const [property, value] of Object.entries(commit.set ?? {})) check(property, value);
    // Pushed items are appended to an array, so together they must form a valid array value.
    for (const [property, items] of Object.entries(commit.push ?? {})) check(property, items);
  }

  /** Shows the commits to the gates, then writes them once `signatures` (which rejects with the refusal) resolves. */
  async #apply(commits: readonly Commit[], asHost: boolean, signatures: Promise<void>, signed: Promise<boolean>): Promise<AppliedCommit[]> {
    const pending: PendingCommit[] = commits.map((commit) => {
      const commitId = commitSubject(this.serverUrl, commit);
      return { commit, commitId, commitPropVals: commitToPropVals(commit) };
    });
    // Gates (plugins' before-commit hooks, the plugin host's own checks) are asynchronous, so
    // they see previews computed outside the write lock, each on the state the earlier commits
    // of the batch leave; the transaction then applies a commit only if its resource is still as
    // the gates saw it.
    const gates = pending.map(({ commit }) => [...this.#gates].filter((gate) => gate.applies(commit)));
    if (gates.some((list) => list.length > 0)) {
      const overlay = new Overlay(this.store);
      for (const [i, entry] of pending.entries()) {
        const { subject } = entry.commit;
        const preview = refusedAt(i, subject, () => this.#preview(overlay, entry, overlay.get(subject), asHost));
        try {
          for (const gate of gates[i]!) await gate.check(preview, signed);
        } catch (error) {
          throw atIndex(i, subject, error);
        }
        entry.expectedLast = preview.before?.[props.lastCommit] ?? NO_RESOURCE;
        overlay.set(subject, preview.after);
      }
    }
    await signatures;
    const events = await this.store.transact((txn) => pending.map((entry, i) => refusedAt(i, entry.commit.subject, () => this.#write(txn, entry, asHost))));
    for (const event of events) this.events.emitCommitApplied(event);
    return events.map(({ commitId, commitPropVals }) => ({ commitId, commitPropVals }));
  }

  /** What the commit does to the resource, given its state `before` in `reader`: checked, not written. */
  #preview(reader: Pick<StoreReader, 'get'>, entry: PendingCommit, before: PropVals | undefined, asHost: boolean): CommitPreview {
    const { commit, commitId, commitPropVals } = entry;
    checkPreviousCommit(commit, before);
    const after = applyCommit(before, commit, commitId);
    if (!asHost) this.authorize(reader, commit, before, after);
    return { commit, commitId, commitPropVals, before, after, asHost };
  }

  /** Checks the commit again inside the transaction, where nothing changes under it, and writes it. */
  #write(txn: StoreWriter, entry: PendingCommit, asHost: boolean): CommitAppliedEvent {
    const { commit, commitId, commitPropVals, expectedLast } = entry;
    if (txn.get(commitId)) throw new AtomicError('COMMIT_REPLAYED', `${commitId} was applied before`);
    const before = txn.get(commit.subject);
    if (expectedLast !== undefined && (before?.[props.lastCommit] ?? NO_RESOURCE) !== expectedLast) {
      throw new AtomicError('PREVIOUS_COMMIT_MISMATCH', `${commit.subject} changed while the commit was being checked; send it again`);
    }
    const event = this.#preview(txn, entry, before, asHost);
    if (event.after) txn.put(commit.subject, event.after);
    else txn.remove(commit.subject);
    // The stored commit also says which commit it followed, so that its history has an exact order.
    const previous = before?.[props.lastCommit];
    const stored = typeof previous === 'string' ? { ...commitPropVals, [this.#appliedAfter]: previous } : commitPropVals;
    txn.put(commitId, stored);
    return { ...event, commitPropVals: stored };
  }

  /**
   * Adds a gate that every commit must pass before it is written: it throws an AtomicError to
   * refuse the commit (before-commit hooks fail closed). Returns a function that removes it.
   */
  addGate(gate: CommitGate): () => void {
    this.#gates.add(gate);
    return () => this.#gates.delete(gate);
  }

  /**
   * Whether the signer, and the agent the commit was made for if any, may make this commit: acting
   * for someone only ever narrows what the signer may do.
   */
  private authorize(reader: Pick<StoreReader, 'get'>, commit: Commit, before: PropVals | undefined, after: PropVals | undefined): void {
    this.authorizeAgent(reader, commit.signer, commit, before, after);
    if (commit.onBehalfOf) this.authorizeAgent(reader, commit.onBehalfOf.agent, commit, before, after);
  }

  private authorizeAgent(reader: Pick<StoreReader, 'get'>, agent: string, commit: Commit, before: PropVals | undefined, after: PropVals | undefined): void {
    const get = (s: string): PropVals | undefined => reader.get(s);
    const deny = (detail: string): never => {
      throw new AtomicError('FORBIDDEN', `${agent} ${detail}`);
    };
    // An agent may always edit its own Agent resource (and create it).
    if (commit.subject === agent) return;
    if (before) {
      if (!hasRight(get, before, agent, 'write')) deny(`may not write ${commit.subject}`);
      const oldParent = before[props.parent];
      const newParent = after?.[props.parent];
      if (after && newParent !== oldParent) {
        // Rights flow down the parent chain, so a resource must stay attached to it: no removing
        // the parent, no cycles, and append rights on where it goes.
        if (typeof newParent !== 'string') {
          throw new AtomicError('INVALID_COMMIT', `${commit.subject} must keep a parent (${props.parent})`);
        }
        if (isAncestorOrSelf(get, commit.subject, newParent)) {
          throw new AtomicError('INVALID_COMMIT', `${newParent} is ${commit.subject} or lies under it, which would make a cycle`);
        }
        if (!get(newParent)) throw new AtomicError('INVALID_COMMIT', `the new parent ${newParent} does not exist`);
        if (!hasRight(get, get(newParent), agent, 'append')) deny(`may not move ${commit.subject} under ${newParent}`);
      }
      return;
    }
    if (!after) deny(`may not destroy ${commit.subject}: it does not exist`);
    const parent = after?.[props.parent];
    if (typeof parent !== 'string') {
      throw new AtomicError('INVALID_COMMIT', `a new resource needs a parent (${props.parent}); ${commit.subject} has none`);
    }
    const parentPropVals = get(parent);
    if (!parentPropVals) throw new AtomicError('INVALID_COMMIT', `the parent ${parent} of ${commit.subject} does not exist`);
    if (!hasRight(get, parentPropVals, agent, 'append')) deny(`may not create resources under ${parent}`);
  }
}

function subjectOf(body: unknown): string {
  const subject = isObject(body) ? body[props.commit.subject] : undefined;
  return typeof subject === 'string' ? subject : '';
}

function stringProperty(propvals: PropVals | undefined, property: string): string | undefined {
  const value = propvals?.[property];
  return typeof value === 'string' ? value : undefined;
}

/** True when `candidate` is `subject` or one of its descendants (`subject` is on its parent chain). */
function isAncestorOrSelf(get: (s: string) => PropVals | undefined, subject: string, candidate: string): boolean {
  const seen = new Set<string>();
  let current: string | undefined = candidate;
  while (current !== undefined && !seen.has(current)) {
    if (current === subject) return true;
    seen.add(current);
    const parent: JsonAdValue | undefined = get(current)?.[props.parent];
    current = typeof parent === 'string' ? parent : undefined;
  }
  return false;
}

function checkPreviousCommit(commit: Commit, before: PropVals | undefined): void {
  if (commit.previousCommit === undefined) return;
  if (!before) {
    throw new AtomicError('PREVIOUS_COMMIT_MISMATCH', `previousCommit is set but ${commit.subject} does not exist`);
  }
  const last = before[props.lastCommit];
  if (last !== commit.previousCommit) {
    throw new AtomicError('PREVIOUS_COMMIT_MISMATCH', `${commit.subject} is at ${String(last)}, the commit expects ${commit.previousCommit}; fetch it again and redo the change`);
  }
}
