// GET (and HEAD) /ipfs/{cid}[/path]: stored content over HTTP, to whoever may read a resource that
// refers to it (operators may read anything the node holds). Content never changes under its CID,
// so the answer carries the CID as its ETag and may be cached for a year; Range requests are
// answered with 206/416. Content is served in a sandbox (CSP) and never sniffed by browsers, so an
// uploaded HTML page or SVG cannot run script with this server's origin.

import { bytes, type HttpRequestInput, type HttpResponse } from 'atomic-plugin/sdk/node';
import { IpfsError, type IpfsNode } from 'atomic-plugin/ipfs';
import type { CID } from 'multiformats/cid';
import { isOperator } from './access.js';
import { canonicalCid } from './cids.js';
import { mediaType, SNIFF_BYTES } from './content-type.js';
import { HttpError } from './http.js';
import type { IpfsOntology } from './ontology.js';
import { requestedRange } from './range.js';
import { FILE_PROPS, referencesTo, type References } from './references.js';

/** The most bytes one answer carries (they travel base64 in one JSON message); ask for more in ranges. */
export const MAX_RESPONSE_BYTES = 32 << 20;

/** What serving content needs. */
export interface GatewayContext {
  server: string;
  node: IpfsNode;
  ontology: IpfsOntology;
}

/** Serves the file at `cid` (and `path` inside it, for a directory). */
export async function serveContent(ctx: GatewayContext, request: HttpRequestInput, cid: CID, path: string): Promise<HttpResponse> {
  const refs = await referencesTo(cid, request.agent, ctx.ontology);
  await mayRead(refs, request.agent, ctx.server, cid);
  const stat = await ipfs(() => ctx.node.stat(cid, path));
  if (stat.type === 'directory') throw new HttpError(404, `${canonicalCid(cid)}${path ? `/${path}` : ''} is a directory; ask for a file in it`);
  const etag = `"${canonicalCid(cid)}${path ? `/${path}` : ''}"`;
  const headers: Record<string, string> = {
    etag,
    'cache-control': `${refs.public ? 'public' : 'private'}, max-age=31536000, immutable`,
    'accept-ranges': 'bytes',
    'x-content-type-options': 'nosniff',
    'content-security-policy': 'sandbox',
    'access-control-allow-origin': '*',
  };
  if (matches(request.headers['if-none-match'], etag)) return { status: 304, headers };
  const file = describedBy(refs);
  headers['content-type'] = file.type ?? (await mediaType(await ipfs(() => ctx.node.get(cid, { path, length: SNIFF_BYTES })), file.name ?? path.split('/').pop()));
  if (file.name) headers['content-disposition'] = `inline; filename*=UTF-8''${encodeURIComponent(file.name)}`;
  const range = requestedRange(stat.size, request.headers, etag);
  if (range.kind === 'unsatisfiable') {
    throw new HttpError(416, `the content has ${stat.size} bytes`, { 'content-range': `bytes */${stat.size}` });
  }
  if (range.kind === 'full') {
    if (stat.size > MAX_RESPONSE_BYTES) throw new HttpError(413, `the content has ${stat.size} bytes, more than ${MAX_RESPONSE_BYTES} in one answer: ask for it in ranges (Range: bytes=0-${MAX_RESPONSE_BYTES - 1})`);
    return bytes(200, await ipfs(() => ctx.node.get(cid, { path })), headers);
  }
  // A range larger than one answer is cut short; Content-Range tells the client what it got.
  const end = Math.min(range.end, range.start + MAX_RESPONSE_BYTES - 1);
  const part = await ipfs(() => ctx.node.get(cid, { path, offset: range.start, length: end - range.start + 1 }));
  return bytes(206, part, { ...headers, 'content-range': `bytes ${range.start}-${end}/${stat.size}` });
}

/** Refuses a requester who may read no resource referring to the content (and is no operator). */
async function mayRead(refs: References, agent: string | null, server: string, cid: CID): Promise<void> {
  if (refs.readable.size > 0 || (await isOperator(agent, server))) return;
  const referred = refs.files.length + refs.frozen.length > 0;
  if (!referred) throw new HttpError(404, `no resource on this server refers to ${canonicalCid(cid)}`);
  if (agent === null) throw new HttpError(401, `sign the request as an agent who may read a resource that refers to ${canonicalCid(cid)}`);
  throw new HttpError(403, `${agent} may read no resource that refers to ${canonicalCid(cid)}`);
}

/** The media type and name a readable File gives the content; frozen versions are JSON-AD. */
function describedBy(refs: References): { type?: string; name?: string } {
  const file = refs.files.find((f) => refs.readable.has(f['@id'])) ?? refs.files[0];
  if (file) {
    const type = file[FILE_PROPS.mimetype];
    const name = file[FILE_PROPS.filename];
    return { ...(typeof type === 'string' && type !== '' ? { type } : {}), ...(typeof name === 'string' && name !== '' ? { name } : {}) };
  }
  return refs.frozen.length > 0 ? { type: 'application/ad+json' } : {};
}

function matches(ifNoneMatch: string | undefined, etag: string): boolean {
  if (ifNoneMatch === undefined) return false;
  return ifNoneMatch.split(',').some((tag) => {
    const t = tag.trim().replace(/^W\//, '');
    return t === '*' || t === etag;
  });
}

/** Runs an IPFS operation, answering what went wrong as HTTP. */
export async function ipfs<T>(operation: () => Promise<T>): Promise<T> {
  try {
    return await operation();
  } catch (error) {
    if (!(error instanceof IpfsError)) throw error;
    switch (error.code) {
      case 'INVALID_CID':
        throw new HttpError(400, error.message);
      case 'CID_NOT_FOUND':
        throw new HttpError(404, `the IPFS node does not hold it: ${error.message}`);
      case 'NOT_A_FILE':
        throw new HttpError(404, error.message);
      case 'TOO_LARGE':
        throw new HttpError(413, error.message);
      default:
        // The node failed (Kubo unreachable) or answered with other bytes than the CID names.
        throw new HttpError(502, error.message);
    }
  }
}
