// The mirror: an Oxigraph store holding every resource of the server (but commits) as RDF, each
// resource in the named graph of its subject. Built when the plugin starts from pages of the
// `query` host function and kept current from after-commit events, by the SDK's ResourceSync
// (which also holds back events that arrive during the build and finds what the paging missed).

import { ResourceSync, type CommitEvent, type Resource } from 'atomic-plugin/sdk/node';
import { namedNode, Store, type Quad } from 'oxigraph';
import { atomic, resourceNQuads, type JsonValue } from './atomic-rdf.js';
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
  readonly #sync: ResourceSync;
  #log: (message: string) => void = () => undefined;

  constructor(types: PropertyTypes) {
    this.#types = types;
    this.#sync = new ResourceSync(
      {
        addPage: (resources) => this.#putPage(resources),
        // A property whose definition changed may have a new datatype.
        put: (subject, propvals) => {
          this.#types.forget(subject);
          return this.#put(subject, propvals);
        },
        has: (subject) => this.#subjects.has(subject),
        describe: () => `${this.#subjects.size} resources, ${this.store.size} triples`,
      },
      { pageSize: 1000, log: (message) => this.#log(`mirror ${message}`) },
    );
  }

  /** Starts building the mirror in the background (once); `log` gets what is worth knowing. */
  start(log: (message: string) => void): void {
    this.#log = log;
    this.#sync.start();
  }

  /** Waits at most `timeoutMs`: true once built, false while building; throws when the build failed. */
  readyWithin(timeoutMs: number): Promise<boolean> {
    return this.#sync.readyWithin(timeoutMs);
  }

  /** True once the mirror is built. */
  get isReady(): boolean {
    return this.#sync.isReady;
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
  applyEvent(event: CommitEvent): Promise<void> {
    return this.#sync.apply(event);
  }

  /** Mirrors the state of `subject` the plugin's own commit left (those commits send no event back). */
  async replace(subject: string, propvals: PropVals | undefined): Promise<void> {
    await this.#put(subject, propvals);
  }

  /** Replaces the graph of `subject` with the triples of `propvals` (none: the resource is gone). */
  async #put(subject: string, propvals: PropVals | undefined): Promise<void> {
    if (propvals) await this.#types.load(Object.keys(propvals).filter((p) => p !== '@id'));
    for (const old of this.store.match(null, null, null, namedNode(subject))) this.store.delete(old);
    const before = this.#subjects.get(subject);
    this.#subjects.delete(subject);
    if (propvals && this.#load(resourceNQuads(subject, propvals, this.#types.datatypeOf), subject)) this.#subjects.set(subject, rightsKey(propvals));
    if (this.#sync.building) return;
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
  async #putPage(resources: readonly Resource[]): Promise<void> {
    await this.#types.load(resources.flatMap((r) => Object.keys(r)).filter((p) => p !== '@id'));
    const parts = resources.map(({ '@id': subject, ...propvals }) => ({ subject, propvals, nquads: resourceNQuads(subject, propvals, this.#types.datatypeOf) }));
    const whole = parts.length > 0 && this.#load(parts.map((p) => p.nquads).join(''), `a page of ${parts.length} resources (trying them one by one)`);
    for (const { subject, propvals, nquads } of parts) if (whole || this.#load(nquads, subject)) this.#subjects.set(subject, rightsKey(propvals));
  }
}
