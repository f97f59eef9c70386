// Freezing a resource: its current JSON-AD (sorted keys, so one state has one text and one CID)
// is added to IPFS and pinned, and the CID recorded on it (`frozen`, `frozen-at`) with a commit on
// behalf of the requester, who needs write rights. Verifying: the frozen text is fetched by its
// CID, its address recomputed (it cannot have changed), and compared with the resource as it is
// now, so anyone who may read the resource can tell whether and where it moved on.

import { canonicalJson, commit, json, type HttpRequestInput, type HttpResponse, type Json, type Resource } from 'atomic-plugin/sdk/node';
import { assertCid, type IpfsNode } from 'atomic-plugin/ipfs';
import { requireRight } from './access.js';
import { canonicalCid, gatewayUrl, ipfsLink, requestCid } from './cids.js';
import { ipfs } from './gateway.js';
import { commitRefusal, HttpError, required } from './http.js';
import type { IpfsOntology } from './ontology.js';

const LAST_COMMIT = 'https://atomicdata.dev/properties/lastCommit';
/** The largest frozen document read back. */
const MAX_FROZEN_BYTES = 16 << 20;

/** What freezing and verifying need. */
export interface FreezeContext {
  server: string;
  node: IpfsNode;
  ontology: IpfsOntology;
}

/** The frozen form of a resource: its JSON-AD without the freeze record itself, keys sorted. */
export function frozenDocument(resource: Resource, ontology: IpfsOntology): string {
  const { [ontology.frozen]: _frozen, [ontology.frozenAt]: _at, ...rest } = resource;
  return canonicalJson(rest);
}

/** POST /ipfs/freeze?subject= */
export async function freeze(ctx: FreezeContext, request: HttpRequestInput): Promise<HttpResponse> {
  const subject = required(request.query, 'subject', 'the resource to freeze');
  if (request.agent === null) throw new HttpError(401, `sign the request as an agent with write rights on ${subject}`);
  const resource = await requireRight(request.agent, 'write', subject);
  const cid = await ipfs(() => ctx.node.add(new TextEncoder().encode(frozenDocument(resource, ctx.ontology))));
  await ipfs(() => ctx.node.pin(cid));
  const frozenAt = Date.now();
  let commitSubject: string;
  try {
    commitSubject = await commit({ subject, set: { [ctx.ontology.frozen]: ipfsLink(cid), [ctx.ontology.frozenAt]: frozenAt } }, { onBehalfOf: request.agent });
  } catch (error) {
    throw commitRefusal(error);
  }
  return json(200, { subject, cid: canonicalCid(cid), link: ipfsLink(cid), url: gatewayUrl(ctx.server, canonicalCid(cid)), frozenAt, version: resource[LAST_COMMIT] ?? null, commit: commitSubject });
}

/** GET /ipfs/verify?subject=[&cid=]: against the last freeze, or an earlier one by its CID. */
export async function verify(ctx: FreezeContext, request: HttpRequestInput): Promise<HttpResponse> {
  const subject = required(request.query, 'subject', 'the resource to verify');
  const resource = await requireRight(request.agent, 'read', subject);
  const recorded = resource[ctx.ontology.frozen];
  const given = request.query['cid'];
  if (!given && typeof recorded !== 'string') throw new HttpError(404, `${subject} has not been frozen`);
  const cid = requestCid(given || (recorded as string));
  const text = await ipfs(() => ctx.node.get(cid, { maxBytes: MAX_FROZEN_BYTES }));
  // The node's answer is trusted only once its address is recomputed from the bytes.
  await ipfs(() => assertCid(text, cid));
  let frozen: Record<string, Json>;
  try {
    frozen = JSON.parse(new TextDecoder().decode(text)) as Record<string, Json>;
  } catch {
    throw new HttpError(422, `${canonicalCid(cid)} is not a frozen resource (not JSON)`);
  }
  if (frozen === null || typeof frozen !== 'object' || frozen['@id'] !== subject) throw new HttpError(422, `${canonicalCid(cid)} is not a frozen version of ${subject}`);
  const now = JSON.parse(frozenDocument(resource, ctx.ontology)) as Record<string, Json>;
  const changed = [...new Set([...Object.keys(frozen), ...Object.keys(now)])]
    .filter((p) => p !== '@id' && p !== LAST_COMMIT && canonicalJson(frozen[p]) !== canonicalJson(now[p]))
    .sort();
  return json(200, {
    subject,
    cid: canonicalCid(cid),
    url: gatewayUrl(ctx.server, canonicalCid(cid)),
    intact: true,
    recorded: recorded === ipfsLink(cid),
    frozenAt: recorded === ipfsLink(cid) ? (resource[ctx.ontology.frozenAt] ?? null) : null,
    version: frozen[LAST_COMMIT] ?? null,
    unchanged: changed.length === 0,
    changed,
  });
}
