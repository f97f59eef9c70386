// Reading the server's resources from a process plugin, beyond single host calls: every resource
// a page at a time (`query`'s cursor with `include_resources`), a resource that may be gone, `can`
// over any number of subjects, and ResourceSync, which keeps a plugin's own copy of the resources
// (a SPARQL mirror, a search index) built at start and current from after-commit events.

import type { CommitEvent } from './hooks.js';
import { can, getResource, HostError, query, type QueryResult, type Resource, type Right } from './host.js';
import type { Json } from './json-rpc.js';
import { pluginContext } from './plugin.js';

/** The most subjects one `can` host call takes. */
const CAN_BATCH = 10_000;
const COMMIT_CLASS = 'https://atomicdata.dev/classes/Commit';
const IS_A = 'https://atomicdata.dev/properties/isA';

/** The subjects among `subjects` (any number) on which `agent` (null: anonymous) has `right`. */
export async function canAll(agent: string | null, right: Right, subjects: readonly string[]): Promise<Set<string>> {
  const allowed = new Set<string>();
  for (let i = 0; i < subjects.length; i += CAN_BATCH) {
    for (const subject of await can(agent, right, subjects.slice(i, i + CAN_BATCH))) allowed.add(subject);
  }
  return allowed;
}

/**
 * The pages of `query`'s cursor over every resource the plugin's agent may read, in subject
 * order. The next page is asked for before this one is handed over, so the host reads it while
 * the plugin works on this one.
 */
async function* cursorPages(pageSize: number, includeResources: boolean): AsyncGenerator<QueryResult> {
  const page = (after: string): Promise<QueryResult> => query({ after, page_size: pageSize, include_resources: includeResources });
  let pending: Promise<QueryResult> | undefined = page('');
  try {
    while (pending !== undefined) {
      const answer: QueryResult = await pending;
      pending = answer.next ? page(answer.next) : undefined;
      yield answer;
    }
  } finally {
    // A reader that stops early leaves a page asked for: nobody waits for it, so its failure is moot.
    pending?.catch(() => undefined);
  }
}

/** Every resource the plugin's agent may read (every local one, with full-drive-access), a page at a time in subject order. */
export async function* resourcePages(pageSize: number): AsyncGenerator<Resource[]> {
  for await (const answer of cursorPages(pageSize, true)) yield answer.resources ?? [];
}

/** The subjects of those resources, a page at a time: a light listing when most are known already. */
export async function* subjectPages(pageSize: number): AsyncGenerator<string[]> {
  for await (const answer of cursorPages(pageSize, false)) yield answer.members;
}

/** A resource as the server has it now (with `@id`), or undefined when it does not exist. */
export async function readResource(subject: string): Promise<Record<string, Json> | undefined> {
  try {
    return await getResource(subject);
  } catch (error) {
    if (error instanceof HostError && error.code === 'NOT_FOUND') return undefined;
    throw error;
  }
}

/** True for a Commit resource: copies usually leave them out (they pile up with every change). */
export function isCommit(resource: Readonly<Record<string, Json>>): boolean {
  const classes = resource[IS_A];
  return Array.isArray(classes) && classes.includes(COMMIT_CLASS);
}

/** What ResourceSync fills and keeps current. */
export interface SyncTarget {
  /** Takes a page of resources it does not hold yet (in bulk: that is what makes a build fast). */
  addPage(resources: readonly Resource[]): void | Promise<void>;
  /** Replaces what it holds of `subject` with `propvals` (undefined: the resource is gone). */
  put(subject: string, propvals: Readonly<Record<string, Json>> | undefined): void | Promise<void>;
  has(subject: string): boolean;
  /** What it holds, for the log line when the build is done ("100 resources, 900 triples"). */
  describe(): string;
}

/** Options of ResourceSync. */
export interface SyncOptions {
  /** Resources per page (at most 1,000). */
  pageSize?: number;
  /** Also copy Commit resources (default false). */
  includeCommits?: boolean;
  /** Hears what is worth knowing: the build's cost, failures. */
  log?: (message: string) => void;
  /** The pause before a failed build is tried again (default 5 s). */
  retryMs?: number;
}

/** Where a ResourceSync is. */
export type SyncStatus =
  | { state: 'building' }
  /** `catchingUp`: still listing the subjects again for what the paging missed (commits overlapped the build). */
  | { state: 'ready'; buildMs: number; catchingUp: boolean }
  | { state: 'failed'; error: string };

/** How often the subjects are listed again after a build that commits overlapped. */
const MAX_RECONCILE_ROUNDS = 5;

/**
 * Builds a target from pages of `query` and keeps it current from after-commit events. Events
 * that arrive while it is being built wait and are applied after it, in order; then a pass over
 * the subjects finds any resource a page missed because the store changed under the paging.
 * A failed build (the host busy, say) is logged and tried again after a pause.
 */
export class ResourceSync {
  readonly #target: SyncTarget;
  readonly #pageSize: number;
  readonly #includeCommits: boolean;
  readonly #log: (message: string) => void;
  readonly #retryMs: number;
  #building = true;
  /** How many events arrived (during the build too). */
  #events = 0;
  #pending: CommitEvent[] = [];
  #ready: Promise<void> | undefined;
  #failure: Error | undefined;
  #buildMs: number | undefined;
  #catchingUp = false;

  constructor(target: SyncTarget, options: SyncOptions = {}) {
    this.#target = target;
    this.#pageSize = options.pageSize ?? 1000;
    this.#includeCommits = options.includeCommits ?? false;
    this.#log = options.log ?? (() => undefined);
    this.#retryMs = options.retryMs ?? 5000;
  }

  /** Starts building in the background (once). */
  start(): void {
    this.#ready ??= this.#attempt();
  }

  /** Resolves when the target is built; rejects when the build failed. */
  async ready(): Promise<void> {
    await this.#ready;
    if (this.#failure) throw this.#failure;
  }

  /**
   * Waits at most `timeoutMs` for the build: true once built, false when it is still going on;
   * throws the failure of a build that failed.
   */
  async readyWithin(timeoutMs: number): Promise<boolean> {
    if (this.isReady) return true;
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<false>((resolve) => (timer = setTimeout(() => resolve(false), timeoutMs)));
    try {
      return await Promise.race([this.ready().then(() => true), timeout]);
    } finally {
      clearTimeout(timer);
    }
  }

  /** True once the target is built. */
  get isReady(): boolean {
    return !this.#building && this.#failure === undefined;
  }

  /** Where the build is, for a status page: how long its pass over the pages took, why it failed if it did. */
  status(): SyncStatus {
    if (this.#failure) return { state: 'failed', error: this.#failure.message };
    return this.isReady ? { state: 'ready', buildMs: Math.round(this.#buildMs ?? 0), catchingUp: this.#catchingUp } : { state: 'building' };
  }

  /** True until the first pass over the pages is done (changes then are part of the build). */
  get building(): boolean {
    return this.#building;
  }

  /** Applies an after-commit event (or keeps it for after the build). */
  async apply(event: CommitEvent): Promise<void> {
    this.#events++;
    if (this.#building) {
      this.#pending.push(event);
      return;
    }
    await this.#target.put(event.subject, event.after ?? undefined);
  }

  async #attempt(): Promise<void> {
    const started = performance.now();
    try {
      const pagesMs = await this.#build(started);
      this.#failure = undefined;
      this.#log(`ready: ${this.#target.describe()} in ${Math.round(performance.now() - started)} ms (${Math.round(pagesMs)} ms of it waiting for pages)`);
    } catch (error) {
      this.#failure = error as Error;
      this.#log(`build failed, trying again in ${this.#retryMs / 1000} s: ${(error as Error).message}`);
      setTimeout(() => (this.#ready = this.#attempt()), this.#retryMs).unref();
    }
  }

  #wanted(resource: Resource): boolean {
    return (this.#includeCommits || !isCommit(resource)) && !this.#target.has(resource['@id']);
  }

  /** Resolves with the time spent waiting for the host's pages. */
  async #build(started: number): Promise<number> {
    let pagesMs = 0;
    let asked = performance.now();
    for await (const page of resourcePages(this.#pageSize)) {
      pagesMs += performance.now() - asked;
      await this.#target.addPage(page.filter((r) => this.#wanted(r)));
      asked = performance.now();
    }
    this.#building = false;
    this.#buildMs = performance.now() - started;
    // While events keep arriving, the subject list may have shifted under the paging: list again.
    let seen = 0;
    this.#catchingUp = true;
    try {
      for (let round = 0; this.#events !== seen && round < MAX_RECONCILE_ROUNDS; round++) {
        const pending = this.#pending;
        this.#pending = [];
        for (const event of pending) await this.#target.put(event.subject, event.after ?? undefined);
        seen = this.#events;
        await this.#reconcile();
      }
    } finally {
      this.#catchingUp = false;
    }
    return pagesMs;
  }

  /**
   * Copies every listed subject the paging missed (the list shifted while it was read). Lists
   * subjects only, and reads the few it does not hold; Commits (`{server}/commits/...`) are
   * passed over by their subject unless they are wanted.
   */
  async #reconcile(): Promise<void> {
    const commits = `${pluginContext()?.serverUrl?.replace(/\/+$/, '') ?? ''}/commits/`;
    for await (const subjects of subjectPages(this.#pageSize)) {
      for (const subject of subjects) {
        if (this.#target.has(subject) || (!this.#includeCommits && subject.startsWith(commits))) continue;
        const propvals = await readResource(subject);
        if (propvals && !this.#target.has(subject) && (this.#includeCommits || !isCommit(propvals))) await this.#target.put(subject, propvals);
      }
    }
  }
}
