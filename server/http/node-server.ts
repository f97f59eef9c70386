// Puts the app on a Node HTTP server: reads bodies (with a size limit), writes responses and
// hands /ws upgrades to the subscription server.

import { createServer, type IncomingMessage, type Server } from 'node:http';
import { AtomicError } from '../atomic/errors.js';
import { errorResponse, requestedUrl, type App, type HttpRequest } from './app.js';
import type { SubscriptionServer } from './websocket.js';

/** Largest request body accepted. */
export const MAX_BODY_BYTES = 4 << 20;

/** Past the limit plus this many bytes an oversized upload is cut off instead of drained. */
const MAX_DRAIN_BYTES = 64 << 20;

/**
 * Reads the body. An oversized one is still read to its end (and thrown away) before the 413 is
 * sent: a client that is still writing when the server closes the socket never sees the answer.
 * Only a body past the limit plus MAX_DRAIN_BYTES is cut off.
 */
function readBody(request: IncomingMessage, limit: number): Promise<Buffer> {
  const drainLimit = limit + MAX_DRAIN_BYTES;
  return new Promise((resolve, reject) => {
    const declared = Number(request.headers['content-length']);
    const chunks: Buffer[] = [];
    let size = 0;
    const tooLarge = (): AtomicError => new AtomicError('BODY_TOO_LARGE', `${Number.isFinite(declared) ? declared : 'more than ' + limit} bytes; at most ${limit} bytes are accepted`);
    if (declared > drainLimit) {
      reject(tooLarge());
      request.destroy();
      return;
    }
    request.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > drainLimit) {
        reject(tooLarge());
        request.destroy();
      } else if (size <= limit) {
        chunks.push(chunk);
      }
    });
    request.on('end', () => (size > limit ? reject(tooLarge()) : resolve(Buffer.concat(chunks))));
    request.on('error', reject);
  });
}

/** Creates the Node HTTP server for an app. `bodyLimit` gives the largest body a path takes. */
export function createNodeServer(app: App, serverUrl: string, subscriptions: SubscriptionServer, bodyLimit: (path: string) => number = () => MAX_BODY_BYTES): Server {
  const server = createServer(async (req, res) => {
    const request: HttpRequest = { method: req.method ?? 'GET', url: req.url ?? '/', headers: req.headers };
    let response;
    try {
      if (request.method === 'POST' || request.method === 'PUT' || request.method === 'PATCH') {
        request.body = await readBody(req, bodyLimit(request.url.split('?')[0] ?? '/'));
      }
      response = await app(request);
    } catch (error) {
      // Only reading the body can fail here; the app turns its own errors into responses.
      response = errorResponse(error instanceof AtomicError ? error : new AtomicError('INTERNAL'), requestedUrl(serverUrl, request));
    }
    try {
      res.writeHead(response.status, { ...response.headers, 'content-length': String(Buffer.byteLength(response.body)) });
      res.end(response.body);
    } catch (error) {
      // A response Node refuses to write (a header it rejects) must not take the server down.
      console.error(`${request.method} ${request.url}: cannot write the response:`, error);
      if (!res.headersSent) {
        const fallback = errorResponse(new AtomicError('INTERNAL', 'the response could not be written'), requestedUrl(serverUrl, request));
        res.writeHead(fallback.status, fallback.headers);
        res.end(fallback.body);
      } else {
        res.destroy();
      }
    }
  });
  server.on('upgrade', (req, socket, head) => {
    if ((req.url ?? '').split('?')[0] === '/ws') subscriptions.handleUpgrade(req, socket, head);
    else socket.destroy();
  });
  server.keepAliveTimeout = 30_000;
  return server;
}
