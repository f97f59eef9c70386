// What each requester may see of the mirror. The host decides who may read what (`can`, the same
// rules as its own checks: rights inherited down the parent chain, agents reading themselves);
// this module asks it once per agent and keeps the answer: an agent who may read everything
// queries the mirror itself, anyone else a copy of the graphs they may read. Oxigraph evaluates a query over a listed set of graphs one graph at a time, which
// costs ~100 ms per pattern at 20,000 graphs, so copies beat dataset lists by far.
//
// Commits keep the views current: a change of a resource's parent or read/write lists, or the
// birth or death of a resource others hang under, makes every view stale (rebuilt when next used);
// any other change only marks that subject to be checked again.

import { canAll } from 'atomic-plugin/sdk/node';
import { namedNode, Store } from 'oxigraph';
import { atomic } from './atomic-rdf.js';
import type { Mirror, MirrorChange } from './mirror.js';
import { freeStore } from './free-store.js';

interface View {
  /** The copy of the readable graphs; null when the agent may read the whole mirror. */
  store: Store | null;
  /** Triples in `store`. */
  triples: number;
  stale: boolean;
  dirty: Set<string>;
  lastUsed: number;
}

/** Bounds on the copies kept. */
export interface ViewLimits {
  /** Most views kept (least recently used go first). */
  readonly maxViews: number;
  /** Most triples in copies, as a multiple of the mirror's size. */
  readonly maxCopyFactor: number;
}

export class ReadableViews {
  readonly #mirror: Mirror;
  readonly #limits: ViewLimits;
  readonly #views = new Map<string, View>();
  readonly #log: (message: string) => void;

  /** `log` hears what each view cost to build. */
  constructor(mirror: Mirror, log: (message: string) => void, limits: ViewLimits = { maxViews: 16, maxCopyFactor: 2 }) {
    this.#mirror = mirror;
    this.#log = log;
    this.#limits = limits;
    mirror.onChange((change) => this.#changed(change));
  }

  /**
   * The store holding what `agent` (null: anonymous) may read, each resource in its own graph.
   * Only for the current call: it may be dropped by later calls.
   */
  async storeFor(agent: string | null): Promise<Store> {
    const key = agent ?? '';
    let view = this.#views.get(key);
    if (!view || view.stale) {
      view = await this.#build(agent, view);
      this.#views.set(key, view);
      this.#evict(key);
    } else if (view.dirty.size > 0) {
      await this.#recheck(agent, view);
    }
    view.lastUsed = performance.now();
    return view.store ?? this.#mirror.store;
  }

  async #build(agent: string | null, previous: View | undefined): Promise<View> {
    if (previous?.store) freeStore(previous.store);
    const started = performance.now();
    // Fresh before the await: changes that arrive meanwhile are rechecked on the next use.
    const view: View = { store: null, triples: 0, stale: false, dirty: new Set(), lastUsed: started };
    const subjects = this.#mirror.subjects();
    const allowed = await canAll(agent, 'read', subjects);
    const checked = performance.now();
    if (!subjects.every((s) => allowed.has(s))) this.#copy(view, allowed);
    const copy = view.store ? `a copy of ${view.triples} triples in ${Math.round(performance.now() - checked)} ms` : 'the whole mirror';
    this.#log(`view for ${agent ?? 'anonymous'}: ${allowed.size} of ${subjects.length} resources readable (asked in ${Math.round(checked - started)} ms), ${copy}`);
    return view;
  }

  /**
   * Makes `view` a copy of the graphs of `subjects`: the mirror dumped as N-Quads, the lines of
   * those graphs kept, loaded in one go (Oxigraph takes text in bulk far faster than quads one by
   * one). Every mirror line ends with its graph, `<subject> .`.
   */
  #copy(view: View, subjects: ReadonlySet<string>): void {
    const kept: string[] = [];
    for (const line of this.#mirror.store.dump({ format: 'application/n-quads' }).split('\n')) {
      const start = line.lastIndexOf(' <');
      if (start > 0 && subjects.has(line.slice(start + 2, line.lastIndexOf('>')))) kept.push(line);
    }
    const store = new Store();
    store.load(kept.join('\n'), { format: 'application/n-quads' });
    if (view.store) freeStore(view.store);
    view.store = store;
    view.triples = kept.length;
  }

  async #recheck(agent: string | null, view: View): Promise<void> {
    const dirty = [...view.dirty].filter((s) => this.#mirror.has(s));
    const gone = [...view.dirty].filter((s) => !this.#mirror.has(s));
    view.dirty.clear();
    const allowed = await canAll(agent, 'read', dirty);
    if (view.store === null) {
      // Everything was readable; it stays so unless a changed resource is not.
      if (dirty.every((s) => allowed.has(s))) return;
      const denied = new Set(dirty.filter((s) => !allowed.has(s)));
      this.#copy(view, new Set(this.#mirror.subjects().filter((s) => !denied.has(s))));
      return;
    }
    for (const subject of [...dirty, ...gone]) {
      const graph = namedNode(subject);
      for (const quad of view.store.match(null, null, null, graph)) {
        view.store.delete(quad);
        view.triples--;
      }
      if (!allowed.has(subject)) continue;
      for (const quad of this.#mirror.quadsOf(subject)) {
        view.store.add(quad);
        view.triples++;
      }
    }
  }

  #changed(change: MirrorChange): void {
    if (this.#views.size === 0) return;
    const { subject } = change;
    const hasChildren = (): boolean => this.#mirror.subjectsPointingAt(atomic.parent, subject).length > 0;
    if ((change.rights && !change.created && !change.destroyed) || ((change.created || change.destroyed) && hasChildren())) {
      for (const view of this.#views.values()) view.stale = true;
      return;
    }
    for (const view of this.#views.values()) view.dirty.add(subject);
  }

  /** Drops the least recently used views past the limits, never `keep`. */
  #evict(keep: string): void {
    const maxTriples = Math.max(this.#mirror.store.size * this.#limits.maxCopyFactor, 100_000);
    const copied = (): number => [...this.#views.values()].reduce((sum, v) => sum + v.triples, 0);
    while (this.#views.size > this.#limits.maxViews || copied() > maxTriples) {
      const oldest = [...this.#views.entries()].filter(([k]) => k !== keep).sort((a, b) => a[1].lastUsed - b[1].lastUsed)[0];
      if (!oldest) return;
      if (oldest[1].store) freeStore(oldest[1].store);
      this.#views.delete(oldest[0]);
    }
  }

  /** Frees every copy. */
  close(): void {
    for (const view of this.#views.values()) if (view.store) freeStore(view.store);
    this.#views.clear();
  }
}
