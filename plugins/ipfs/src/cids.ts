// CIDs as this plugin writes and reads them: parsed from a request (400 for anything else), in one
// canonical text (CIDv0 where the content allows, as Kubo prints it), as `ipfs://` links and as
// HTTP URLs on this server.

import { IpfsError, parseCid } from 'atomic-plugin/ipfs';
import type { CID } from 'multiformats/cid';
import { HttpError } from './http.js';

/** A CID given in a request (`Qm…`, `bafy…`, `ipfs://…`); 400 when it is none. */
export function requestCid(value: string): CID {
  try {
    return parseCid(value);
  } catch (error) {
    if (error instanceof IpfsError) throw new HttpError(400, error.message);
    throw error;
  }
}

/** The CID as stored in links: v0 for dag-pb content (Kubo's form), v1 otherwise. */
export function canonicalCid(cid: CID): string {
  try {
    return cid.toV0().toString();
  } catch {
    return cid.toV1().toString();
  }
}

/** `ipfs://<cid>`. */
export function ipfsLink(cid: CID): string {
  return `ipfs://${canonicalCid(cid)}`;
}

/** Where this server serves the content of `ipfs://<rest>`. */
export function gatewayUrl(server: string, rest: string): string {
  return `${server}/ipfs/${rest}`;
}
