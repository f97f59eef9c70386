// The properties this plugin defines: `versions`, the link `on_resource_get` adds to every resource
// served, pointing at `/versions?subject=...`, and the two that list's JSON-AD form uses
// (`versions-of`, `version-commits`), so that a client following the link (the Atomic Data
// Browser, @tomic/lib) gets a resource it can show. They live in a small public Ontology in the
// drive, kept in place at every init (the SDK's ensureResources), so any client can resolve their
// definitions from the server itself.

import { core, ontologyResource, propertyResource, type WantedResource } from 'atomic-plugin/sdk/js';

/** The subjects of the plugin's ontology and properties. */
export interface VersioningSubjects {
  readonly ontology: string;
  readonly versions: string;
  readonly versionsOf: string;
  readonly versionCommits: string;
}

/** The subjects of the plugin's ontology on the server at `server`. */
export function versioningSubjects(server: string): VersioningSubjects {
  const ontology = `${server}/versioning-ontology`;
  const property = `${ontology}/property`;
  return { ontology, versions: `${property}/versions`, versionsOf: `${property}/versions-of`, versionCommits: `${property}/version-commits` };
}

/** Where the versions of `subject` are listed (the value of the `versions` property). */
export function versionsLink(server: string, subject: string): string {
  return `${server}/versions?subject=${encodeURIComponent(subject)}`;
}

/** The ontology and its properties, parent first. */
export function wantedResources(server: string): WantedResource[] {
  const s = versioningSubjects(server);
  const { atomicUrl, resourceArray } = core.datatypes;
  return [
    ontologyResource(server, s.ontology, {
      shortname: 'versioning-ontology',
      name: 'Versioning',
      description: 'What the atomic/versioning plugin adds to resources: a link to their history.',
      classes: [],
      properties: [s.versions, s.versionsOf, s.versionCommits],
    }),
    propertyResource(s.ontology, s.versions, 'versions', atomicUrl, 'The history of this resource: every commit of it with its time, signer and changes (JSON, or JSON-AD when asked for). Added when the resource is served; not stored on it.'),
    propertyResource(s.ontology, s.versionsOf, 'versions-of', atomicUrl, 'The resource whose history this is.'),
    propertyResource(s.ontology, s.versionCommits, 'version-commits', resourceArray, 'The commits of the resource, oldest first: each one is a version.'),
  ];
}
