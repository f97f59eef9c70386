// The URLs of the Atomic Data core ontology that plugins name most often, shaped like @tomic/lib's
// `core`: `core.properties.name`, `core.classes.commit`, `core.datatypes.string`.

const P = 'https://atomicdata.dev/properties/';
const C = 'https://atomicdata.dev/classes/';
const D = 'https://atomicdata.dev/datatypes/';

/** Core property, class and datatype URLs, and the public agent. */
export const core = {
  properties: {
    name: `${P}name`,
    description: `${P}description`,
    shortname: `${P}shortname`,
    isA: `${P}isA`,
    parent: `${P}parent`,
    read: `${P}read`,
    write: `${P}write`,
    append: `${P}append`,
    lastCommit: `${P}lastCommit`,
    datatype: `${P}datatype`,
    requires: `${P}requires`,
    recommends: `${P}recommends`,
    allowsOnly: `${P}allowsOnly`,
    classes: `${P}classes`,
    properties: `${P}properties`,
    // A Commit's own properties.
    subject: `${P}subject`,
    createdAt: `${P}createdAt`,
    signer: `${P}signer`,
    set: `${P}set`,
    remove: `${P}remove`,
    push: `${P}push`,
    destroy: `${P}destroy`,
    previousCommit: `${P}previousCommit`,
  },
  classes: {
    class: `${C}Class`,
    property: `${C}Property`,
    commit: `${C}Commit`,
    agent: `${C}Agent`,
    folder: `${C}Folder`,
    ontology: 'https://atomicdata.dev/class/ontology',
  },
  datatypes: {
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
  },
  /** The agent that stands for everyone: in a `read` list, it makes a resource public. */
  publicAgent: 'https://atomicdata.dev/agents/publicAgent',
} as const;
