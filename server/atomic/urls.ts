// The URLs of the Atomic Data core ontology that the protocol code refers to by name.

const P = 'https://atomicdata.dev/properties/';
const C = 'https://atomicdata.dev/classes/';
const D = 'https://atomicdata.dev/datatypes/';

/** Property URLs. */
export const props = {
  shortname: `${P}shortname`,
  name: `${P}name`,
  description: `${P}description`,
  isA: `${P}isA`,
  parent: `${P}parent`,
  read: `${P}read`,
  write: `${P}write`,
  append: `${P}append`,
  publicKey: `${P}publicKey`,
  lastCommit: `${P}lastCommit`,
  createdAt: `${P}createdAt`,
  datatype: `${P}datatype`,
  classtype: `${P}classtype`,
  allowsOnly: `${P}allowsOnly`,
  requires: `${P}requires`,
  recommends: `${P}recommends`,
  isDynamic: `${P}isDynamic`,
  isLocked: `${P}isLocked`,
  subresources: `${P}subresources`,
  children: `${P}children`,
  drives: `${P}drives`,
  incomplete: `${P}incomplete`,
  commit: {
    subject: `${P}subject`,
    createdAt: `${P}createdAt`,
    signer: `${P}signer`,
    set: `${P}set`,
    remove: `${P}remove`,
    push: `${P}push`,
    destroy: `${P}destroy`,
    previousCommit: `${P}previousCommit`,
    signature: `${P}signature`,
  },
  collection: {
    property: `${P}collection/property`,
    value: `${P}collection/value`,
    members: `${P}collection/members`,
    totalMembers: `${P}collection/totalMembers`,
    totalPages: `${P}collection/totalPages`,
    currentPage: `${P}collection/currentPage`,
    pageSize: `${P}collection/pageSize`,
    sortBy: `${P}collection/sortBy`,
    sortDesc: `${P}collection/sortDesc`,
    includeExternal: `${P}collection/includeExternal`,
    includeNested: `${P}collection/includeNested`,
  },
  plugin: {
    config: `${P}config`,
    namespace: `${P}namespace`,
    file: `${P}pluginFile`,
    author: `${P}pluginAuthor`,
    jsonSchema: `${P}jsonSchema`,
    version: `${P}version`,
    agent: `${P}pluginAgent`,
    permissions: `${P}pluginPermissions`,
  },
  auth: {
    agent: `${P}auth/agent`,
    requestedSubject: `${P}auth/requestedSubject`,
    publicKey: `${P}auth/publicKey`,
    timestamp: `${P}auth/timestamp`,
    signature: `${P}auth/signature`,
  },
} as const;

/** Class URLs. */
export const classes = {
  agent: `${C}Agent`,
  drive: `${C}Drive`,
  commit: `${C}Commit`,
  collection: `${C}Collection`,
  error: `${C}Error`,
  property: `${C}Property`,
  class: `${C}Class`,
  datatype: `${C}Datatype`,
  plugin: `${C}Plugin`,
  // Not under /classes/: the core ontology spells this one https://atomicdata.dev/class/ontology.
  ontology: 'https://atomicdata.dev/class/ontology',
} as const;

/** Datatype URLs. */
export const datatypes = {
  string: `${D}string`,
  markdown: `${D}markdown`,
  slug: `${D}slug`,
  integer: `${D}integer`,
  float: `${D}float`,
  boolean: `${D}boolean`,
  timestamp: `${D}timestamp`,
  date: `${D}date`,
  atomicUrl: `${D}atomicURL`,
  resourceArray: `${D}resourceArray`,
  json: `${D}json`,
  uri: `${D}uri`,
} as const;

/** The agent that stands for anyone, signed in or not. */
export const publicAgent = 'https://atomicdata.dev/agents/publicAgent';

/**
 * Properties this server defines itself, under `{server}/ontology/`: the state of installed
 * plugins, the plugin registry, and the agent a plugin's commit was made for. They are created at first start (see init.ts) so that clients can resolve them.
 */
export function localProps(serverUrl: string) {
  const O = `${serverUrl}/ontology`;
  return {
    ontology: O,
    pluginEnabled: `${O}/plugin-enabled`,
    pluginStatus: `${O}/plugin-status`,
    pluginError: `${O}/plugin-error`,
    pluginHooks: `${O}/plugin-hooks`,
    pluginStats: `${O}/plugin-stats`,
    // The plugin registry (`atomic-plugin publish --server`): a listing per namespace/name with
    // one release resource per version. Not of class Plugin: the host would try to run those.
    pluginListing: `${O}/PluginListing`,
    pluginRelease: `${O}/PluginRelease`,
    releases: `${O}/releases`,
    packageDigest: `${O}/package-digest`,
    packageCid: `${O}/package-cid`,
    publisher: `${O}/publisher`,
    // On a commit a plugin signed while serving a request: the requester it acted for (host
    // function `commit` with `on_behalf_of`). Part of the signed commit.
    onBehalfOf: `${O}/on-behalf-of`,
    // On a stored commit: the commit applied to the same resource just before it (its lastCommit
    // then). Recorded by the server, not signed: the order commits were applied in, which their
    // createdAt (the signers' clocks) and the optional previousCommit do not always give.
    appliedAfter: `${O}/applied-after`,
  } as const;
}
