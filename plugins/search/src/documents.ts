// What the index holds of a resource: its name, description and other text (the words searched),
// and its classes (a filter; the index keeps parents itself). Links (URLs) and non-text values are
// not words anyone searches for, so they stay out; so does a resource with no text at all (nothing
// could find it).

import type { Json } from 'atomic-plugin/sdk/node';

const NAME = 'https://atomicdata.dev/properties/name';
const DESCRIPTION = 'https://atomicdata.dev/properties/description';
const IS_A = 'https://atomicdata.dev/properties/isA';
const PARENT = 'https://atomicdata.dev/properties/parent';

/** The fields whose words are searched. */
export const SEARCHED_FIELDS = ['name', 'description', 'text'];

/** The most characters of other text kept per resource (a huge markdown body only costs memory). */
const MAX_TEXT = 10_000;

/** One resource as the index holds it. */
export interface SearchDocument {
  /** The subject. */
  id: string;
  name: string;
  description: string;
  /** Every other string value (shortname included), joined. */
  text: string;
  classes: string[];
}

/** A word as it is indexed and searched: lowercased and without accents, so `Café` is found by `cafe`. */
export function normalize(term: string): string {
  return term.normalize('NFD').replace(/\p{M}/gu, '').toLowerCase();
}

const isLink = (value: string): boolean => /^[a-z][a-z0-9+.-]*:\/\/\S*$/i.test(value);

/** The words of a value: its strings that are not links, also inside arrays. */
function words(value: Json | undefined, into: string[]): void {
  if (typeof value === 'string') {
    if (!isLink(value)) into.push(value);
  } else if (Array.isArray(value)) {
    for (const member of value) words(member, into);
  }
}

/** The parent of a resource, if it names one. */
export function parentOf(propvals: Readonly<Record<string, Json>>): string | undefined {
  const parent = propvals[PARENT];
  return typeof parent === 'string' ? parent : undefined;
}

/** The document of a resource, or undefined when it has no text to find it by. */
export function toDocument(subject: string, propvals: Readonly<Record<string, Json>>): SearchDocument | undefined {
  const name = propvals[NAME];
  const description = propvals[DESCRIPTION];
  const other: string[] = [];
  for (const [property, value] of Object.entries(propvals)) {
    if (property === NAME || property === DESCRIPTION || property === '@id') continue;
    words(value, other);
  }
  const doc: SearchDocument = {
    id: subject,
    name: typeof name === 'string' ? name : '',
    description: typeof description === 'string' ? description : '',
    text: other.join(' ').slice(0, MAX_TEXT),
    classes: Array.isArray(propvals[IS_A]) ? (propvals[IS_A] as Json[]).filter((c): c is string => typeof c === 'string') : [],
  };
  return doc.name === '' && doc.description === '' && doc.text.trim() === '' ? undefined : doc;
}

