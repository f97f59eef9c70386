// handle_request: which handler a request goes to, and refusals turned into answers.

import { json, type HttpRequestInput, type HttpResponse } from 'atomic-plugin/sdk/node';
import type { IpfsNode } from 'atomic-plugin/ipfs';
import { requestCid } from './cids.js';
import { freeze, verify } from './freeze.js';
import { serveContent } from './gateway.js';
import { errorReply, HttpError } from './http.js';
import type { IpfsOntology } from './ontology.js';
import { pins } from './pins.js';
import { upload } from './upload.js';

/** What the handlers share. */
export interface Services {
  server: string;
  node: IpfsNode;
  ontology: IpfsOntology;
}

/** Answers one request on /ipfs or /upload. */
export async function handleRequest(services: Services, request: HttpRequestInput): Promise<HttpResponse> {
  try {
    return await route(services, request);
  } catch (error) {
    if (error instanceof HttpError) return errorReply(error);
    throw error;
  }
}

async function route(services: Services, request: HttpRequestInput): Promise<HttpResponse> {
  const { server, node } = services;
  const method = request.method;
  if (request.path === '/upload') {
    return upload(server, node, request);
  }
  const [, , first = '', ...rest] = request.path.split('/'); // ['', 'ipfs', first, ...rest]
  const only = (...allowed: string[]): void => {
    if (!allowed.includes(method)) throw new HttpError(405, `${method} is not allowed on /ipfs/${first}; use ${allowed.join(' or ')}`, { allow: allowed.join(', ') });
  };
  switch (first) {
    case '':
      only('GET');
      return json(200, { node: node.location.startsWith('http') ? 'kubo' : 'embedded', routes: ['/ipfs/{cid}[/path]', '/ipfs/pins', '/ipfs/gc', '/ipfs/freeze?subject=', '/ipfs/verify?subject=', '/upload?parent='] });
    case 'pins':
      only('GET', 'POST', 'DELETE');
      return pins(server, node, request, 'pins');
    case 'gc':
      only('POST');
      return pins(server, node, request, 'gc');
    case 'freeze':
      only('POST');
      return freeze(services, request);
    case 'verify':
      only('GET');
      return verify(services, request);
    default:
      only('GET');
      return serveContent(services, request, requestCid(decodeSegment(first)), rest.map(decodeSegment).join('/'));
  }
}

/** A percent-encoded path segment, or a 400 for a malformed one. */
function decodeSegment(segment: string): string {
  try {
    return decodeURIComponent(segment);
  } catch {
    throw new HttpError(400, `${JSON.stringify(segment)} is not a valid path segment`);
  }
}
