// The resources of an ontology a plugin defines (a public Ontology and its Properties), as
// WantedResources for `ensureResources`: a plugin that adds properties to what it serves keeps
// their definitions on the server, so that clients such as @tomic/lib can resolve them.

import type { WantedResource } from './ensure.js';
import { core } from './urls.js';

const p = core.properties;

/** What an Ontology says about itself. */
export interface OntologyInfo {
  readonly shortname: string;
  readonly name: string;
  readonly description: string;
  readonly classes: readonly string[];
  readonly properties: readonly string[];
}

/** An Ontology at `subject` directly under the drive `server`, readable by everyone, kept as given. */
export function ontologyResource(server: string, subject: string, info: OntologyInfo): WantedResource {
  return {
    subject,
    exact: true,
    set: {
      [p.isA]: [core.classes.ontology],
      [p.parent]: server,
      [p.shortname]: info.shortname,
      [p.name]: info.name,
      [p.description]: info.description,
      [p.classes]: [...info.classes],
      [p.properties]: [...info.properties],
      [p.read]: [core.publicAgent],
    },
  };
}

/** A Property at `subject` in the ontology `ontology` (its parent, whose rights it shares), kept as given. */
export function propertyResource(ontology: string, subject: string, shortname: string, datatype: string, description: string): WantedResource {
  return {
    subject,
    exact: true,
    set: { [p.isA]: [core.classes.property], [p.parent]: ontology, [p.shortname]: shortname, [p.datatype]: datatype, [p.description]: description },
  };
}
