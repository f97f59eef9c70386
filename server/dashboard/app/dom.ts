// Small DOM helpers for the dashboard's views: find an element the page must have, and build
// elements with their attributes and children in one expression (text is always set as text).

/** The element matching `selector` in `root`; throws when the page lacks it (a broken build). */
export function find<T extends Element = HTMLElement>(selector: string, root: ParentNode = document): T {
  const found = root.querySelector<T>(selector);
  if (!found) throw new Error(`the page has no ${selector}`);
  return found;
}

/** A child: an element, text, or nothing (skipped). */
export type Child = Node | string | number | null | undefined | false;

/**
 * An element with attributes (`class`, `aria-*`, `data-*`, anything else; `true` sets an empty
 * attribute, `false`/undefined leaves it out) and children.
 *
 * @example h('a', { href: url, class: 'log' }, 'Log')
 */
export function h<K extends keyof HTMLElementTagNameMap>(tag: K, attributes: Record<string, string | number | boolean | undefined> = {}, ...children: Child[]): HTMLElementTagNameMap[K] {
  const element = document.createElement(tag);
  for (const [name, value] of Object.entries(attributes)) {
    if (value === undefined || value === false) continue;
    element.setAttribute(name, value === true ? '' : String(value));
  }
  for (const child of children) {
    if (child === null || child === undefined || child === false) continue;
    element.append(child instanceof Node ? child : String(child));
  }
  return element;
}

/** The message of anything thrown. */
export { errorMessage as messageOf } from 'atomic-plugin/sdk/browser';
