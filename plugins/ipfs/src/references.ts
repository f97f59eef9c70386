// The resources that refer to a CID: Files whose downloadURL is `ipfs://<cid>` and resources
// frozen as it. Content is served to whoever may read one of them (as atomic-server serves a
// file to whoever may read its File resource), and they say what it is: its media type and name.

import { can, query, type Resource } from 'atomic-plugin/sdk/node';
import type { CID } from 'multiformats/cid';
import { ipfsLink } from './cids.js';
import type { IpfsOntology } from './ontology.js';

const P = 'https://atomicdata.dev/properties/';
export const FILE_PROPS = {
  downloadUrl: `${P}downloadURL`,
  filename: `${P}filename`,
  filesize: `${P}filesize`,
  mimetype: `${P}mimetype`,
  checksum: `${P}checksum`,
  attachments: `${P}attachments`,
} as const;

/** Resources that point at one CID, and which of them a requester may read. */
export interface References {
  /** Files stored as the CID. */
  files: Resource[];
  /** Resources frozen as the CID. */
  frozen: Resource[];
  /** The subjects among them the requester may read. */
  readable: Set<string>;
  /** True when anyone (the public agent) may read one of them: the content may be cached publicly. */
  public: boolean;
}

/** The most referring resources looked at; more add nothing to the decision. */
const PAGE = 100;

async function pointingAt(property: string, link: string): Promise<Resource[]> {
  return (await query({ property, value: link, page_size: PAGE, include_resources: true })).resources ?? [];
}

/** The resources referring to `cid`, and what `agent` (null: anonymous) may read of them. */
export async function referencesTo(cid: CID, agent: string | null, ontology: IpfsOntology): Promise<References> {
  const link = ipfsLink(cid);
  const files = await pointingAt(FILE_PROPS.downloadUrl, link);
  const frozen = await pointingAt(ontology.frozen, link);
  const subjects = [...files, ...frozen].map((r) => r['@id']);
  if (subjects.length === 0) return { files, frozen, readable: new Set(), public: false };
  const readable = new Set(await can(agent, 'read', subjects));
  const isPublic = agent === null ? readable.size > 0 : (await can(null, 'read', subjects)).length > 0;
  return { files, frozen, readable, public: isPublic };
}
