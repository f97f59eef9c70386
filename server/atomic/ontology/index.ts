// The built-in copy of the atomicdata.dev core ontology (properties, classes, datatypes), served offline.

import core from './core.json' with { type: 'json' };
import type { PropVals, Resource } from '../json-ad.js';

function load(raw: readonly Record<string, unknown>[]): readonly Resource[] {
  return Object.freeze(
    raw.map((entry) => {
      const { '@id': subject, ...propvals } = entry;
      if (typeof subject !== 'string') throw new Error('core.json: a resource has no @id');
      return Object.freeze({ subject, propvals: Object.freeze(propvals as PropVals) });
    }),
  );
}

/** Every property, class and datatype of the core ontology, plus the few instances the client refers to by URL. */
export const coreOntology: readonly Resource[] = load(core as readonly Record<string, unknown>[]);

const subjects: ReadonlySet<string> = new Set(coreOntology.map((r) => r.subject));

/** Whether `subject` is one of the resources in the built-in ontology. */
export function isOntologySubject(subject: string): boolean {
  return subjects.has(subject);
}
