// The properties this plugin defines, kept in the drive as an Ontology (public, so any client can
// resolve them): `frozen` and `frozen-at`, which a freeze records on a resource, and `gateway-urls`,
// which the plugin adds to served resources that hold `ipfs://` links. `ensureOntology` makes the
// store match at every init, committing only what is missing or differs.

import { commitBatch, getResource, HostError, type Json } from 'atomic-plugin/sdk/node';

const P = 'https://atomicdata.dev/properties/';
const C = 'https://atomicdata.dev/classes/';
const D = 'https://atomicdata.dev/datatypes/';
const PUBLIC_AGENT = 'https://atomicdata.dev/agents/publicAgent';
const ONTOLOGY_CLASS = 'https://atomicdata.dev/class/ontology';

/** The subjects of the plugin's ontology on a server. */
export interface IpfsOntology {
  ontology: string;
  /** `ipfs://<cid>` of the resource's JSON-AD at its last freeze. */
  frozen: string;
  /** When it was frozen. */
  frozenAt: string;
  /** Added when served: each `ipfs://` link in the resource → its HTTP URL on this server. */
  gatewayUrls: string;
}

/** Where the ontology lives on the server at `server`. */
export function ipfsOntology(server: string): IpfsOntology {
  const ontology = `${server}/ipfs-ontology`;
  return { ontology, frozen: `${ontology}/property/frozen`, frozenAt: `${ontology}/property/frozen-at`, gatewayUrls: `${ontology}/property/gateway-urls` };
}

function property(o: IpfsOntology, shortname: string, datatype: string, description: string): Record<string, Json> {
  return { [`${P}isA`]: [`${C}Property`], [`${P}parent`]: o.ontology, [`${P}shortname`]: shortname, [`${P}datatype`]: `${D}${datatype}`, [`${P}description`]: description };
}

/** Every resource of the ontology, the ontology first. */
function wanted(server: string): { subject: string; set: Record<string, Json> }[] {
  const o = ipfsOntology(server);
  return [
    {
      subject: o.ontology,
      set: {
        [`${P}isA`]: [ONTOLOGY_CLASS],
        [`${P}parent`]: server,
        [`${P}shortname`]: 'ipfs-ontology',
        [`${P}name`]: 'IPFS storage',
        [`${P}description`]: 'Properties of the atomic/ipfs plugin: frozen versions of resources kept in IPFS, and the HTTP URLs of `ipfs://` links.',
        [`${P}properties`]: [o.frozen, o.frozenAt, o.gatewayUrls],
        [`${P}read`]: [PUBLIC_AGENT],
      },
    },
    { subject: o.frozen, set: property(o, 'frozen', 'string', 'The `ipfs://` link of this resource\'s JSON-AD as it was when it was last frozen; `/ipfs/verify?subject=` checks it.') },
    { subject: o.frozenAt, set: property(o, 'frozen-at', 'timestamp', 'When the resource was last frozen.') },
    { subject: o.gatewayUrls, set: property(o, 'gateway-urls', 'json', 'Added when the resource is served: each `ipfs://` link in it, mapped to the URL this server serves its content at.') },
  ];
}

/** Creates or corrects the ontology's resources, as the plugin's agent. */
export async function ensureOntology(server: string): Promise<void> {
  const changes: { subject: string; set: Record<string, Json> }[] = [];
  for (const { subject, set } of wanted(server)) {
    const existing = await current(subject);
    const differing = Object.fromEntries(Object.entries(set).filter(([k, v]) => JSON.stringify(existing?.[k]) !== JSON.stringify(v)));
    if (Object.keys(differing).length > 0) changes.push({ subject, set: differing });
  }
  if (changes.length > 0) await commitBatch(changes);
}

async function current(subject: string): Promise<Record<string, Json> | undefined> {
  try {
    return await getResource(subject);
  } catch (error) {
    if (error instanceof HostError && error.code === 'NOT_FOUND') return undefined;
    throw error;
  }
}
