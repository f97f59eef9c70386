// The todo list's rules, apart from the page: which todos a filter shows, the counter's words,
// the order, and the filter a URL hash names (TodoMVC: `#/`, `#/active`, `#/completed`).

/** A todo as the app holds it. */
export interface Todo {
  /** The resource's subject. */
  readonly subject: string;
  /** The last segment of the subject: what the CRUD API calls it. */
  readonly id: string;
  readonly title: string;
  readonly completed: boolean;
  /** When it was made, ms since 1970. */
  readonly created: number;
}

/** The three views of TodoMVC. */
export type Filter = 'all' | 'active' | 'completed';

/** The filter a location hash asks for; anything unknown shows all. */
export function filterFromHash(hash: string): Filter {
  if (hash === '#/active') return 'active';
  if (hash === '#/completed') return 'completed';
  return 'all';
}

/** The hash of a filter's link. */
export function hashOf(filter: Filter): string {
  return filter === 'all' ? '#/' : `#/${filter}`;
}

/** The todos a filter shows. */
export function visible(todos: readonly Todo[], filter: Filter): Todo[] {
  if (filter === 'all') return [...todos];
  return todos.filter((t) => t.completed === (filter === 'completed'));
}

/** How many are not completed. */
export function remaining(todos: readonly Todo[]): number {
  return todos.filter((t) => !t.completed).length;
}

/** The counter's words after the number: "item left" for one, "items left" otherwise. */
export function itemsLeftWords(count: number): string {
  return count === 1 ? 'item left' : 'items left';
}

/** Oldest first, as they were added; ties by id, so the order is the same on every load. */
export function inOrder(todos: readonly Todo[]): Todo[] {
  return [...todos].sort((a, b) => a.created - b.created || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
}

/** A title as it is saved: without the spaces around it. An empty result means none. */
export function cleanTitle(text: string): string {
  return text.trim();
}
