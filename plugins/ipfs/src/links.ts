// on_resource_get: a resource served with `ipfs://` links (a File's downloadURL, a frozen version)
// also gets `gateway-urls`, each link mapped to the URL this server serves it at, so a browser can
// follow it. Pure: no host calls, so serving resources costs only the scan.

import type { Json, ResourceGetInput } from 'atomic-plugin/sdk/node';
import { gatewayUrl } from './cids.js';
import type { IpfsOntology } from './ontology.js';

const IPFS_LINK = /^ipfs:\/\/([A-Za-z0-9]+)(\/[^?#]*)?$/;

/** The properties to add to a served resource (none when it holds no `ipfs://` links). */
export function resolveLinks(server: string, ontology: IpfsOntology, input: ResourceGetInput): { set?: Record<string, Json> } {
  const urls: Record<string, string> = {};
  for (const [property, value] of Object.entries(input.resource)) {
    if (property === ontology.gatewayUrls) continue;
    for (const item of Array.isArray(value) ? value : [value]) {
      if (typeof item !== 'string') continue;
      const match = IPFS_LINK.exec(item);
      if (match) urls[item] = gatewayUrl(server, `${match[1]}${match[2] ?? ''}`);
    }
  }
  return Object.keys(urls).length === 0 ? {} : { set: { [ontology.gatewayUrls]: urls } };
}
