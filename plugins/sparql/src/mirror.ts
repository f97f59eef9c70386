// The mirror: an Oxigraph store holding every resource of the server (but commits) as RDF, each
// resource in the named graph of its subject. Built when the plugin starts, from pages of the `query` host function
// (with `include_resources`), and kept current from after-commit events. Events that arrive while
// it is being built wait and are applied after it, in order; then a pass over the subjects finds
// any resource a page missed because the store changed under the paging.

import type { CommitEvent } from 'atomic-plugin/sdk/node';
import { namedNode, Store, type Quad } from 'oxigraph';
import { atomic, resourceNQuads, type JsonValue } from './atomic-rdf.js';
import { readResource, resourcePages, type ResourceJson } from './host-calls.js';
import type { PropertyTypes } from './property-types.js';

/** What changed about one subject, for whoever caches views of the mirror. */
export interface MirrorChange {
  readonly subject: string;
  readonly created: boolean;
  readonly destroyed: boolean;
  /** Its parent or read/write lists changed: who may read it (and what is below it) may differ. */
  readonly rights: boolean;
}

type PropVals = Readonly<Record<string, JsonValue>>;

const PAGE_SIZE = 1000;
/** The pause before a failed build is tried again. */
const RETRY_MS = 5000;
/** How often the subjects are listed again after a build that commits overlapped. */
const MAX_RECONCILE_ROUNDS = 5;

/**
 * Commits are not mirrored: they pile up with every change (the mirror would grow without bound
 * toward Oxigraph's ~8 M triple ceiling), and /commits serves the history.
 */
function isCommit(resource: PropVals): boolean {
  const classes = resource[atomic.isA];
  return Array.isArray(classes) && classes.includes(atomic.commitClass);
}

/** The parts of a resource that decide who may read it. */
function rightsKey(propvals: PropVals): string {
  return JSON.stringify([propvals[atomic.parent] ?? null, propvals[atomic.read] ?? null, propvals[atomic.write] ?? null]);
}

/** The mirror of the server's resources. */
export class Mirror {
  readonly store = new Store();
  readonly #types: PropertyTypes;
  /** Each mirrored subject and its rights key. */
  readonly #subjects = new Map<string, string>();
  readonly #listeners: ((change: MirrorChange) => void)[] = [];
  #building = true;
  /** How many events arrived (during the build too). */
  #events = 0;
  #pending: CommitEvent[] = [];
  #ready: Promise<void> | undefined;
  #log: (message: string) => void = () => undefined;
  /** Time spent waiting for the host's pages during the build. */
  #pagesMs = 0;
  #failure: Error | undefined;

  constructor(types: PropertyTypes) {
    this.#types = types;
  }

  /** Starts building the mirror in the background (once); `log` gets what is worth knowing. */
  start(log: (message: string) => void): void {
    this.#log = log;
    this.#ready ??= this.#attempt();
  }

  /** Builds; a failed build (the host busy, say) is logged and tried again after a pause. */
  async #attempt(): Promise<void> {
    const started = performance.now();
    try {
      await this.#build();
      this.#failure = undefined;
      this.#log(`mirror ready: ${this.#subjects.size} resources, ${this.store.size} triples in ${Math.round(performance.now() - started)} ms (${Math.round(this.#pagesMs)} ms of it waiting for pages)`);
    } catch (error) {
      this.#failure = error as Error;
      this.#log(`mirror build failed, trying again in ${RETRY_MS / 1000} s: ${(error as Error).message}`);
      setTimeout(() => (this.#ready = this.#attempt()), RETRY_MS).unref();
    }
  }

  /** Resolves when the mirror is built; rejects when the build failed. */
  async ready(): Promise<void> {
    await this.#ready;
    if (this.#failure) throw this.#failure;
  }

  /** True once the mirror is built. */
  get isReady(): boolean {
    return !this.#building && this.#failure === undefined;
  }

  /** Calls `listener` after each change of a subject. */
  onChange(listener: (change: MirrorChange) => void): void {
    this.#listeners.push(listener);
  }

  /** Every mirrored subject. */
  subjects(): string[] {
    return [...this.#subjects.keys()];
  }

  has(subject: string): boolean {
    return this.#subjects.has(subject);
  }

  /** The triples of one resource (in its graph). */
  quadsOf(subject: string): Quad[] {
    return this.#subjects.has(subject) ? this.store.match(null, null, null, namedNode(subject)) : [];
  }

  /** Subjects whose `property` points at `target` (the children of a resource, by parent). */
  subjectsPointingAt(property: string, target: string): string[] {
    return this.store.match(null, namedNode(property), namedNode(target), null).map((q) => q.subject.value);
  }

  /** Applies an after-commit event (or keeps it for after the build). */
  async applyEvent(event: CommitEvent): Promise<void> {
    this.#events++;
    if (this.#building) {
      this.#pending.push(event);
      return;
    }
    await this.#applyEvent(event);
  }

  /** Mirrors the state of `subject` the plugin's own commit left (those commits send no event back). */
  async replace(subject: string, propvals: PropVals | undefined): Promise<void> {
    await this.#put(subject, propvals);
  }

  async #applyEvent(event: CommitEvent): Promise<void> {
    // A property whose definition changed may have a new datatype.
    this.#types.forget(event.subject);
    await this.#put(event.subject, (event.after as PropVals | null) ?? undefined);
  }


  /** Replaces the graph of `subject` with the triples of `propvals` (none: the resource is gone). */
  async #put(subject: string, propvals: PropVals | undefined): Promise<void> {
    if (propvals) await this.#types.load(Object.keys(propvals).filter((p) => p !== '@id'));
    for (const old of this.store.match(null, null, null, namedNode(subject))) this.store.delete(old);
    const before = this.#subjects.get(subject);
    this.#subjects.delete(subject);
    if (propvals && this.#load(resourceNQuads(subject, propvals, this.#types.datatypeOf), subject)) this.#subjects.set(subject, rightsKey(propvals));
    if (this.#building) return;
    const after = this.#subjects.get(subject);
    if (before === undefined && after === undefined) return;
    const change: MirrorChange = { subject, created: before === undefined, destroyed: after === undefined, rights: before !== after };
    for (const listener of this.#listeners) listener(change);
  }

  /** Loads N-Quads; false (and a log line) when Oxigraph refuses them, e.g. for an IRI it finds invalid. */
  #load(nquads: string, what: string): boolean {
    try {
      this.store.load(nquads, { format: 'application/n-quads' });
      return true;
    } catch (error) {
      this.#log(`cannot mirror ${what}: ${(error as Error).message}`);
      return false;
    }
  }

  /** Mirrors a page of new resources with one load (bulk loading is what makes the build fast). */
  #putPage(resources: readonly ResourceJson[]): void {
    const parts = resources.map(({ '@id': subject, ...propvals }) => ({ subject, propvals, nquads: resourceNQuads(subject, propvals, this.#types.datatypeOf) }));
    const whole = parts.length > 0 && this.#load(parts.map((p) => p.nquads).join(''), `a page of ${parts.length} resources (trying them one by one)`);
    for (const { subject, propvals, nquads } of parts) if (whole || this.#load(nquads, subject)) this.#subjects.set(subject, rightsKey(propvals));
  }

  async #build(): Promise<void> {
    let asked = performance.now();
    for await (const page of resourcePages(PAGE_SIZE)) {
      this.#pagesMs += performance.now() - asked;
      const resources = page.filter((r) => !isCommit(r) && !this.#subjects.has(r['@id']));
      await this.#types.load(resources.flatMap((r) => Object.keys(r)).filter((p) => p !== '@id'));
      this.#putPage(resources);
      asked = performance.now();
    }
    this.#building = false;
    // While events keep arriving, the subject list may have shifted under the paging: list again.
    let seen = 0;
    for (let round = 0; this.#events !== seen && round < MAX_RECONCILE_ROUNDS; round++) {
      const pending = this.#pending;
      this.#pending = [];
      for (const event of pending) await this.#applyEvent(event);
      seen = this.#events;
      await this.#reconcile();
    }
  }

  /** Mirrors every listed subject the paging missed (the list shifted while it was read). */
  async #reconcile(): Promise<void> {
    for await (const page of resourcePages(PAGE_SIZE)) {
      for (const resource of page) {
        const subject = resource['@id'];
        if (this.#subjects.has(subject) || isCommit(resource)) continue;
        // Read again: an event may have changed it since the page was read.
        const propvals = await readResource(subject);
        if (propvals && !this.#subjects.has(subject)) await this.#put(subject, propvals);
      }
    }
  }
}
