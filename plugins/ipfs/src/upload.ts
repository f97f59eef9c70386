// POST /upload?parent=<subject>: atomic-server's upload form, so @tomic/lib's `store.uploadFiles`
// works here. Each file of the multipart/form-data body is added to IPFS and pinned, and becomes
// a File resource (filename, filesize, mimetype, SHA-256 checksum, downloadURL `ipfs://<cid>`)
// under the parent, created with one commit batch on behalf of the requester, who needs append
// (or write) rights on the parent; with write rights the files are also pushed onto the parent's
// attachments, as atomic-server does. The answer is the new resources as a JSON-AD array.

import { createHash, randomBytes } from 'node:crypto';
import { can, commitBatch, json, requestBytes, type CommitChanges, type HttpRequestInput, type HttpResponse, type Json } from 'atomic-plugin/sdk/node';
import type { IpfsNode } from 'atomic-plugin/ipfs';
import type { CID } from 'multiformats/cid';
import { requireRight } from './access.js';
import { ipfsLink } from './cids.js';
import { declaredOrSniffed, SNIFF_BYTES } from './content-type.js';
import { ipfs } from './gateway.js';
import { commitRefusal, HttpError, required } from './http.js';
import { FILE_PROPS } from './references.js';

const P = 'https://atomicdata.dev/properties/';

/** A file of a form (undici's File). */
type FormFile = Exclude<ReturnType<FormData['get']>, string | null>;
const FILE_CLASS = 'https://atomicdata.dev/classes/File';

/** Stores the uploaded files and creates their File resources. */
export async function upload(server: string, node: IpfsNode, request: HttpRequestInput): Promise<HttpResponse> {
  const parent = required(request.query, 'parent', 'the resource the files go under');
  if (request.agent === null) throw new HttpError(401, 'sign the upload as an agent with append or write rights on the parent');
  // Checked before anything is stored: nobody fills the node without the right to.
  await requireRight(request.agent, 'append', parent);
  const files = await formFiles(request);
  const stored: { cid: CID; set: Record<string, Json>; subject: string }[] = [];
  for (const file of files) {
    const content = new Uint8Array(await file.arrayBuffer());
    const cid = await ipfs(() => node.add(content));
    await ipfs(() => node.pin(cid));
    stored.push({ cid, subject: `${server}/files/${fileId(file.name)}`, set: await fileResource(parent, file, content, cid) });
  }
  const changes: CommitChanges[] = stored.map(({ subject, set }) => ({ subject, set }));
  if ((await can(request.agent, 'write', [parent])).length > 0) changes.push({ subject: parent, push: { [FILE_PROPS.attachments]: stored.map((s) => s.subject) } });
  try {
    await commitBatch(changes, { onBehalfOf: request.agent });
  } catch (error) {
    // Nothing was written: the content need not be kept either (the next collection takes it).
    for (const { cid } of stored) await node.unpin(cid).catch(() => false);
    throw commitRefusal(error);
  }
  return json(200, stored.map(({ subject, set }) => ({ '@id': subject, ...set })), { 'content-type': 'application/ad+json' });
}

/** The files of a multipart/form-data body, whatever their field names; 415 or 400 otherwise. */
async function formFiles(request: HttpRequestInput): Promise<FormFile[]> {
  const contentType = request.headers['content-type'] ?? '';
  if (!/^multipart\/form-data\s*;/i.test(contentType)) throw new HttpError(415, `upload files as multipart/form-data, not ${contentType || 'a body without a content type'}`);
  let form: FormData;
  try {
    // The platform's own multipart parser (undici's), fed the body's exact bytes.
    form = await new Response(requestBytes(request), { headers: { 'content-type': contentType } }).formData();
  } catch (error) {
    throw new HttpError(400, `the multipart/form-data body cannot be read: ${(error as Error).message}`);
  }
  const files = [...form.values()].filter((v): v is FormFile => typeof v !== 'string');
  if (files.length === 0) throw new HttpError(400, 'the form holds no files');
  return files;
}

async function fileResource(parent: string, file: FormFile, content: Uint8Array, cid: CID): Promise<Record<string, Json>> {
  const name = file.name || 'file';
  return {
    [`${P}isA`]: [FILE_CLASS],
    [`${P}parent`]: parent,
    [FILE_PROPS.filename]: name,
    [FILE_PROPS.filesize]: content.length,
    [FILE_PROPS.mimetype]: await declaredOrSniffed(file.type, content.subarray(0, SNIFF_BYTES), name),
    [FILE_PROPS.checksum]: createHash('sha256').update(content).digest('hex'),
    [FILE_PROPS.downloadUrl]: ipfsLink(cid),
  };
}

/** A fresh, readable path segment for a file: time, randomness and the file's name (atomic-server's form). */
function fileId(filename: string): string {
  const safe = filename.normalize('NFKD').replace(/[^A-Za-z0-9._-]+/g, '-').replace(/^-+|-+$/g, '').slice(0, 80) || 'file';
  return `${Date.now().toString(36)}-${randomBytes(4).toString('hex')}-${safe}`;
}
