// Pins, for operators (write rights on the drive): list them, pin a CID the node holds, unpin one
// (its content goes at the next garbage collection unless pinned again), and collect garbage.
// Uploads and freezes pin what they add.

import { json, type HttpRequestInput, type HttpResponse } from 'atomic-plugin/sdk/node';
import type { IpfsNode } from 'atomic-plugin/ipfs';
import { requireOperator } from './access.js';
import { canonicalCid, gatewayUrl, ipfsLink, requestCid } from './cids.js';
import { ipfs } from './gateway.js';
import { HttpError, required } from './http.js';

/** GET, POST, DELETE /ipfs/pins[?cid=] and POST /ipfs/gc. */
export async function pins(server: string, node: IpfsNode, request: HttpRequestInput, route: 'pins' | 'gc'): Promise<HttpResponse> {
  await requireOperator(request.agent, server, route === 'gc' ? 'Garbage collection' : 'Pinning');
  if (route === 'gc') {
    if (request.method !== 'POST') throw new HttpError(405, 'POST /ipfs/gc collects garbage', { allow: 'POST' });
    return json(200, { removedBlocks: await ipfs(() => node.gc()) });
  }
  if (request.method === 'GET') {
    const roots = (await ipfs(() => node.pins())).map(canonicalCid).sort();
    return json(200, { pins: roots.map((cid) => ({ cid, link: `ipfs://${cid}`, url: gatewayUrl(server, cid) })) });
  }
  const cid = requestCid(required(request.query, 'cid', 'the CID'));
  if (request.method === 'POST') {
    await ipfs(() => node.pin(cid));
    return json(200, { cid: canonicalCid(cid), link: ipfsLink(cid), pinned: true });
  }
  if (!(await ipfs(() => node.unpin(cid)))) throw new HttpError(404, `${canonicalCid(cid)} is not pinned`);
  return json(200, { cid: canonicalCid(cid), link: ipfsLink(cid), pinned: false });
}
