// The properties this plugin defines: `versions`, the link `on_resource_get` adds to every resource
// served, pointing at `/versions?subject=...`, and the two that list's JSON-AD form uses
// (`versions-of`, `version-commits`), so that a client following the link (the Atomic Data
// Browser, @tomic/lib) gets a resource it can show. They live in a small public Ontology in the
// drive, kept in place at every init (the SDK's ensureResources), so any client can resolve their
// definitions from the server itself.

import type { WantedResource } from 'atomic-plugin/sdk/js';

const P = 'https://atomicdata.dev/properties/';
const C = 'https://atomicdata.dev/classes/';
const PUBLIC_AGENT = 'https://atomicdata.dev/agents/publicAgent';
const ONTOLOGY_CLASS = 'https://atomicdata.dev/class/ontology';
const ATOMIC_URL = 'https://atomicdata.dev/datatypes/atomicURL';
const RESOURCE_ARRAY = 'https://atomicdata.dev/datatypes/resourceArray';

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

function property(s: VersioningSubjects, shortname: string, datatype: string, description: string): WantedResource['set'] {
  return { [`${P}isA`]: [`${C}Property`], [`${P}parent`]: s.ontology, [`${P}shortname`]: shortname, [`${P}datatype`]: datatype, [`${P}description`]: description };
}

/** Where the versions of `subject` are listed (the value of the `versions` property). */
export function versionsLink(server: string, subject: string): string {
  return `${server}/versions?subject=${encodeURIComponent(subject)}`;
}

/** The ontology and its properties, parent first. */
export function wantedResources(server: string): WantedResource[] {
  const s = versioningSubjects(server);
  return [
    {
      subject: s.ontology,
      exact: true,
      set: {
        [`${P}isA`]: [ONTOLOGY_CLASS],
        [`${P}parent`]: server,
        [`${P}shortname`]: 'versioning-ontology',
        [`${P}name`]: 'Versioning',
        [`${P}description`]: 'What the atomic/versioning plugin adds to resources: a link to their history.',
        [`${P}classes`]: [],
        [`${P}properties`]: [s.versions, s.versionsOf, s.versionCommits],
        [`${P}read`]: [PUBLIC_AGENT],
      },
    },
    { subject: s.versions, exact: true, set: property(s, 'versions', ATOMIC_URL, 'The history of this resource: every commit of it with its time, signer and changes (JSON, or JSON-AD when asked for). Added when the resource is served; not stored on it.') },
    { subject: s.versionsOf, exact: true, set: property(s, 'versions-of', ATOMIC_URL, 'The resource whose history this is.') },
    { subject: s.versionCommits, exact: true, set: property(s, 'version-commits', RESOURCE_ARRAY, 'The commits of the resource, oldest first: each one is a version.') },
  ];
}
