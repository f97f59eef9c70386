// The search index: MiniSearch over the documents of the server's resources (documents.ts), fed by
// the SDK's ResourceSync (built from the store at start, then after-commit events), and the parent
// of every resource, for "anything below this one" filters. Answers a query with every match,
// best first (BM25 with the name weighing more), before any rights check.

import type { Json, Resource, SyncTarget } from 'atomic-plugin/sdk/node';
import MiniSearch, { type SearchResult } from 'minisearch';
import { normalize, parentOf, SEARCHED_FIELDS, toDocument, type SearchDocument } from './documents.js';

/** How a query matches. */
export interface MatchOptions {
  /** Terms also match longer words they begin (`sear` finds `search`). */
  prefix: boolean;
  /** Terms also match words this far off: a fraction of the term's length (< 1) or edits (≥ 1); false: exact. */
  fuzzy: false | number;
  /** Only resources with this class (`isA`). */
  class?: string;
  /** Only resources below this one (children, their children, ...). */
  parent?: string;
}

/** A match before the rights check. */
export interface Hit {
  subject: string;
  score: number;
  /** The words of the document that matched (lowercased), for the snippet. */
  terms: string[];
}

/** What a hit shows of its document. */
export type Shown = Pick<SearchDocument, 'name' | 'description' | 'classes'>;

const NOTHING_SHOWN: Shown = { name: '', description: '', classes: [] };
const shown = ({ name, description, classes }: SearchDocument): Shown => ({ name, description, classes });

/** Deepest parent chain walked for a `parent` filter (a loop in the data must not hang a query). */
const MAX_DEPTH = 64;
/** How much more a word in the name counts than one in the description or elsewhere. */
const NAME_BOOST = 3;

/** The index of the server's resources. */
export class SearchIndex implements SyncTarget {
  // Nothing stored in MiniSearch: it would copy the stored fields into every match of a query,
  // which cost a third of a query; a page needs them for its few hits only.
  readonly #index = new MiniSearch<SearchDocument>({ fields: SEARCHED_FIELDS, processTerm: normalize });
  /** Every resource held (with text or not) and its parent. */
  readonly #parents = new Map<string, string | undefined>();
  /** What a hit shows, and the class filter's data, of every document. */
  readonly #shown = new Map<string, Shown>();

  addPage(resources: readonly Resource[]): void {
    const documents: SearchDocument[] = [];
    for (const { '@id': subject, ...propvals } of resources) {
      const doc = toDocument(subject, propvals);
      this.#parents.set(subject, parentOf(propvals));
      if (doc) {
        documents.push(doc);
        this.#shown.set(subject, shown(doc));
      }
    }
    this.#index.addAll(documents);
  }

  put(subject: string, propvals: Readonly<Record<string, Json>> | undefined): void {
    if (this.#index.has(subject)) this.#index.discard(subject);
    this.#parents.delete(subject);
    this.#shown.delete(subject);
    if (propvals) {
      const doc = toDocument(subject, propvals);
      this.#parents.set(subject, parentOf(propvals));
      if (doc) {
        this.#index.add(doc);
        this.#shown.set(subject, shown(doc));
      }
    }
  }

  has(subject: string): boolean {
    return this.#parents.has(subject);
  }

  describe(): string {
    return `${this.#parents.size} resources, ${this.#index.documentCount} with text, ${this.#index.termCount} distinct words`;
  }

  /** Resources held, and how many of them have text. */
  get size(): { resources: number; documents: number } {
    return { resources: this.#parents.size, documents: this.#index.documentCount };
  }

  /**
   * Every match of `query`, best first. What a match shows is looked up apart ({@link shown}), for
   * the few on the page: a lookup in a map this size costs about as much as MiniSearch's scoring
   * of the match (memory, not arithmetic), and a common word has hundreds of matches.
   */
  search(query: string, options: MatchOptions): Hit[] {
    const wanted = options.class;
    const below = options.parent;
    const filter =
      wanted === undefined && below === undefined
        ? undefined
        : (result: SearchResult): boolean =>
            (wanted === undefined || (this.#shown.get(result.id as string)?.classes.includes(wanted) ?? false)) && (below === undefined || this.#isBelow(result.id as string, below));
    const results = this.#index.search(query, {
      prefix: options.prefix,
      fuzzy: options.fuzzy,
      combineWith: 'AND',
      boost: { name: NAME_BOOST },
      ...(filter ? { filter } : {}),
    });
    return results.map((r) => ({ subject: r.id as string, score: r.score, terms: r.terms }));
  }

  /** What the match `subject` shows: its name, description and classes. */
  shown(subject: string): Shown {
    return this.#shown.get(subject) ?? NOTHING_SHOWN;
  }

  /** True when `ancestor` is on the parent chain of `subject`. */
  #isBelow(subject: string, ancestor: string): boolean {
    let current = this.#parents.get(subject);
    for (let depth = 0; current !== undefined && depth < MAX_DEPTH; depth++) {
      if (current === ancestor) return true;
      current = this.#parents.get(current);
    }
    return false;
  }
}
